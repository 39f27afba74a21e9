"""Reading names, units and test ages out of column headers.

Examples: "Water (kg/m3)", "Cement (component 1)(kg in a m^3 mixture)", "Age (day)",
"Compressive Strength (28-day)(Mpa)", "Usage_kWh", "Temp [°F]", "Strength, psi".
Common German, Dutch and French names of fields and properties ("Rezeptnr.", "Mischbeginn",
"Prüfalter [d]", "Druksterkte [N/mm²]") are given their English name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.materials import ELEMENT_SYMBOLS, ascii_fold
from engine.units import UnitError, display_unit, parse_unit

__all__ = ["HeaderInfo", "property_code", "split_header"]

_GROUP = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|\{([^{}]*)\}")
_AGE = re.compile(
    r"^(?:at\s+)?(\d+(?:\.\d+)?)\s*-?\s*(?:d|day|days|dy|tage?n?|dagen|dag|j|jours?)(?:\s*age)?$",
    re.I,
)
_PER_VOLUME = re.compile(
    r"^(\w+)\s+(?:in|per)\s+(?:a|one|1)?\s*(m\s*\^?\s*3|m³|yd\s*\^?\s*3|yd³|cu\.?\s*yd)\b", re.I
)
_TEMPERATURE_WORDS = re.compile(r"temp|°|deg", re.I)
_TIME_WORDS = re.compile(r"time|duration|age|period", re.I)


_ID = r"(?: ?(?:nr|nummer|no|n|id|code))?"
# (pattern, English name): a pattern matches a whole name folded to ASCII, lower case, with
# other characters as single blanks. English names are left alone.
_FOREIGN_NAMES: tuple[tuple[str, str], ...] = (
    (rf"(?:rezept(?:ur)?|recept(?:uur)?|recette|formule|mischung|mengsel){_ID}"
     r"|(?:numero|no|n) (?:de )?(?:la )?(?:recette|formule)", "recipe no"),
    (rf"(?:chargen?|partij|gachee){_ID}|batch ?nummer"
     r"|(?:numero|no|n) (?:de )?(?:la )?(?:charge|gachee)", "batch no"),
    (rf"proben? ?(?:nr|nummer|id)|(?:probekoerper|proefstuk|monster|echantillon|eprouvette){_ID}",
     "sample id"),
    (r"misch ?beginn|beginn|start ?zeit|produktions ?(?:zeit|datum)|herstell ?(?:zeit|datum)"
     r"|meng ?begin|begin menging|start ?tijd|begin ?tijd|productie ?(?:datum|tijd)"
     r"|debut|heure de debut|debut (?:de )?malaxage|date de (?:production|fabrication)",
     "production time"),
    (r"misch ?ende|ende|end ?zeit|eind ?tijd|einde|fin|heure de fin", "end time"),
    (r"zeit|zeit ?stempel|uhrzeit|datum|datum ?(?:und )?(?:uhr)?zeit|tijd|tijd ?stip|tijd ?stempel"
     r"|datum ?(?:en )?tijd|heure|horodatage|date ?(?:et )?heure", "timestamp"),
    (r"(?:pruef|beton)?alter|alter bei pruefung|(?:proef|beproevings)?ouderdom|leeftijd"
     r"|age (?:d |a l |au |de l )?essai|age a la rupture", "test age"),
    (r"tage|dagen|jours", "days"),
    (r"bezeichnung|beschreibung|omschrijving|naam|benaming|designation|libelle|nom", "name"),
    (r"(?:beton ?)?druck ?festigkeit|(?:beton ?)?druk ?sterkte"
     r"|resistance (?:a la |en )?compression", "compressive strength"),
    (r"biegezug ?festigkeit|buigtrek ?sterkte|resistance (?:a la |en )?flexion",
     "flexural strength"),
    (r"spaltzug ?festigkeit|splijttrek ?sterkte|resistance (?:a la )?traction par fendage",
     "splitting tensile strength"),
    (r"zug ?festigkeit|trek ?sterkte|resistance (?:a la |en )?traction", "tensile strength"),
    (r"setz ?mass|zet ?maat|affaissement", "slump"),
    (r"ausbreit ?mass|schud ?maat|uitvloei ?maat|etalement", "flow"),
    (r"luft ?gehalt|lucht ?gehalte|teneur en air", "air content"),
)


def _english(name: str) -> str:
    """The English name of a German, Dutch or French header name ("Chargen-Nr." → "batch no");
    other names unchanged."""
    folded = " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_fold(name)).split())
    for pattern, english in _FOREIGN_NAMES:
        if re.fullmatch(pattern, folded):
            return english
    return name


@dataclass(frozen=True)
class HeaderInfo:
    """What a header says: the name without unit decorations, the unit and a test age."""

    name: str
    unit: str | None = None          # stored/display form, e.g. "kg/m³"
    unit_text: str | None = None     # as written in the header
    test_age_days: float | None = None


def _unit_from_text(text: str) -> tuple[str, str] | None:
    candidate = text.strip()
    if not candidate or candidate.replace(".", "").isdigit():
        return None
    per_volume = _PER_VOLUME.match(candidate)
    if per_volume:
        volume = per_volume.group(2).replace(" ", "").replace("^", "")
        volume = {"m3": "m**3", "m³": "m**3", "yd3": "yd**3", "yd³": "yd**3"}.get(
            volume.lower(), "yd**3"
        )
        candidate = f"{per_volume.group(1)}/{volume}"
    else:
        candidate = candidate.split(",")[0].strip()
    try:
        unit = parse_unit(candidate)
    except UnitError:
        return None
    return display_unit(unit), text.strip()


def _suffix_unit(name: str) -> tuple[str, str, str] | None:
    """("Usage_kWh") → ("Usage_kWh", "kWh", "kWh"): the name keeps its suffix (a tag name)."""
    tokens = re.split(r"[_\s]+", name.strip())
    if len(tokens) < 2:
        return None
    token = tokens[-1]
    if len(token) == 1:
        if token in "CF" and _TEMPERATURE_WORDS.search(name):
            token = "deg" + token
        elif not (token in "hs" and _TIME_WORDS.search(name)):
            return None
    elif token.capitalize() in ELEMENT_SYMBOLS or token.lower() in {"in", "no", "nr", "id", "at"}:
        return None
    elif token.isalpha() and token.islower() and len(token) >= 4:
        return None  # a word such as "week" in "Day_of_week", not a unit symbol
    found = _unit_from_text(token)
    if found is None or found[0] == "":
        return None
    return name.strip(), found[0], tokens[-1]


def split_header(header: str) -> HeaderInfo:
    """Split a column header into name, unit and test age.

    Bracketed groups are tried as units ("(kg/m3)", "[°C]", "(MPa, megapascals)",
    "(kg in a m^3 mixture)") and as test ages ("(28-day)"); otherwise a unit after a last
    comma ("Strength, psi") or a last "_" token ("Usage_kWh") is used.
    """
    text = " ".join(str(header).split())
    groups = [next(g for g in match.groups() if g is not None) for match in _GROUP.finditer(text)]
    name = " ".join(_GROUP.sub(" ", text).split()).strip(" ,;:-_")
    unit = unit_text = None
    age: float | None = None
    for group in reversed(groups):
        age_match = _AGE.match(group.strip())
        if age_match and age is None:
            age = float(age_match.group(1))
            continue
        if unit is None:
            found = _unit_from_text(group)
            if found is not None:
                unit, unit_text = found
    if not name:
        name = text
    if unit is None and "," in name:
        head, _, tail = name.rpartition(",")
        found = _unit_from_text(tail)
        if found is not None and head.strip():
            name, (unit, unit_text) = head.strip(), found
    if unit is None and not groups:
        suffix = _suffix_unit(name)
        if suffix is not None:
            name, unit, unit_text = suffix
    return HeaderInfo(name=_english(name), unit=unit, unit_text=unit_text, test_age_days=age)


_PROPERTY_NOISE = re.compile(r"\b(concrete|the|measured|value|avg|mean)\b", re.I)


def property_code(name: str) -> str:
    """A stable ASCII property identifier: "Concrete compressive strength" and "Druckfestigkeit"
    → "compressive_strength", "Prüfwert" → "pruefwert"."""
    folded = ascii_fold(_english(name))
    code = re.sub(r"[^0-9a-z]+", "_", _PROPERTY_NOISE.sub(" ", folded)).strip("_")
    return code or re.sub(r"[^0-9a-z]+", "_", folded).strip("_") or "property"
