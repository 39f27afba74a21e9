"""Turning the bytes of a text export into text: BOMs, UTF-16, UTF-8, then a guess."""

from __future__ import annotations

import codecs
import re

from engine.errors import ReaderError
from plugins.tabular._sniff import sniff_delimiter, split_fields

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte code pages of the languages Formix reads (English, German, Dutch, French,
# Spanish, Italian: cp1252; Polish: cp1250), tried in this order before any guess.
_SINGLE_BYTE = ("cp1252", "cp1250")
# Letters one code page produces from the other's text and that the supported languages
# (almost) never use: Polish "ść" read as cp1252 gives "œæ"; Italian "àèìòù" read as
# cp1250 gives "ŕčěňů". French writes œ before a vowel ("œuvre", "cœur", "œil"), which
# Polish text read as cp1252 does not give ("œæ", "œrodek", "coœ").
_UNLIKELY = {
    "cp1252": set("œæŒÆŸ"),
    "cp1250": set("ŕčěňůĺľťţăőűřŔČĚŇŮĹĽŤŢĂŐŰŘ"),
}
_LIGATURE = set("œŒ")
_VOWELS = set("aeiouyAEIOUY")
_SUPERSCRIPTS = set("¹²³")
# Symbols that Polish capitals become in cp1252 (Ż → ¯, Ł → £, Ą → ¥) and no language puts
# right before a word's first letter ("¯wir 2/16" is "Żwir 2/16"; "£ 5" or "£5" stay fine).
_WORD_START_SYMBOLS = set("¯£¥¤")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 exports without BOM: every other byte is NUL for Latin text."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _implausible(text: str, encoding: str) -> int:
    """How many characters of a single-byte decoding do not fit Western or Polish text:
    letters unlikely in that decoding (œ only when no vowel follows), a superscript before a
    small letter ("Wytrzyma³oœæ"), a symbol between two letters ("Ró¿nica") and a symbol
    such as ¯ or £ starting a word ("¯wir")."""
    count = 0
    for match in _NON_ASCII.finditer(text):
        index, char = match.start(), match.group()
        after = text[index + 1: index + 2]
        before = text[index - 1: index] if index else ""
        if char in _UNLIKELY[encoding]:
            count += not (char in _LIGATURE and after in _VOWELS)
            continue
        if char in _WORD_START_SYMBOLS:
            count += after.isalpha() and not before.isalpha()
        elif char in _SUPERSCRIPTS:
            count += after.isalpha() and after.islower()
        elif not char.isalpha() and before.isalpha() and after.isalpha():
            count += 1
    return count


def _western(data: bytes) -> str | None:
    """The single-byte code page whose text is plausible for a supported language, or None.

    Western and Polish files are mostly ASCII with a few accented letters and unit symbols
    (°, ³); Cyrillic or Greek text read as cp1252 is mostly non-ASCII and is left to the guess.
    """
    best: tuple[int, str] | None = None
    for encoding in _SINGLE_BYTE:
        try:
            text = data.decode(encoding)[: 1 << 20]
        except UnicodeDecodeError:
            continue
        letters = len(_LETTER.findall(text))
        foreign = len(_NON_ASCII.findall(text))
        if foreign > 0.2 * max(letters, 1):
            return None
        score = _implausible(text, encoding)
        if best is None or score < best[0]:
            best = (score, encoding)
    return best[1] if best is not None else None


def _guess_encoding(data: bytes) -> str:
    """An encoding for bytes that are not UTF-8: cp1252 or cp1250 when their text is plausible
    (a guess on a small file is unreliable: a one-row cp1252 recipe reads as Korean johab),
    else the best guess of charset_normalizer."""
    western = _western(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    return best.encoding if best is not None else "cp1252"


def _decode_failure(
    file: str, data: bytes, error: UnicodeDecodeError, encoding: str
) -> ReaderError:
    start = error.start
    row = data[:start].count(b"\n") + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    prefix = data[line_start:start].decode("latin-1")
    header = data.split(b"\n", 1)[0].decode("latin-1").lstrip("\ufeff")
    delimiter = sniff_delimiter([header])
    names = split_fields(header, delimiter)
    index = len(split_fields(prefix, delimiter)) - 1 if prefix else 0
    column = names[index].strip() if 0 <= index < len(names) else None
    bad = data[start:error.end].hex(" ").upper()
    return ReaderError(
        file, row, column,
        f"byte 0x{bad} cannot be read as {encoding}; the file is probably in another "
        "encoding (e.g. cp1252/Windows-1252): choose the encoding in the import options",
    )


def decode(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; returns (text without BOM, encoding used).

    Args:
        data: the file's bytes.
        file: the file name for errors.
        encoding: the encoding the user chose; None detects it.

    Raises:
        ReaderError: the file is empty, binary, or not in the chosen encoding.
    """
    blank = b" \t\r\n\x00" + codecs.BOM_UTF8
    if not data[:65536].strip(blank) and not data.strip(blank):
        raise ReaderError(file, None, None, "file is empty")
    chosen = encoding
    if chosen is None:
        chosen = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if chosen is None:
        chosen = _utf16_without_bom(data[:4096])
    if chosen is None and b"\x00" in data[:65536]:
        offset = data.index(b"\x00")
        raise ReaderError(file, data[:offset].count(b"\n") + 1, None,
                          f"binary content (a NUL byte at byte {offset}): not a text file")
    text: str | None = None
    if chosen is None:
        try:
            text, chosen = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            chosen = _guess_encoding(data)
    if text is None:
        try:
            text = data.decode(chosen)
        except UnicodeDecodeError as error:
            raise _decode_failure(file, data, error, chosen) from error
        except LookupError as error:
            raise ReaderError(file, None, None, f"unknown encoding '{chosen}'") from error
    text = text.removeprefix("\ufeff")
    control = _CONTROL.search(text[:65536])
    if control is not None and len(_CONTROL.findall(text[:65536])) > 2:
        row = text[: control.start()].count("\n") + 1
        raise ReaderError(file, row, None,
                          f"binary content (control character 0x{ord(control.group()):02X}): "
                          "not a text file")
    if not text.strip():
        raise ReaderError(file, None, None, "file is empty")
    return text, chosen
