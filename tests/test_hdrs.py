"""``hdrs``: every public name of aiohttp 3.14.5's ``hdrs`` module, with the same value.

The comparison needs aiohttp 3.14 as the oracle (``aiohttp_oracle`` marker): on Python
3.9 (CPython or PyPy) pip installs aiohttp 3.13, which is not the rival of this contract.
"""

import aiohttp.hdrs as rival
import pytest
from multidict import CIMultiDict, istr

import aiohttp_client.hdrs as hdrs

_NOT_API = {"Final", "itertools"}  # names aiohttp's module imports for itself


def _public(module: object) -> set[str]:
    return {n for n in dir(module) if not n.startswith("_") and n not in _NOT_API}


@pytest.mark.aiohttp_oracle
def test_every_rival_name_exists_with_the_same_value() -> None:
    missing = sorted(_public(rival) - _public(hdrs))
    assert missing == []
    for name in _public(rival):
        ours, theirs = getattr(hdrs, name), getattr(rival, name)
        assert ours == theirs, name
        if isinstance(theirs, str):  # the same spelling, not only case-insensitively equal
            assert str(ours) == str(theirs), name


def test_field_names_are_case_insensitive() -> None:
    assert isinstance(hdrs.ACCEPT_CHARSET, istr)
    assert CIMultiDict({"x-request-id": "1"})[hdrs.X_REQUEST_ID] == "1"
    assert len(hdrs.HOST_ALL) == 16 and "hOsT" in hdrs.HOST_ALL
    assert hdrs.METH_GET in hdrs.METH_ALL and hdrs.METH_ANY not in hdrs.METH_ALL
