"""Reading names, units and test ages out of column headers.

Examples: "Water (kg/m3)", "Cement (component 1)(kg in a m^3 mixture)", "Age (day)",
"Compressive Strength (28-day)(Mpa)", "Usage_kWh", "Temp [°F]", "Strength, psi".
Common German, Dutch, French, Spanish, Italian and Polish names of fields and properties
("Rezeptnr.", "Mischbeginn", "Druksterkte [N/mm²]", "Edad (días)", "Wiek [dni]") are given
their English name, and so are mechanical-test abbreviations ("YS", "Rp0.2", "Rm", "A5 (%)").
Hardness scales, which are not units, stay in the name: "Hardness (HRC)" → "hardness HRC".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.ingest._roles import is_property, role_of
from engine.materials import ELEMENT_SYMBOLS, ascii_fold
from engine.units import UnitError, display_unit, parse_unit

__all__ = ["HeaderInfo", "property_code", "split_header"]

_GROUP = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|\{([^{}]*)\}")
_DAY_WORDS = r"d|day|days|dy|tage?n?|dagen|dag|j|jours?|d[ií]as?|giorni|gg|dni|dzie[nń]|doby"
_AGE = re.compile(rf"^(?:at\s+)?(\d+(?:\.\d+)?)\s*-?\s*(?:{_DAY_WORDS})(?:\s*age)?$", re.I)
# A test age before a property's name: "28-Day Compressive Strength", "7d Strength".
_AGE_PREFIX = re.compile(rf"^(\d+(?:\.\d+)?)\s*-?\s*(?:{_DAY_WORDS})[\s\-]+(\w.*)$", re.I)
# Day units pint does not know (or reads otherwise: "dag" is a decagram, "J" a joule).
_DAYS = re.compile(r"(?i:tage?n?|dagen|dag|jours?|d[ií]as?|giorni|gg|dni|dzie[nń]|doby)|j")
_PER_VOLUME = re.compile(
    r"^(\w+)\s+(?:in|per)\s+(?:a|one|1)?\s*(m\s*\^?\s*3|m³|yd\s*\^?\s*3|yd³|cu\.?\s*yd)\b", re.I
)
_TEMPERATURE_WORDS = re.compile(r"temp|°|deg", re.I)
_TIME_WORDS = re.compile(r"time|duration|age|period", re.I)

_ID = r"(?: ?(?:nr|nro|nummer|numero|numer|no|n|id|code|codigo|codice|cod|kod))?"
_NO = r"(?:numero|numer|no|n|nr|nro|num|id|cod|codigo|codice|kod) (?:(?:de|di|del|della|la) )*"
_RECIPE = (r"rezept(?:ur)?|recept(?:uur)?|recette|formule|mischung|mengsel|receta|dosificacion"
           r"|mezcla|ricetta|miscela|receptur[aeyz]?|recepty?|mieszank[aiey]")
_BATCH = (r"chargen?|partij|gachee|lote|amasada|lotto|impasto|partii|partia|zarobu?|szarz[ay]"
          r"|schmelzen?|colada|colata|coulee|wytopu?")
_SAMPLE = r"probekoerper|proefstuk|monster|echantillon|eprouvette|probeta|muestra|provino" \
          r"|campione|probk[ai]"
# (pattern, English name): a pattern matches a whole name folded to ASCII, lower case, with
# other characters as single blanks.
_FOREIGN_NAMES: tuple[tuple[str, str], ...] = (
    (rf"(?:{_RECIPE}){_ID}|{_NO}(?:{_RECIPE})", "recipe no"),
    (rf"(?:{_BATCH}){_ID}|batch ?nummer|{_NO}(?:{_BATCH})", "batch no"),
    (r"(?:chargen? ?|misch ?)?(?:menge|volumen|groesse)|(?:partij ?)?(?:hoeveelheid|grootte)"
     r"|volume (?:de (?:la )?)?gachee|volume (?:(?:d|di|del|dell) )?(?:impasto|lotto)"
     r"|volumen (?:(?:de|del) (?:la )?)?(?:amasada|lote|carga)|objetosc(?: (?:zarobu|szarzy))?",
     "batch volume"),
    (rf"proben? ?(?:nr|nummer|id)|(?:{_SAMPLE}){_ID}|{_NO}(?:{_SAMPLE})", "sample id"),
    (r"misch ?beginn|beginn|start ?zeit|produktions ?(?:zeit|datum)|herstell ?(?:zeit|datum)"
     r"|schmelz ?datum|meng ?begin|begin menging|start ?tijd|begin ?tijd"
     r"|productie ?(?:datum|tijd)|debut|heure de debut|debut (?:de )?malaxage"
     r"|date de (?:production|fabrication|coulee)"
     r"|inicio(?: (?:de )?(?:mezclado|amasado|mezcla|produccion))?|hora (?:de )?inicio"
     r"|fecha (?:de )?(?:produccion|fabricacion|amasado|colada|hormigonado)"
     r"|inizio(?: (?:della )?(?:miscelazione|impasto|produzione))?|ora (?:di )?inizio"
     r"|data (?:di )?(?:produzione|fabbricazione|getto|colata)"
     r"|poczatek(?: mieszania)?|czas (?:rozpoczecia|produkcji)|rozpoczecie"
     r"|data (?:produkcji|wytopu|betonowania)", "production time"),
    (r"misch ?ende|ende|end ?zeit|eind ?tijd|einde|fin|heure de fin"
     r"|fin (?:de )?(?:mezclado|amasado)|hora (?:de )?fin|fine (?:miscelazione|impasto)"
     r"|ora (?:di )?fine|koniec(?: mieszania)?|czas zakonczenia", "end time"),
    (r"zeit|zeit ?stempel|uhrzeit|datum|datum ?(?:und )?(?:uhr)?zeit|tijd|tijd ?stip|tijd ?stempel"
     r"|datum ?(?:en )?tijd|heure|horodatage|date ?(?:et )?heure"
     r"|fecha|hora|fecha (?:y )?hora|marca (?:de )?tiempo|data|ora|data (?:e )?ora"
     r"|czas|godzina|data (?:i )?(?:czas|godzina)|znacznik czasu", "timestamp"),
    (r"(?:pruef|beton)?alter|alter bei pruefung|(?:proef|beproevings)?ouderdom|leeftijd"
     r"|age|age (?:d |a l |au |de l )?essai|age a la rupture"
     r"|edad(?: (?:de |del )?(?:ensayo|rotura))?|edad en dias"
     r"|eta(?: (?:di |alla )?(?:prova|maturazione|stagionatura|rottura))?|stagionatura"
     r"|giorni (?:di )?stagionatura|wiek(?: (?:probki|badania|betonu))?", "test age"),
    (r"tage|dagen|jours|dias|giorni|dni", "days"),
    (r"bezeichnung|beschreibung|omschrijving|naam|benaming|designation|libelle|nom"
     r"|nombre|descripcion|denominacion|nome|descrizione|denominazione|nazwa|opis", "name"),
    (r"(?:material ?)?art|material ?typ|kategorie|soort|categorie|type de materiau|tipo"
     r"|tipo de material|categoria|rodzaj|kategoria", "kind"),
    (r"(?:einzel ?|einheits ?)?preis|prijs|prix(?: unitaire)?|precio(?: unitario)?"
     r"|prezzo(?: unitario)?|cena(?: jednostkowa)?", "price"),
    (r"waehrung|valuta|devise|monnaie|moneda|waluta", "currency"),
    (r"einheit|eenheid|unite|unidad|unita|jednostka", "unit"),
    (r"(?:mess ?)?wert|(?:meet ?)?waarde|valeur|valor|valore|wartosc", "value"),
    (r"(?:roh ?|rein ?|korn ?)?dichte|(?:volume ?)?dichtheid|masse volumique|densidad"
     r"|densita|gestosc", "density"),
    (r"guete|stahl ?guete|stahl ?sorte|werkstoff(?: ?(?:nr|nummer))?|staal ?soort"
     r"|nuance(?: d acier)?|grado(?: (?:de |di )?acci?ero?)?|calidad(?: (?:de )?acero)?"
     r"|gatunek(?: stali)?", "steel grade"),
    (r"(?:beton ?)?druck ?festigkeit|(?:beton ?)?druk ?sterkte"
     r"|resistance (?:a la |en )?compression"
     r"|resisten(?:cia|za) (?:a |a la |alla |en )?compres(?:ion|sione)(?: (?:cubica|cilindrica))?"
     r"|wytrzymalosc (?:na )?sciskanie", "compressive strength"),
    (r"biegezug ?festigkeit|buigtrek ?sterkte|resistance (?:a la |en )?flexion"
     r"|resisten(?:cia|za) (?:a |a la |alla )?(?:flexion|flessione)"
     r"|wytrzymalosc (?:na )?zginanie", "flexural strength"),
    (r"spaltzug ?festigkeit|splijttrek ?sterkte|resistance (?:a la )?traction par fendage"
     r"|resisten(?:cia|za) (?:a |a la |alla )?(?:traccion|trazione) indiretta?"
     r"|wytrzymalosc (?:na )?rozciaganie przy rozlupywaniu", "splitting tensile strength"),
    (r"zug ?festigkeit|trek ?sterkte|resistance (?:a la |en )?traction"
     r"|resisten(?:cia|za) (?:a |a la |alla )?(?:traccion|trazione)|carico di rottura"
     r"|wytrzymalosc (?:na )?rozciaganie", "tensile strength"),
    (r"streck ?grenze|dehn ?grenze|vloei ?grens|rek ?grens|limite (?:d )?elasticite"
     r"|limite elastico|(?:carico (?:unitario )?di )?snervamento|granica plastycznosci",
     "yield strength"),
    (r"(?:bruch ?)?dehnung|(?:breuk ?)?rek|allongement(?: (?:a la |apres )?rupture)?"
     r"|alargamiento|allungamento(?: a rottura)?|wydluzenie", "elongation"),
    (r"(?:bruch ?)?einschnuerung|insnoering|striction|estriccion|strizione|przewezenie",
     "reduction of area"),
    (r"haerte|hardheid|durete|dureza|durezza|twardosc", "hardness"),
    (r"setz ?mass|zet ?maat|affaissement|asentamiento|abatimiento|cono de abrams"
     r"|abbassamento(?: al cono)?|opad stozka", "slump"),
    (r"ausbreit ?mass|schud ?maat|uitvloei ?maat|etalement|escurrimiento|spandimento|rozplyw",
     "flow"),
    (r"luft ?gehalt|lucht ?gehalte|teneur en air|contenido de aire|contenuto d aria"
     r"|zawartosc powietrza", "air content"),
)

# Mechanical-test abbreviations: (pattern on the folded name without blanks, English name,
# units allowed). "stress": a stress unit; "stress or none": a stress unit or none; "percent":
# % only. Re without a stress unit is rhenium, TS a timestamp and RM a raw meal; a bare A is
# elongation only as a %.
_ABBREVIATIONS: tuple[tuple[str, str, str], ...] = (
    (r"ys|ys02|rp02", "yield strength", "stress or none"),
    (r"re|reh|rel|rp|rp0|rt05", "yield strength", "stress"),
    (r"uts", "tensile strength", "stress or none"),
    (r"rm|ts", "tensile strength", "stress"),
    (r"el|elong|a|a(?:5|50|80|100|200|565|50mm|2in)", "elongation", "percent"),
    (r"ra|z", "reduction of area", "percent"),
)
_HARDNESS_SCALE = re.compile(
    r"\s*(hr\s?[abcdefghk]|hr\s?\d{2}\s?[ntwxy]|hbw?|hbs|h[vk]\s?\d*(?:[.,]\d+)?)\s*", re.I)


def _folded(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", ascii_fold(name)).split())


def _english(name: str) -> str:
    """The English name of a German, Dutch, French, Spanish, Italian or Polish header name
    ("Chargen-Nr." → "batch no", "Âge" → "test age"); names the English roles already
    recognise ("Age", "Batch") and other names unchanged."""
    if name.isascii() and role_of(name) is not None:
        return name
    folded = _folded(name)
    for pattern, english in _FOREIGN_NAMES:
        if re.fullmatch(pattern, folded):
            return english
    return name


def _is_stress(unit: str | None) -> bool:
    try:
        return unit is not None and parse_unit(unit).dimensionality == parse_unit(
            "MPa").dimensionality
    except UnitError:
        return False


def _abbreviation(name: str, unit: str | None) -> str | None:
    """The English property name of a mechanical-test abbreviation whose unit fits."""
    compact = _folded(name).replace(" ", "")
    for pattern, english, allowed in _ABBREVIATIONS:
        if not re.fullmatch(pattern, compact):
            continue
        fits = {"stress": _is_stress(unit), "stress or none": unit is None or _is_stress(unit),
                "percent": unit == "%"}[allowed]
        return english if fits else None
    return None


def _hardness(name: str, scale: str | None) -> str | None:
    """A hardness name with its scale, which is no unit: "Härte" with "(HRC)" → "hardness HRC",
    "HV10" → "hardness HV10"; None without a scale."""
    if scale is None:
        match = _HARDNESS_SCALE.fullmatch(name)
        if match is None:
            return None
        name, scale = "hardness", match.group(1)
    return f"{_english(name)} " + re.sub(r"\s", "", scale).upper().replace(",", ".")


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
    if _DAYS.fullmatch(candidate.rstrip(".")):
        return "d", candidate
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
    "(kg in a m^3 mixture)"), test ages ("(28-day)", also before the name: "28-Day …") and
    hardness scales ("(HRC)");
    otherwise a unit after a last comma ("Strength, psi"), a last "_" token ("Usage_kWh") or
    a "%" ending the name ("A%") is used.
    """
    text = " ".join(str(header).split())
    groups = [next(g for g in match.groups() if g is not None) for match in _GROUP.finditer(text)]
    name = " ".join(_GROUP.sub(" ", text).split()).strip(" ,;:-_")
    unit = unit_text = scale = None
    age: float | None = None
    for group in reversed(groups):
        age_match = _AGE.match(group.strip())
        if age_match and age is None:
            age = float(age_match.group(1))
            continue
        if scale is None and _HARDNESS_SCALE.fullmatch(group):
            scale = group
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
    prefix = _AGE_PREFIX.match(name) if age is None else None
    if prefix is not None and is_property(_english(prefix.group(2))):
        age, name = float(prefix.group(1)), prefix.group(2)
    if unit is None and name.endswith("%") and _abbreviation(name[:-1], "%"):
        name, unit, unit_text = name[:-1], "%", "%"  # "A%", "El%"
    english = _hardness(name, scale) or _abbreviation(name, unit) or _english(name)
    return HeaderInfo(name=english, unit=unit, unit_text=unit_text, test_age_days=age)


_PROPERTY_NOISE = re.compile(r"\b(concrete|the|measured|value|avg|mean)\b", re.I)


def property_code(name: str) -> str:
    """A stable ASCII property identifier: "Concrete compressive strength", "Druckfestigkeit"
    and "YS" → "compressive_strength", "yield_strength"; "Prüfwert" → "pruefwert"."""
    english = _hardness(name, None) or _abbreviation(name, None) or _english(name)
    folded = ascii_fold(english)
    code = re.sub(r"[^0-9a-z]+", "_", _PROPERTY_NOISE.sub(" ", folded)).strip("_")
    return code or re.sub(r"[^0-9a-z]+", "_", folded).strip("_") or "property"
