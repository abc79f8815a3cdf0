"""Sphinx configuration of the aiohttp_client documentation (docs/).

Built by the lint lane of ``tools/test``::

    .venv/bin/python -m sphinx -W --keep-going -b html docs build/docs

Warnings are errors.  The build is offline: no intersphinx, no link check.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sphinx.util import logging  # noqa: E402

import aiohttp_client  # noqa: E402

project = "aiohttp_client"
author = "aiohttp_client developers"
copyright = "aiohttp_client developers"
release = version = aiohttp_client.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# The pages include README.md sections whose sub-headings start at level 3 under a page's
# level-1 title; MyST's heading-level check would fail the build on them.  "ref.python":
# annotations such as ``type[...]`` match several ``.type`` attributes of the API.
suppress_warnings = ["myst.header", "ref.python"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"aiohttp_client {release}"

# The pages of features aiohttp lacks (docs/retry.md, docs/sse.md, ...): every page not
# named in index.md's own toctree, added to the index in a second toctree.
_LISTED = {"index", "quickstart", "migration", "performance", "api"}
FEATURE_PAGES = sorted(p.stem for p in Path(__file__).parent.glob("*.md") if p.stem not in _LISTED)


def _add_feature_pages(app: Any, docname: str, source: list[str]) -> None:
    if docname == "index" and FEATURE_PAGES:
        entries = "\n".join(FEATURE_PAGES)
        source[0] += f"\n\n```{{toctree}}\n:caption: Beyond aiohttp\n:maxdepth: 1\n\n{entries}\n```\n"


def _check_api_complete(app: Any, env: Any) -> None:
    """Warn (an error under -W) for a name of ``aiohttp_client.__all__`` that the API
    reference does not describe, so the reference grows with the public API.
    """
    described = set(env.get_domain("py").objects)
    for name in aiohttp_client.__all__:
        if f"aiohttp_client.{name}" not in described:
            logging.getLogger(__name__).warning("docs/api.md does not describe aiohttp_client.%s", name)


def setup(app: Any) -> None:
    app.connect("source-read", _add_feature_pages)
    app.connect("env-check-consistency", _check_api_complete)
