# cython: language_level=3
# aiohttp_client._sansio._http_parser_c, as Cython looks it up by full module name
# (see _chunked_c.pxd beside this file).  The declarations are in
# _cparser/_http_parser_c.pxd.

include "../../_http_parser_c.pxd"
