"""Build the compiled twins: every ``_cparser/<stem>.pyx`` -> ``aiohttp_client._sansio.<stem>``.

Policy (the same as ``aiohttp_client/_ext.py``): the build is pure Python when
``AIOHTTP_CLIENT_NO_EXTENSIONS`` is non-empty or the interpreter is not CPython.
Extensions are optional for local and sdist installs (a machine without a C compiler
falls back to the Python twins) but mandatory under cibuildwheel (``CIBUILDWHEEL=1``),
so a release wheel can never ship without them.  All metadata is in pyproject.toml.
"""

import os
import pathlib
import sys

from setuptools import setup

HERE = pathlib.Path(__file__).parent
NO_EXTENSIONS = bool(os.environ.get("AIOHTTP_CLIENT_NO_EXTENSIONS")) or (sys.implementation.name != "cpython")


def ext_modules() -> list:
    if NO_EXTENSIONS:
        print("*** Pure Python build ***", file=sys.stderr)
        return []
    print("*** Accelerated build ***", file=sys.stderr)
    from Cython.Build import cythonize
    from setuptools import Extension

    sources = sorted((HERE / "_cparser").glob("*.pyx"))
    extensions = [
        Extension(f"aiohttp_client._sansio.{pyx.stem}", [str(pyx.relative_to(HERE))], include_dirs=["_cparser"])
        for pyx in sources
    ]
    built = cythonize(
        extensions,
        build_dir="build/cython",
        include_path=["_cparser"],
        compiler_directives={"language_level": 3, "embedsignature": True},
        annotate=bool(os.environ.get("AIOHTTP_CLIENT_CYTHON_ANNOTATE")),
    )
    # cythonize() returns new Extension objects that lost `optional`; set it here.
    mandatory = bool(os.environ.get("CIBUILDWHEEL"))
    for ext in built:
        ext.optional = not mandatory
    return built


setup(ext_modules=ext_modules())
