"""Recognising historian exports from their first lines, and their column roles."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from plugins.tabular._sniff import WHITESPACE, sniff_delimiter, split_fields

HEAD_BYTES = 65536
# Header names per role, in the simplified form of ``simplify``.
ROLE_NAMES: dict[str, frozenset[str]] = {
    "tag": frozenset({"tag", "tag name", "tagname", "tag path", "tagpath", "tag id", "point",
                      "point name", "pointname", "signal", "variable", "sensor", "channel",
                      "item", "item id", "itemid"}),
    "time": frozenset({"time", "timestamp", "time stamp", "t stamp", "tstamp", "datetime",
                       "date time", "date and time", "ts", "date"}),
    "value": frozenset({"value", "val", "vvalue", "v value", "pv", "reading"}),
    "quality": frozenset({"quality", "qual", "q", "quality code", "qualitycode", "qualitydetail",
                          "quality detail", "opcquality", "opc quality", "status"}),
    "unit": frozenset({"unit", "units", "uom", "eng units", "engunits", "engineering units"}),
}
# The names Formix's column suggestion already understands; other role columns are renamed
# to the role's name so the suggested mapping is right.
UNDERSTOOD: dict[str, frozenset[str]] = {
    "tag": frozenset({"tag", "tag name", "tagname", "signal", "variable", "point", "point name",
                      "channel", "sensor"}),
    "time": frozenset({"time", "timestamp", "date", "datetime", "date time", "date and time",
                       "ts", "time stamp", "t stamp"}),
    "value": frozenset({"value", "val", "reading"}),
    "quality": frozenset({"quality", "qual", "q", "quality code"}),
    "unit": frozenset({"unit", "units", "uom", "eng units", "engineering units"}),
}
_UNIT_SUFFIX = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
# Tag names: paths ("Plant1.Mixer.Temp", "[default]Mixer/Temp", "MIX:TEMP") or ISA-style
# instrument tags ("TI-101", "FIC101.PV", "PT_2002A").
_TAG_PATH = re.compile(r"^(\[[^\]]+\])?[\w\-]+([./:\\][\w\-]+)+$")
_ISA_TAG = re.compile(r"^[A-Z]{1,5}[-_ ]?\d{2,6}[A-Z]?([./:][\w\-]+)*$")
_TIMESTAMP = re.compile(r"^\s*\"?(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})"
                        r"([ T]\d{1,2}:\d{2}|\s*$|\"?$)")


def simplify(name: str) -> str:
    """Lower case, ``_ - . : /`` as blanks, single spaces (as Formix's suggestion does)."""
    return " ".join(re.sub(r"[_\-.:/]+", " ", name.lower()).split())


def role_of(name: str) -> str | None:
    """The historian role of a header ("TagName" → "tag"), or None."""
    simple = simplify(name)
    return next((role for role, names in ROLE_NAMES.items() if simple in names), None)


def head_lines(path: Path, limit: int = 60) -> list[str]:
    """The first lines of a text file (BOMs and UTF-16 handled; cp1252 as a fallback).

    Returns [] for binary files, so sniffing refuses them cheaply.
    """
    with Path(path).open("rb") as handle:
        data = handle.read(HEAD_BYTES)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        return []
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            if error.start < len(data) - 4:
                text = data.decode("cp1252", errors="replace")
            else:  # a character cut at the end of the sample
                text = data[: error.start].decode("utf-8-sig")
    lines = text.splitlines()
    if len(data) == HEAD_BYTES and lines:
        lines = lines[:-1]  # possibly cut
    return [line for line in lines if line.strip()][:limit]


def header_fields(lines: list[str]) -> tuple[list[str], str] | None:
    """(header fields, delimiter) of a delimited table, or None when it is not one."""
    if not lines:
        return None
    delimiter = sniff_delimiter(lines[:20])
    if delimiter == WHITESPACE:
        return None
    fields = [field.strip() for field in split_fields(lines[0], delimiter)]
    return (fields, delimiter) if len(fields) >= 2 else None


def is_tag_name(name: str) -> bool:
    """Whether a header looks like a historian tag (unit suffix ignored)."""
    bare = _UNIT_SUFFIX.sub("", name).strip()
    return bool(_TAG_PATH.match(bare) or _ISA_TAG.match(bare))


def looks_like_timestamp(cell: str) -> bool:
    """Whether a cell starts like a date or date-time."""
    return bool(_TIMESTAMP.match(cell))
