"""Recognising what a column is from its header: ids, times, tags, properties, settings."""

from __future__ import annotations

import re

from engine.materials import MaterialKind, guess_kind

# Field → pattern on the simplified header name (lower case, "_" and "-" as blanks).
ROLE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("recipe_id", r"recipe|recipe (id|no|nr|code|number)|mix|mix (id|no|nr|code|design)"
                  r"|formula (id|code)|recipe code"),
    ("version", r"version|rev|revision|recipe version|ver"),
    ("batch_id", r"batch|batch (id|no|nr|number|code)|ticket|ticket (id|no|nr)|load (id|no)"
                 r"|heat|heat (id|no|nr)|cast|cast (id|no)|lot|lot (id|no)"),
    ("batch_volume", r"(batch|load|mix|charge) (size|volume|vol|quantity|qty)|volume"),
    ("sample_id", r"sample|sample (id|no|nr|code)|specimen|specimen id|cube id|cylinder id"),
    ("plant", r"plant|site|plant (id|name|code)"),
    ("line", r"line|mixer|kiln|furnace|line (id|no)"),
    ("start_time", r"start|start (time|date|ts|timestamp)|begin|batched at|batch (time|date)"
                   r"|produced at|production (time|date)|mixing start"),
    ("end_time", r"end|end (time|date|ts|timestamp)|finish|finished at|stop (time|date)"),
    ("time", r"time|timestamp|date|datetime|date time|date and time|ts|time stamp|t stamp"),
    ("tag", r"tag|tag name|tagname|signal|variable|point|point name|channel|sensor"),
    ("value", r"value|val|reading|measurement|result|measured value|result value"),
    ("unit", r"unit|units|uom|eng units?|engineering units?"),
    ("property", r"property|test|test (type|name)|parameter|characteristic|analyte"),
    ("test_age", r"age|test age|(test )?age (in )?(days|d)|curing age|days|age at test"),
    ("replicate", r"replicate|rep|repeat|replicate (no|nr)|specimen (no|nr)|cube (no|nr)"),
    ("quality", r"quality|qual|q|quality code"),
    ("name", r"name|recipe name|description|mix name|product|product name"),
    ("family", r"family|class|strength class|grade|group|product family|steel grade"),
    ("ignore", r"no|nr|#|index|idx|row|id|column [a-z]+|unnamed.*|s ?no"),
)
# Catalogue headers in English and, where headers.py leaves them untranslated, in the plant
# languages (Italian, Spanish, Polish, German, Dutch, French): "Codice", "Tipo materiale",
# "Massa volumica", "Emisja CO2", "Preis €/t" (its currency and unit are read by the catalogue).
MATERIAL_PATTERNS: tuple[tuple[str, str], ...] = (
    ("material", r"material|material (name|code|id)|component|codice( materiale)?|materiale"
                 r"|c[oó]digo( (de )?material)?|kod( materia[lł]u)?|materia[lł]|materiaal"
                 r"|materialcode|materiaalcode|code mat[eé]riau|mat[eé]riau"),
    ("material_kind", r"kind|type|material (kind|type)|category|materialart|materiaalsoort"
                      r"|tipo( (di |de )?material[e]?)?|tipo materiale|rodzaj( materia[lł]u)?"
                      r"|typ( materia[lł]u)?|type de mat[eé]riau|famiglia|familia"),
    ("price_per_unit", r"(price|unit (price|cost)|cost|preis|prijs|prix|precio|prezzo|cena|coste"
                       r"|costo|co[uû]t|kosten|koszt)( .*)?"),
    ("currency", r"currency|ccy|cur|valuta|moneda|divisa|waluta|w[aä]hrung|devise|monnaie"),
    ("co2_per_unit", r"(.* )?(co2|co₂|co2e|co₂e|co2eq|co2 eq|gwp)( .*)?|carbon|embodied carbon"
                     r"|carbon factor"),
    ("density", r"density|particle density|specific density|massa volumica( reale)?"
                r"|densit[aà]( .*)?|densidad( .*)?|g[eę]sto[sś][cć]( .*)?|(roh|korn)?dichte"
                r"|masse volumique( .*)?|peso specifico|dichtheid|volumieke massa"),
    ("reference", r"source|sources|reference|references|citation|ref|data source|fonte"
                  r"|fuente|[zź]r[oó]d[lł]o|quelle|bron|r[eé]f[eé]rence"),
    ("unit", r"unit|units|uom|per|unit[aà]|unidad|jednostka|einheit|eenheid|unit[eé]"),
    ("name", r"name|description|descrizione|nome|descripci[oó]n|nombre|nazwa|opis"
             r"|bezeichnung|beschreibung|naam|omschrijving|d[eé]signation|libell[eé]|nom"),
)
PROPERTY_WORDS = re.compile(
    r"strength|slump|flow|spread|elongation|hardness|modulus|toughness|shrinkage|"
    r"permeability|resistivity|setting time|air content|workability|yield|tensile|fatigue|"
    r"creep|impact|reduction of area|ductility|conductivity|porosity|absorption|chloride|"
    r"carbonation|bleeding|\buts\b|\bys\b|\bfc\b|fresh density|hardened density"
)
SETTING_WORDS = re.compile(
    r"temp|time|duration|rate|speed|pressure|cool|quench|anneal|temper|harden|normali|"
    r"ageing|aging|route|curing|cure|rpm|power|energy|reduction|thickness|holding|soak"
)


def simplify(name: str) -> str:
    """Lower case, "_" "-" "." as blanks, single spaces."""
    return " ".join(re.sub(r"[_\-.:/]+", " ", name.lower()).split())


def role_of(name: str, patterns: tuple[tuple[str, str], ...] = ROLE_PATTERNS) -> str | None:
    """The field whose pattern matches the whole simplified name, or None."""
    simple = simplify(name)
    for field, pattern in patterns:
        if re.fullmatch(pattern, simple):
            return field
    return None


def is_component(name: str) -> bool:
    """A recognised material: a concrete constituent or an element symbol."""
    return guess_kind(name) is not MaterialKind.OTHER


def is_property(name: str) -> bool:
    """A measured property ("Compressive strength", "SLUMP", "elongation")."""
    return bool(PROPERTY_WORDS.search(simplify(name)))


def is_setting(name: str) -> bool:
    """A process setting ("Tempering temperature", "Cooling rate", "Curing")."""
    return bool(SETTING_WORDS.search(simplify(name)))
