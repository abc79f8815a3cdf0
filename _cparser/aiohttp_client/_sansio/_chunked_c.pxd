# cython: language_level=3
# aiohttp_client._sansio._chunked_c, as Cython looks it up by full module name (this
# directory is on setup.py's include path as _cparser; the directories are not Python
# packages, Cython reads them as namespace packages).  Found when _chunked_c.pyx is
# compiled as that module and when _http_reader_c.pyx cimports it.  The declarations
# are in _cparser/_chunked_c.pxd.

include "../../_chunked_c.pxd"
