"""The guard our CSV and JSON exports put on text a spreadsheet would run, and its inverse.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe (OWASP's advice on CSV injection); text that is just a number (``-12``, ``+3.5``) is
parsed as that number, never run, and is kept as it is. Our readers of labelled CSVs take the
apostrophe off again (:func:`unguard`), so a corrected reply that starts with ``@brand`` comes
back from `umot export corrections` to `umot train` as it was written.
"""

from __future__ import annotations

import re
from typing import Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def guard(value: Any) -> Any:
    """``value`` safe to put in a CSV cell: text a spreadsheet would run gets a ``'``."""
    if isinstance(value, str) and _runs(value):
        return "'" + value
    return value


def unguard(text: str) -> str:
    """``text`` as it was before :func:`guard`: the apostrophe guard added is taken off, and
    any other text (an apostrophe guard would not have added included) is kept."""
    if text.startswith("'") and _runs(text[1:]):
        return text[1:]
    return text


def _runs(text: str) -> bool:
    return text.startswith(DANGEROUS) and not _PLAIN_NUMBER.fullmatch(text)
