"""The client side of ``bench_harness.py`` (the outside harness of issue 20), one
process per client.

``python _harness_worker.py ours|aiohttp|pycurl BASE_URL`` imports the client, prints
one JSON line describing itself, then answers commands read from stdin, one per
line, with one JSON line each.  CPU is ``getrusage(RUSAGE_SELF)`` user + system of
this process over the timed part (as the harness measures it), wall is
``time.perf_counter``.  Only public API is used, exactly the harness's loops:

``seq PATH,N``      one ``ClientSession(connector=TCPConnector(limit=1))``, N times
                    ``async with session.get(url) as r: await r.read()``
``conc PATH,N,W``   W tasks sharing one session with ``TCPConnector(limit=W)``, N GETs in all
``fetch PATH``      one GET read with ``resp.content.iter_chunked(65536)`` (decoded)
``tls URL``         the same for an absolute ``https`` URL, ``ssl=False`` (self-signed peer)
``ceiling FILE,LIB`` the gzip FILE on disk (read outside the timing) decompressed by
                    LIB alone (``zlib``, ``zlib_ng`` or ``isal``) in 64 KiB input pieces
                    without an output cap: the rate the backend reaches on its own

The ``pycurl`` worker knows only ``fetch`` (libcurl's easy interface, the body counted
in a write callback).
"""

import asyncio
import json
import resource
import sys
import time
from typing import Any, Callable


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _timed(run: Callable[[], Any]) -> dict[str, Any]:
    wall0, cpu0 = time.perf_counter(), _cpu()
    result = run()
    return {"wall": time.perf_counter() - wall0, "cpu": _cpu() - cpu0, **result}


async def _seq(client: Any, url: str, count: int) -> dict[str, Any]:
    async with client.ClientSession(connector=client.TCPConnector(limit=1)) as session:
        for _ in range(count):
            async with session.get(url) as r:
                await r.read()
    return {"requests": count}


async def _conc(client: Any, url: str, count: int, width: int) -> dict[str, Any]:
    async with client.ClientSession(connector=client.TCPConnector(limit=width)) as session:

        async def lane(n: int) -> None:
            for _ in range(n):
                async with session.get(url) as r:
                    await r.read()

        per_lane, extra = divmod(count, width)
        await asyncio.gather(*(lane(per_lane + (i < extra)) for i in range(width)))
    return {"requests": count}


async def _fetch(client: Any, url: str, ssl: Any = True) -> dict[str, Any]:
    nbytes = 0
    async with client.ClientSession() as session:
        async with session.get(url, ssl=ssl) as resp:
            assert resp.status == 200, resp.status
            async for chunk in resp.content.iter_chunked(65536):
                nbytes += len(chunk)
    return {"bytes": nbytes}


def _backend(name: str) -> Any:
    if name == "zlib_ng":
        from zlib_ng import zlib_ng

        return zlib_ng
    if name == "isal":
        from isal import isal_zlib

        return isal_zlib
    import zlib

    return zlib


def ceiling(arg: str) -> dict[str, Any]:
    path, name = arg.split(",")
    lib = _backend(name)
    with open(path, "rb") as f:
        raw = f.read()

    def run() -> dict[str, Any]:
        d = lib.decompressobj(16 + lib.MAX_WBITS)
        nbytes = 0
        view = memoryview(raw)
        for i in range(0, len(raw), 65536):
            nbytes += len(d.decompress(view[i : i + 65536]))
        nbytes += len(d.flush())
        return {"bytes": nbytes}

    return _timed(run)


def pycurl_fetch(url: str) -> dict[str, Any]:
    import pycurl

    counted = [0]

    def write(data: bytes) -> None:
        counted[0] += len(data)

    def run() -> dict[str, Any]:
        c = pycurl.Curl()
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.WRITEFUNCTION, write)
        c.perform()
        c.close()
        return {"bytes": counted[0]}

    counted[0] = 0
    return _timed(run)


async def _command(client: Any, name: str, base: str, arg: str) -> dict[str, Any]:
    args = arg.split(",")
    url = base + args[0]
    if name == "seq":
        return await _seq(client, url, int(args[1]))
    if name == "conc":
        return await _conc(client, url, int(args[1]), int(args[2]))
    if name == "tls":  # an absolute https URL, the certificate not checked (self-signed)
        return await _fetch(client, args[0], ssl=False)
    return await _fetch(client, url)


def hello(lib: str) -> tuple[dict[str, Any], Any]:
    if lib == "pycurl":
        import pycurl

        return {"ok": True, "version": pycurl.version}, None
    if lib == "aiohttp":
        import aiohttp

        return {"ok": True, "version": aiohttp.__version__}, aiohttp
    import aiohttp_client
    from aiohttp_client import _ext
    from aiohttp_client._sansio import _chunked, _compression, _http_parser  # noqa: F401  (fill _ext.LOADED)

    zlib_name = _compression._zlib.__name__.split(".")[0]  # the default backend: zlib, zlib_ng or isal
    version = getattr(aiohttp_client, "__version__", "?")
    info = {"ok": True, "version": version, "twins": dict(_ext.LOADED), "zlib": zlib_name}
    return info, aiohttp_client


def main() -> None:
    lib, base = sys.argv[1], sys.argv[2]
    info, client = hello(lib)
    print(json.dumps(info), flush=True)
    loop = asyncio.new_event_loop()
    try:
        for line in sys.stdin:
            name, arg = line.split()
            if name == "ceiling":
                result = ceiling(arg)
            elif lib == "pycurl":
                result = pycurl_fetch(base + arg)
            else:
                result = _timed(lambda: loop.run_until_complete(_command(client, name, base, arg)))  # noqa: B023
            print(json.dumps(result), flush=True)
    finally:
        loop.close()


if __name__ == "__main__":
    main()
