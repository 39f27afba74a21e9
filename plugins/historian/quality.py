"""Historian quality flags and system states as Formix understands them.

Formix leaves out samples whose quality starts with "Bad" or "Uncertain" (with a warning). The
exports write quality as text ("Good", "Bad", "Questionable", "Substituted") or as OPC DA codes
(0–255: the top two bits are 11 good, 01 uncertain, 00 bad; 192 is "good").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Values PI, Wonderware and others write instead of a number when there is no measurement.
SYSTEM_STATES = frozenset({
    "i/o timeout", "bad input", "bad", "shutdown", "no data", "pt created", "calc failed",
    "comm fail", "scan off", "scan timeout", "configure", "over range", "under range",
    "out of serv", "intf shut", "equip fail", "no sample", "unit down", "invalid data",
    "bad data", "arc off-line", "no result", "not connected", "error", "bad quality",
})
_GOOD = ("good", "ok", "valid")
_UNCERTAIN = ("uncertain", "questionable", "suspect", "doubtful", "substituted", "manual")
_BAD = ("bad", "invalid", "error", "fail", "not connected", "comm")


def _text_label(value: str) -> str:
    simple = value.strip().lower()
    if simple.startswith(_UNCERTAIN):
        return f"Uncertain ({value.strip()})"
    if simple.startswith(_BAD):
        return f"Bad ({value.strip()})"
    if simple.startswith(_GOOD):
        return "Good"
    return value.strip()


def _opc_label(code: float) -> str:
    shown = f"{code:g}"
    bits = int(code) & 0xC0
    if bits == 0xC0:
        return "Good" if int(code) == 192 else f"Good ({shown})"
    if bits == 0x40:
        return f"Uncertain ({shown})"
    return f"Bad ({shown})"


def quality_labels(values: pd.Series, column: str) -> pd.Series:
    """Quality cells as "Good" / "Uncertain (…)" / "Bad (…)", the original in brackets.

    Numeric codes are read as OPC DA quality when any code is 64 or more or the column is an
    OPC/detail column; otherwise (codes 0, 1, …, as Wonderware's ``Quality``) 0 is good and
    other codes are bad. Blank cells stay blank (no quality given: the sample is kept).
    """
    text = values.astype("string").str.strip()
    distinct = [v for v in text.dropna().unique() if v]
    numbers = {v: float(n) for v in distinct
               if not np.isnan(n := pd.to_numeric(v, errors="coerce"))}
    opc = bool(numbers) and (max(numbers.values()) >= 64
                             or any(word in column.lower() for word in ("opc", "detail")))
    labels: dict[str, str] = {}
    for value in distinct:
        if value in numbers:
            code = numbers[value]
            labels[value] = _opc_label(code) if opc else (
                "Good" if code == 0 else f"Bad ({code:g})")
        else:
            labels[value] = _text_label(value)
    return text.map(labels).astype(object).where(text.notna() & text.ne(""), None)
