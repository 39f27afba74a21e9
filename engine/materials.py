"""Material kinds, name recognition and default densities for the materials catalogue."""

from __future__ import annotations

import math
import re
import unicodedata
from enum import StrEnum

import pandas as pd


class MaterialKind(StrEnum):
    """Role of a material in a recipe; drives derived features such as water/binder."""

    CEMENT = "cement"
    FLY_ASH = "fly_ash"
    SLAG = "slag"
    SILICA_FUME = "silica_fume"
    SCM = "scm"  # other supplementary cementitious material (calcined clay, limestone powder…)
    WATER = "water"
    ADMIXTURE = "admixture"
    FINE_AGGREGATE = "fine_aggregate"
    COARSE_AGGREGATE = "coarse_aggregate"
    FIBER = "fiber"
    ELEMENT = "element"  # alloying element, amount in wt %
    OTHER = "other"


SCM_KINDS = frozenset(
    {MaterialKind.FLY_ASH, MaterialKind.SLAG, MaterialKind.SILICA_FUME, MaterialKind.SCM}
)
BINDER_KINDS = SCM_KINDS | {MaterialKind.CEMENT}
ATOMIC_FRACTION_SUFFIX = "_at_frac"
"""Suffix of an alloy element's atomic-fraction feature ("Ni" → "Ni_at_frac")."""

# Typical particle densities in kg/m³ (EN 206 / ACI 211.1 tables); users edit them per site.
DEFAULT_DENSITY_KG_M3: dict[MaterialKind, float] = {
    MaterialKind.CEMENT: 3150.0,
    MaterialKind.FLY_ASH: 2300.0,
    MaterialKind.SLAG: 2900.0,
    MaterialKind.SILICA_FUME: 2200.0,
    MaterialKind.SCM: 2600.0,
    MaterialKind.WATER: 1000.0,
    MaterialKind.ADMIXTURE: 1070.0,
    MaterialKind.FINE_AGGREGATE: 2650.0,
    MaterialKind.COARSE_AGGREGATE: 2700.0,
    MaterialKind.FIBER: 7850.0,
}

ELEMENT_SYMBOLS = frozenset(
    [
        "H",
        "B",
        "C",
        "N",
        "O",
        "Al",
        "Si",
        "P",
        "S",
        "Ti",
        "V",
        "Cr",
        "Mn",
        "Fe",
        "Co",
        "Ni",
        "Cu",
        "Zn",
        "Zr",
        "Nb",
        "Mo",
        "Sn",
        "W",
        "Mg",
        "Ca",
        "Ce",
        "La",
        "Pb",
        "Bi",
        "Se",
        "Te",
        "Ta",
        "Hf",
        "Re",
        "Sb",
        "Ag",
        "Li",
        "Be",
        "Ga",
    ]
)

_SPECIAL_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d"}
_GERMAN_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", **_SPECIAL_LETTERS})
_PLAIN_LETTERS = str.maketrans(_SPECIAL_LETTERS)


def ascii_fold(text: str, *, german: bool = True) -> str:
    """Lower-case ASCII spelling of ``text``: ä ö ü ß → ae oe ue ss (with ``german``, else
    a o u ss), other accents dropped (é → e, ç → c); letters without an ASCII form vanish."""
    lowered = text.lower().translate(_GERMAN_UMLAUTS if german else _PLAIN_LETTERS)
    return unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")


# (kind, patterns): the first kind with a matching pattern wins. Patterns are matched against
# a name folded to ASCII, lower case, with every run of other characters as one blank (see
# ``_name_forms``), in the usual plant languages: English, German, Dutch, French, Spanish,
# Italian, Polish (and Portuguese where the word is the same).
_Patterns = tuple[tuple[MaterialKind, tuple[str, ...]], ...]

# Compound names whose inner words would point elsewhere: a cement named after its
# constituents is a cement (CEM II/B-S, Portlandflugaschezement, Hochofenzement,
# hoogovencement, ciment au laitier); a water reducer is an admixture.
_COMPOUND_PATTERNS: _Patterns = (
    (MaterialKind.CEMENT, (
        r"\bcem\s*(i{1,3}|iv|v)\b", r"[a-z](zement|cement)\b", r"^(ciment|cement[oi]|cimento)s?\b",
    )),
    (MaterialKind.ADMIXTURE, (
        r"water\s*reduc", "wasserreduz", r"reducteur\s+d\s*eau", r"reductor\s+de\s+agua",
        r"riduttore\s+d\s*acqua",
    )),
)
# Words of each kind. Binder words come before the aggregates so that they win inside compound
# words: Hüttensand is slag and Flugasche fly ash, while Quarzsand stays fine aggregate.
_WORD_PATTERNS: _Patterns = (
    (MaterialKind.FLY_ASH, (
        r"fly\s*ash", r"pfa\b", "flugasche", "vliegas", r"cendres?\s+volantes?",
        r"cenizas?\s+volantes?", r"cener[ei]\s+volant[ei]", r"popio\w*\s+lotn",
    )),
    (MaterialKind.SLAG, (
        r"(?<!toe)(?<!steen)slag",  # not Dutch toeslag (aggregate) or steenslag (crushed stone)
        "ggbs", "ggbfs", r"\bbfs\b", r"h(ue?)?\s?ttensand",  # also the old code h_ttensand
        "schlacke", "slak(?!e)", "laitier",
        "escoria", r"\bscorie\b", "loppa", r"\bzuz(e)?l",  # Polish żużel, żużla
    )),
    (MaterialKind.SILICA_FUME, (
        r"silica\s*fume", r"(micro|mikro)\s*sili[ck][ae]", r"sili[ck]a\s*staub", "kieselrauch",
        r"(fumee|humo|fumo)\s+d[ei]\s+silice", r"pyl\s+krzemionk", "mikrokrzemionk",
    )),
    (MaterialKind.SCM, (
        "meta[kc]a?olin", r"calcined\s*clay", r"limestone\s*(powder|filler)", r"\bscm\b",
        "p[ou]{1,2}zz?olan", r"kalkste(in|en)\s*(mehl|meel|fuel?ler|poeder)",
        r"ge?steins?\s*mehl", r"quarz\s*mehl", r"\btrass", r"[kc]al[cz]inierte[rn]?\s+ton",
        r"argile\s+calcinee", r"gecalcineerde\s+klei", r"filler\s+cal", r"maczk\w*\s+wapien",
    )),
    (MaterialKind.CEMENT, ("cement", r"\bopc\b", r"\bcem\b", "portland", "zement", "ciment")),
    (MaterialKind.WATER, (
        "water", "wasser", r"\beaux?\b", r"\bagua\b", r"\bacqua\b", r"\bwod[ay]\b",
    )),
    (MaterialKind.ADMIXTURE, (
        "plasticizer", "plasticiser", r"\bhrwr\b", "admix", "retard", "ritard",
        "accelerat(or|eur)", "acc?elerant", r"air\s*entrain", r"\baea\b", r"\bpce\b",
        "plastifi", "plastific", "fluidific", "adjuvant", "aditivo", "additivo", "hulpstof",
        "zusatzmittel", "fliess?mittel", "verflue?ssiger", "verzoe?gerer", "beschleuniger",
        "luftporen", r"\blp\s*mittel", "stabilisierer", "dichtungsmittel", "vertrager",
        "versneller", "luchtbel", r"entraineur\s+d\s*air", r"incorporador\s+de\s+aire",
        r"\baerante", "plastyf", "domieszk",
    )),
    (MaterialKind.COARSE_AGGREGATE, (
        "coarse", "gravel", r"crushed\s*stone", "steenslag", "kies(?!el)", "splitt", "schotter",
        r"\bgrobe?[nrs]?\b", r"\bgro(f|ve)\b", "grind(?!ing)", "gravier", "gravill?on",
        "gravilla", r"\bgrava\b", r"grues[oa]s?\b", "ghiaia", "pietrisc", r"\bgros\s+granulat",
        r"granulats?\s+gros\b", r"aggregat[oi]\s+gross[oi]", r"inert[ei]\s+gross[oi]",
        r"kruszyw\w*\s+grub", r"\bzwir", r"\bgrys\b",
        r"\b\d{1,3}\s+stone\b",  # ASTM C33 size numbers: #57, #67, #8 Stone
    )),
    (MaterialKind.FINE_AGGREGATE, (
        "fine", "sand", "zand", r"\bsables?\b", r"\barenas?\b", "sabbia", r"\bfeine?[nrs]?\b",
        r"\bfijne?\b", r"granulats?\s+fins?\b", r"(arido|agregado)s?\s+finos?\b",
        r"inert[ei]\s+fin[ei]\b", "piase?k", r"kruszyw\w*\s+drobn",
    )),
    (MaterialKind.FIBER, ("fib(er|re|ra)", "faser", "vezel", "wlokn")),
)
# Abbreviations count only when no word of a kind is in the name: "Sand ca. 0/2" is sand, not
# coarse aggregate, and "Cement fa. X" cement, not fly ash.
_ABBREVIATION_PATTERNS: _Patterns = (
    (MaterialKind.FLY_ASH, (r"\bs?fa\b",)),  # FA, SFA (Steinkohlenflugasche)
    (MaterialKind.SLAG, (r"\bhue?s\b",)),  # HÜS (Hüttensand)
    (MaterialKind.SILICA_FUME, (r"\bsf\b",)),
    (MaterialKind.ADMIXTURE, (r"\b(sp|fm|bv|lp|vz)\b",)),  # FM Fließmittel, BV Verflüssiger…
    (MaterialKind.COARSE_AGGREGATE, (r"\bca\b",)),
)
_NAME_PATTERNS: tuple[tuple[re.Pattern[str], MaterialKind], ...] = tuple(
    (re.compile("|".join(patterns)), kind)
    for kind, patterns in _COMPOUND_PATTERNS + _WORD_PATTERNS + _ABBREVIATION_PATTERNS
)
# A generic aggregate named by its sizes d/D (EN 12620), such as "Gesteinskörnung 2/8".
_SIZED_AGGREGATE = re.compile(
    r"(aggregate|gesteinsk|toeslag|granulat|arido|aggregat|inert[ei]|kruszyw)\D*\b(\d+)\s+(\d+)\b")
_LARGEST_FINE_SIZE_MM = 4  # D ≤ 4 mm: fine aggregate (sand)


def material_code(name: str) -> str:
    """A stable identifier for a material name: ASCII lower case, words joined by underscores
    ("Hüttensand" → "huettensand", "Fließmittel" → "fliessmittel", "Béton" → "beton").

    Element symbols keep their case ("Ni", "Mo") so they stay recognisable.
    """
    stripped = name.strip()
    if stripped.capitalize() in ELEMENT_SYMBOLS and len(stripped) <= 2:
        return stripped.capitalize()
    code = re.sub(r"[^0-9a-z]+", "_", ascii_fold(stripped)).strip("_")
    return code or "unnamed"


def _name_forms(name: str) -> tuple[str, ...]:
    """The name folded to ASCII twice (ü → ue and ü → u), non-alphanumerics as blanks."""
    forms = (ascii_fold(name), ascii_fold(name, german=False))
    return tuple(dict.fromkeys(" ".join(re.sub(r"[^0-9a-z]+", " ", f).split()) for f in forms))


def _sized_aggregate_kind(simple: str) -> MaterialKind | None:
    """Fine or coarse aggregate from a generic name with sizes ("Gesteinskörnung 2/8")."""
    match = _SIZED_AGGREGATE.search(simple)
    if match is None:
        return None
    fine = int(match.group(3)) <= _LARGEST_FINE_SIZE_MM
    return MaterialKind.FINE_AGGREGATE if fine else MaterialKind.COARSE_AGGREGATE


def guess_kind(name: str) -> MaterialKind:
    """Guess a material's kind from its name or code, in the usual European plant languages
    ("Fly Ash" → fly_ash, "Hüttensand" → slag, "zand" → fine_aggregate, "Ni" → element)."""
    stripped = name.strip()
    if len(stripped) <= 2 and stripped.capitalize() in ELEMENT_SYMBOLS:
        return MaterialKind.ELEMENT
    forms = _name_forms(stripped)
    for pattern, kind in _NAME_PATTERNS:
        if any(pattern.search(form) for form in forms):
            return kind
    sized = _sized_aggregate_kind(forms[0])
    return MaterialKind.OTHER if sized is None else sized


# Kind values of a catalogue's kind column that name no material ("filler" is an addition such
# as limestone powder, an scm here; "other" in the plant languages).
_KIND_WORDS: dict[str, MaterialKind] = {
    **dict.fromkeys(("filler", "addition", "aggiunta", "zusatzstoff", "adicion", "dodatek",
                     "ajout", "vulstof"), MaterialKind.SCM),
    **dict.fromkeys(("other", "altro", "otro", "sonstige", "sonstiges", "overig", "autre",
                     "inny", "inne"), MaterialKind.OTHER),
    **dict.fromkeys(("element", "alloying element", "elemento", "pierwiastek"),
                    MaterialKind.ELEMENT),
}


# Kind values that are a kind of binder addition though they contain a word of another kind
# ("Supplementary cementitious material" is no cement, "Mineral admixture" no admixture).
_SCM_VALUE = re.compile(
    r"\bscms?\b|supplementary\s+cementi|mineral\s+(admixture|addition)|po?u?zz?olan|puzolan"
    r"|zusatzstoff|aggiunt[ae]\s+minerale|adicion\s+mineral|ajout\s+mineral")
# Kind values that say no kind: the material's name decides ("Cementitious" fly ash).
_GENERIC_KIND_WORDS = frozenset((
    "cementitious", "cementitious material", "cementitious materials", "binder", "binders",
    "material", "materials", "raw material", "raw materials", "product", "ingredient",
    "component", "powder", "bindemittel", "rohstoff", "material cementante", "aglomerante",
    "legante", "leganti", "liant", "bindmiddel", "spoiwo", "materiale", "materiau", "materiaal",
))


def kind_from_value(value: str, name: str | None = None) -> MaterialKind | None:
    """A material kind written in a catalogue's kind column: its code ("fly_ash"), a word of
    the plant languages ("cenere volante", "loppa", "Zusatzmittel", "kruszywo grube",
    "filler", "Supplementary cementitious material", "Mineral admixture" → scm, or the
    ``name``'s fly ash, slag or silica fume; "altro" → other). A generic value
    ("Cementitious", "Binder", "Material") says no kind: the kind guessed from the ``name``
    counts. None when neither names a kind (also for a bare "aggregate", which does not say
    coarse or fine)."""
    code = material_code(value)
    if code in {kind.value for kind in MaterialKind}:
        return MaterialKind(code)
    word = code.replace("_", " ")
    kind = _KIND_WORDS.get(word)
    if kind is None and any(_SCM_VALUE.search(form) for form in _name_forms(value)):
        kind = MaterialKind.SCM
    if kind is MaterialKind.SCM and name is not None:  # an scm named fly ash, slag…: theirs
        named = guess_kind(name)
        return named if named in SCM_KINDS else kind
    if kind is not None:
        return kind
    guessed = MaterialKind.OTHER
    if word not in _GENERIC_KIND_WORDS:
        guessed = guess_kind(value)
    elif name is not None:
        guessed = guess_kind(name)
    return None if guessed is MaterialKind.OTHER else guessed


def _default_density(kind: object) -> float:
    """The typical density of a kind; NaN for kinds without one (other, element, unknown)."""
    try:
        return DEFAULT_DENSITY_KG_M3.get(MaterialKind(str(kind)), math.nan)
    except ValueError:
        return math.nan


def merge_catalogue(existing: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """The catalogue rows an import stores: incoming rows, where a blank cell (or a column the
    file does not have) keeps what the catalogue already holds, so a price list does not wipe
    densities or kinds set before. A price or CO₂ factor kept while the file gives another
    ``unit`` (what they are per) is converted to it (dropped when it does not convert); a row
    still without a unit is per kg. A material still without a kind gets one guessed from its
    name, without a density the typical one of its kind; ``source`` names both files when
    figures of the earlier one are kept."""
    merged = incoming.reset_index(drop=True).copy()
    codes = merged["material"].astype(str)
    kept = pd.Series(False, index=merged.index)
    if len(existing):
        old = existing.drop_duplicates("material")
        old = old.set_index(old["material"].astype(str)).reindex(codes)
        factor = _per_unit_factors(merged["unit"], pd.Series(old["unit"].to_numpy()))
        for column in merged.columns:
            if column in ("material", "source") or column not in old.columns:
                continue
            previous = pd.Series(old[column].to_numpy(), index=merged.index)
            if column in ("price_per_unit", "co2_per_unit"):
                previous = pd.to_numeric(previous, errors="coerce") * factor
            fill = merged[column].isna() & previous.notna()
            merged[column] = merged[column].astype(object).where(~fill, previous)
            kept |= fill & (column != "kind")
        earlier = pd.Series(old["source"].to_numpy(), index=merged.index)
        both = kept & earlier.notna() & (earlier != merged["source"])
        merged.loc[both, "source"] = merged.loc[both, "source"] + "; " + earlier[both]
    merged["unit"] = merged["unit"].astype(object).where(merged["unit"].notna(), "kg")
    return _with_typical_kinds_and_densities(merged)


def _per_unit_factors(new: pd.Series, old: pd.Series) -> pd.Series:
    """Per row, what a figure per ``old`` unit is multiplied by to be per the ``new`` one: 1
    when the new unit is blank or the same, NaN when the two do not convert (kg/m³, the
    amount unit of a material a recipe added, is no unit a price is per)."""
    from engine.units import UnitError, conversion_factor

    factors = []
    for to_unit, from_unit in zip(new.to_numpy(), old.to_numpy(), strict=True):
        if pd.isna(to_unit) or pd.isna(from_unit) or str(to_unit) == str(from_unit):
            factors.append(1.0)
            continue
        try:  # a price per old unit × old units in one new unit
            factors.append(conversion_factor(str(to_unit), str(from_unit))[0])
        except UnitError:
            factors.append(math.nan)
    return pd.Series(factors, index=new.index, dtype=float)


def _with_typical_kinds_and_densities(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Blank kinds guessed from the names, blank densities the typical one of the kind (NaN
    for kinds without one, such as other); prices, CO₂ factors and densities as numbers."""
    guessed = catalogue["name"].map(lambda name: guess_kind(str(name)).value)
    kinds = catalogue["kind"].astype(object)
    catalogue["kind"] = kinds.where(kinds.notna(), guessed)
    density = pd.to_numeric(catalogue["density_kg_m3"], errors="coerce")
    catalogue["density_kg_m3"] = density.fillna(catalogue["kind"].map(_default_density))
    for column in ("price_per_unit", "co2_per_unit"):
        catalogue[column] = pd.to_numeric(catalogue[column], errors="coerce")
    return catalogue
