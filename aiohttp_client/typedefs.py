"""Type aliases used across the package (no code)."""

from collections.abc import Iterable, Mapping
from typing import Any, Callable, Union

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy, istr
from yarl import URL

__all__ = ("JSONEncoder", "JSONDecoder", "LooseHeaders", "RawHeaders", "StrOrURL", "Query")

JSONEncoder = Callable[[Any], str]
JSONDecoder = Callable[[str], Any]
LooseHeaders = Union[
    Mapping[str, str],
    Mapping[istr, str],
    "CIMultiDict[str]",
    "CIMultiDictProxy[str]",
    Iterable[tuple[Union[str, istr], str]],
]
RawHeaders = tuple[tuple[bytes, bytes], ...]
StrOrURL = Union[str, URL]
Query = Union[
    None,
    str,
    Mapping[str, Any],
    "MultiDict[Any]",
    "MultiDictProxy[Any]",
    Iterable[tuple[str, Any]],
]
