"""Material kinds, name recognition and default densities for the materials catalogue."""

from __future__ import annotations

import re
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

# (pattern, kind), first match wins; matched against a lower-cased, simplified name.
_NAME_PATTERNS: tuple[tuple[str, MaterialKind], ...] = (
    (r"fly\s*ash|pfa\b|\bfa\b", MaterialKind.FLY_ASH),
    (r"slag|ggbs|ggbfs|\bbfs\b", MaterialKind.SLAG),
    (r"silica\s*fume|micro\s*silica|\bsf\b", MaterialKind.SILICA_FUME),
    (r"metakaolin|calcined\s*clay|limestone\s*(powder|filler)|pozzolan|\bscm\b", MaterialKind.SCM),
    (r"cement|\bopc\b|\bcem\b|portland", MaterialKind.CEMENT),
    (r"water", MaterialKind.WATER),
    (
        r"plasticizer|plasticiser|\bsp\b|\bhrwr\b|admix|retarder|accelerator|air\s*entrain|\baea\b",
        MaterialKind.ADMIXTURE,
    ),
    (r"coarse|gravel|crushed\s*stone|\bca\b", MaterialKind.COARSE_AGGREGATE),
    (r"fine|sand|\bfa_?sand\b", MaterialKind.FINE_AGGREGATE),
    (r"fib(er|re)", MaterialKind.FIBER),
)


def material_code(name: str) -> str:
    """A stable identifier for a material name: lower case, words joined by underscores.

    Element symbols keep their case ("Ni", "Mo") so they stay recognisable.
    """
    stripped = name.strip()
    if stripped.capitalize() in ELEMENT_SYMBOLS and len(stripped) <= 2:
        return stripped.capitalize()
    code = re.sub(r"[^0-9a-zA-Z]+", "_", stripped.lower()).strip("_")
    return code or "unnamed"


def guess_kind(name: str) -> MaterialKind:
    """Guess a material's kind from its name ("Fly Ash" → fly_ash, "Ni" → element)."""
    stripped = name.strip()
    if len(stripped) <= 2 and stripped.capitalize() in ELEMENT_SYMBOLS:
        return MaterialKind.ELEMENT
    simple = re.sub(r"[_\-.]+", " ", stripped.lower())
    for pattern, kind in _NAME_PATTERNS:
        if re.search(pattern, simple):
            return kind
    return MaterialKind.OTHER


def merge_catalogue(existing: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """The catalogue rows an import stores: incoming rows, where a blank cell (or a column the
    file does not have) keeps what the catalogue already holds, so a price list does not wipe
    densities or kinds set before. A material still without a kind gets one guessed from its
    name, without a density the typical one of its kind; ``source`` names both files when
    figures of the earlier one are kept."""
    merged = incoming.reset_index(drop=True).copy()
    codes = merged["material"].astype(str)
    kept = pd.Series(False, index=merged.index)
    if len(existing):
        old = existing.drop_duplicates("material")
        old = old.set_index(old["material"].astype(str)).reindex(codes)
        for column in merged.columns:
            if column in ("material", "source") or column not in old.columns:
                continue
            previous = pd.Series(old[column].to_numpy(), index=merged.index)
            fill = merged[column].isna() & previous.notna()
            merged[column] = merged[column].astype(object).where(~fill, previous)
            kept |= fill & (column != "kind")
        earlier = pd.Series(old["source"].to_numpy(), index=merged.index)
        both = kept & earlier.notna() & (earlier != merged["source"])
        merged.loc[both, "source"] = merged.loc[both, "source"] + "; " + earlier[both]
    unknown = merged["kind"].isna()
    merged.loc[unknown, "kind"] = [guess_kind(str(name)).value
                                   for name in merged.loc[unknown, "name"]]
    no_density = merged["density_kg_m3"].isna()
    merged.loc[no_density, "density_kg_m3"] = [
        DEFAULT_DENSITY_KG_M3.get(MaterialKind(kind)) for kind in merged.loc[no_density, "kind"]]
    for column in ("price_per_unit", "co2_per_unit", "density_kg_m3"):
        merged[column] = pd.to_numeric(merged[column], errors="coerce")
    return merged
