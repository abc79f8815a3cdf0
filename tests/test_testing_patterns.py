"""The examples of docs/testing.md are test modules: each runs here, in a pytest
subprocess that loads the plugin (``pytest_aiohttp_client``, as its ``pytest11``
entry point does once installed), and every test in it must pass.  Also: the
plugin's fixture fails a test whose request matched no route, the entry point is
declared, and loading the plugin adds nothing but the fixture and imports nothing of
the client.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "testing.md"
PLUGIN = "pytest_aiohttp_client"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _pytest(directory: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", PLUGIN, *args, str(directory)]
    return subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=120)


def test_the_page_has_the_examples() -> None:
    examples = _examples()
    assert len(examples) == 5
    for name in ("test_quick_start", "test_websocket_subscription", "test_retry_on_503", "test_streamed_download"):
        assert any(f"def {name}" in code for code in examples), name
    assert sum("(mock_router)" in code for code in examples) == 1  # the JSON API pattern uses the fixture


@pytest.mark.parametrize("index", range(5))
def test_doc_example_passes(index: int, tmp_path: pathlib.Path) -> None:
    code = _examples()[index]
    (tmp_path / f"test_example_{index}.py").write_text(code, encoding="utf-8")
    result = _pytest(tmp_path)
    tests = len(re.findall(r"^def test_", code, flags=re.M))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed" in result.stdout, result.stdout


def test_fixture_fails_a_test_whose_unmatched_request_was_swallowed(tmp_path: pathlib.Path) -> None:
    (tmp_path / "test_swallow.py").write_text(
        "import asyncio\n"
        "import aiohttp_client as aiohttp\n\n"
        "async def fetch():\n"
        "    try:\n"
        "        async with aiohttp.ClientSession() as s:\n"
        "            await s.get('http://nowhere.test/x')\n"
        "    except Exception:\n"
        "        return None  # the code under test hides every error\n\n"
        "def test_it(mock_router):\n"
        "    mock_router.get('http://nowhere.test/y')\n"
        "    assert asyncio.run(fetch()) is None\n",
        encoding="utf-8",
    )
    result = _pytest(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "1 passed, 1 error" in result.stdout
    assert "requests matched no route: [<RecordedRequest GET http://nowhere.test/x" in result.stdout


def test_plugin_adds_only_the_fixture(tmp_path: pathlib.Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert True\n", encoding="utf-8")
    result = _pytest(tmp_path, "--fixtures")
    assert "mock_router" in result.stdout and "every session of the test" in result.stdout
    assert "1 passed" in _pytest(tmp_path).stdout
    import pytest_aiohttp_client as plugin

    assert [name for name in vars(plugin) if name.startswith("pytest_")] == []  # no hooks


def test_loading_the_plugin_imports_nothing_of_the_client() -> None:
    code = "import sys, pytest_aiohttp_client; print(sorted(m for m in sys.modules if m.startswith('aiohttp_client')))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_entry_point_is_declared() -> None:
    # Read as text (tomllib is 3.11+, and the PyPy lane is 3.9): the section and its line.
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.entry-points.pytest11]\n", 1)[1].split("\n[", 1)[0]
    assert f'aiohttp_client = "{PLUGIN}"' in section.splitlines()
    assert '    "aiohttp_client.testing",' in text.split("packages = [", 1)[1].split("]", 1)[0].splitlines()
    assert 'py-modules = ["pytest_aiohttp_client"]' in text.splitlines()
