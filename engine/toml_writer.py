"""A tiny TOML writer for the files users edit: study specs, import profiles.

The standard library only reads TOML, and writers on PyPI put arrays of tables inline,
which reads badly in a hand-edited study (``[[variables]]`` blocks are its documented form).
Handles: strings, booleans, integers, finite and non-finite floats, arrays
of scalars, inline-free nested tables and arrays of tables. ``None`` values are skipped.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: Mapping[str, Any]) -> str:
    """Serialise a mapping to TOML text that ``tomllib.loads`` reads back to the same data."""
    lines: list[str] = []
    _write_table(lines, (), data)
    return "\n".join(lines).strip() + "\n"


def _write_table(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    for key, value in table.items():
        if value is not None and not _is_table_like(value):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():  # sub-tables in their own order, after the plain keys
        if isinstance(value, Mapping):
            if not value:
                continue
            if any(not _is_table_like(v) for v in value.values() if v is not None):
                lines.append("")
                lines.append(f"[{_dotted((*path, key))}]")
            _write_table(lines, (*path, key), value)
        elif _is_array_of_tables(value):
            for item in value:
                lines.append("")
                lines.append(f"[[{_dotted((*path, key))}]]")
                _write_table(lines, (*path, key), item)


def _is_array_of_tables(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) > 0
        and all(isinstance(item, Mapping) for item in value)
    )


def _is_table_like(value: Any) -> bool:
    return isinstance(value, Mapping) or _is_array_of_tables(value)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(part) for part in path)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
