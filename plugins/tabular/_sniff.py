"""Guessing the delimiter and the decimal separator of a text table from its first lines."""

from __future__ import annotations

import csv
import re
from collections import Counter

CANDIDATES = (";", "\t", "|", ",")  # order breaks ties: ";" beats "," in decimal-comma files
WHITESPACE = r"\s+"
_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(?:\.\d{3})*,\d+$|^[-+]?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^[-+]?\d*\.\d+(?:[eE][-+]?\d+)?$")


def split_fields(line: str, delimiter: str) -> list[str]:
    """One line split into fields, honouring double quotes."""
    if delimiter == WHITESPACE:
        return line.split()
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header and the lines below it into the same field count.

    Returns one of ``; \\t | ,`` or ``WHITESPACE`` (for .data/.txt files aligned with blanks).
    """
    lines = [line for line in lines if line.strip()][:50]
    if not lines:
        return ","
    best, best_score = None, 0.0
    for delimiter in CANDIDATES:
        counts = [len(split_fields(line, delimiter)) for line in lines]
        if counts[0] < 2:
            continue
        agree = sum(count == counts[0] for count in counts) / len(counts)
        if agree > best_score:
            best, best_score = delimiter, agree
    if best is not None and best_score >= 0.5:
        return best
    counts = [len(line.split()) for line in lines]
    if counts[0] >= 2 and Counter(counts).most_common(1)[0][0] == counts[0]:
        return WHITESPACE
    return best or ","


def sniff_decimal(lines: list[str], delimiter: str) -> str:
    """"," when numbers in the lines are written with a decimal comma, else "."."""
    if delimiter == ",":
        return "."
    comma = point = 0
    for line in lines[1:200]:
        for field in split_fields(line, delimiter):
            value = field.strip()
            if _DECIMAL_COMMA.match(value):
                comma += 1
            elif _DECIMAL_POINT.match(value):
                point += 1
    return "," if comma > point else "."
