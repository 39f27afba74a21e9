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
MATERIAL_PATTERNS: tuple[tuple[str, str], ...] = (
    ("material", r"material|material (name|code|id)|component"),
    ("material_kind", r"kind|type|material (kind|type)|category"),
    ("price_per_unit", r"price|cost|unit (price|cost)|price per unit|cost per unit"),
    ("currency", r"currency|ccy|cur"),
    ("co2_per_unit", r"co2|co₂|gwp|carbon|co2 factor|co2 per unit|embodied carbon"),
    ("density", r"density|particle density|specific density"),
    ("reference", r"source|sources|reference|references|citation|ref|data source"),
    ("unit", r"unit|units|uom|per"),
    ("name", r"name|description"),
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
