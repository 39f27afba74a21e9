"""The study spec: what to vary, what must hold and what to optimise, loaded from TOML.

A study file has these tables (see ``engine/optimisation/examples/*.toml``)::

    name, description
    [[variables]]    name, type = continuous|integer|categorical|fixed, lower, upper,
                     choices, value, unit, material, resolution (amounts closer than this
                     are one recipe in the results)
    [[mixture]]      components sum to total: basis = "mass" (Σx = total, e.g. 100 wt %,
                     optional balance element) or "volume" (Σ x/density + air = total m³;
                     specific_gravities or densities)
    [[linear]]       Σ coefficients·x  min ≤ … ≤ max, or = equal
    [[ratio]]        Σ numerator / Σ denominator within [min, max] (weights allowed; either
                     may name a material content such as CaO instead of a variable)
    [[count]]        at most max_nonzero of components are non-zero; amounts below
                     min_amount are snapped to zero
    [[objectives]]   target + statistic + sense, or kind = cost | co2 | uncertainty
    [[constraints]]  bounds on model outputs, cost, CO₂ or interval width; optional unit
    [[relation]]     an order between two model outputs: the predicted mean of ``lower`` at
                     most ``max_ratio`` (default 1) × that of ``upper`` (yield ≤ tensile
                     strength); both in the same unit
    [domain]         mode = inside | edge | explore
    [algorithm]      population, generations, seed, seed_recipes
    [baseline]       name + values of the current production recipe
    [[seeds]]        further known recipes to start from
    [materials.X]    price and co2 per unit of material variable X; [materials.X.content]
                     what a unit of it contains (oxides, alkalis …), usable in ratios/limits

Units: a study may be written in any units pint converts (lb/yd³, psi, °F …). A variable's
``unit`` says what its bounds, values, coefficients, totals and ``[materials.X]`` factors are in
(prices and kg CO₂e per lb for lb/yd³ amounts; volume-mixture densities in the amounts' unit,
while specific gravities need no conversion).
A constraint's ``unit`` says what its limits are in: the model output's unit ("psi"), or for
cost and CO₂ e.g. "USD/yd³" and "lb CO₂e/yd³" (without one: the study's currency, or
kg CO₂e, per the basis of the amounts).
A project run converts the study to the model's stored units first
(:func:`engine.optimisation.study_units.study_in_units`).

Pydantic checks types and unknown keys; :meth:`StudySpec.check` checks meaning (references,
bounds, reachability of totals) and every error names its TOML key path.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    field_validator,
)

from engine import toml_writer
from engine.errors import FormixError

VariableType = Literal["continuous", "integer", "categorical", "fixed"]
Statistic = Literal["mean", "lower", "upper"]
ObjectiveKind = Literal["target", "cost", "co2", "uncertainty"]


class StudySpecError(FormixError):
    """A study spec is invalid. ``issues`` holds ``(key_path, reason)`` pairs, all of them."""

    def __init__(self, issues: list[tuple[str, str]], source: str | None = None) -> None:
        self.issues = tuple(issues)
        self.source = source
        where = f"{source}: " if source else ""
        head = "\n".join(f"  {path}: {reason}" for path, reason in self.issues[:30])
        more = f"\n  … and {len(self.issues) - 30} more" if len(self.issues) > 30 else ""
        noun = "problem" if len(self.issues) == 1 else "problems"
        super().__init__(f"{where}invalid study spec ({len(self.issues)} {noun}):\n{head}{more}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Variable(_Model):
    """One study variable: a recipe amount, a process setting or a route."""

    name: str
    type: VariableType = "continuous"
    lower: float | None = None
    upper: float | None = None
    choices: list[str] | None = None
    value: float | str | None = None
    unit: str = ""
    material: bool = False
    description: str = ""
    resolution: float | None = None
    """Amounts closer than this are the same recipe to the plant (e.g. the scale's 1 kg); the
    results keep one recipe per cell of this size. Default: 1/1000 of the bounds' range."""


def _weights(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return {str(name): 1.0 for name in value}
    return value


def _plain_weights(weights: dict[str, float]) -> list[str] | dict[str, float]:
    if all(w == 1.0 for w in weights.values()):
        return list(weights)
    return weights


class Mixture(_Model):
    """Components that sum to a total, by mass (or plain amount) or by absolute volume.

    Mass basis: Σ x = total (100 wt %, or a fixed batch mass). Volume basis: amounts are
    kg per m³ and Σ x / density + air = total (1 m³); each component has a specific gravity
    (relative to water: cement 3.15, the same in any units) or a density in the amounts' unit
    (3150 for kg/m³ amounts, 5309.5 for lb/yd³). A ``balance`` component is not a decision
    variable: it is total minus the others and must stay within its own bounds.
    """

    name: str | None = None
    components: list[str]
    total: float | None = None
    basis: Literal["mass", "volume"] = "mass"
    balance: str | None = None
    densities: dict[str, float] | None = None
    specific_gravities: dict[str, float] | None = None
    air: float = 0.0


class Linear(_Model):
    """Σ coefficients·x within [min, max], or equal to ``equal``."""

    name: str | None = None
    coefficients: dict[str, float]
    min: float | None = None
    max: float | None = None
    equal: float | None = None


class Ratio(_Model):
    """Σ numerator / Σ denominator within [min, max]; rewritten linearly internally.

    ``numerator`` and ``denominator`` are lists of variable names, or tables of weights (for
    k-values, e.g. ``denominator = {cement = 1.0, fly_ash = 0.4}``).
    """

    name: str | None = None
    numerator: dict[str, float]
    denominator: dict[str, float]
    min: float | None = None
    max: float | None = None

    _to_dict = field_validator("numerator", "denominator", mode="before")(
        lambda value: _weights(value)
    )

    @field_serializer("numerator", "denominator")
    def _plain(self, weights: dict[str, float]) -> list[str] | dict[str, float]:
        return _plain_weights(weights)


class Count(_Model):
    """At most ``max_nonzero`` of ``components`` are non-zero, each then ≥ ``min_amount``."""

    name: str | None = None
    components: list[str]
    max_nonzero: int
    min_amount: float = 0.0


class Objective(_Model):
    """One objective: a model output statistic, cost, CO₂ or interval width.

    ``statistic = "lower"`` is the lower interval bound at the predictor's coverage (or at
    ``coverage``); ``quantile = 0.05`` is the same as lower at coverage 0.9 (``statistic`` may
    then be left out).
    """

    name: str | None = None
    kind: ObjectiveKind = "target"
    target: str | None = None
    statistic: Statistic = "mean"
    coverage: float | None = None
    quantile: float | None = None
    sense: Literal["maximize", "minimize"] | None = None


class OutputConstraint(_Model):
    """Bounds on a model output statistic, cost, CO₂ or interval width.

    ``unit``: what ``min`` and ``max`` are in: for a target (or its interval width) a unit of
    that output ("psi" for a strength stored in MPa); for cost "<currency>/<basis>" (e.g.
    "USD/yd³", the study's currency); for CO₂ a mass of CO₂e per basis ("lb CO₂e/yd³"). Empty:
    the output's stored unit, or per the basis of the study's amounts.
    """

    name: str | None = None
    kind: ObjectiveKind = "target"
    target: str | None = None
    statistic: Statistic = "mean"
    coverage: float | None = None
    quantile: float | None = None
    min: float | None = None
    max: float | None = None
    unit: str = ""


class Relation(_Model):
    """An order between two model outputs: ``lower``'s predicted mean ≤ ``max_ratio`` ×
    ``upper``'s (yield at most tensile strength, 7-day at most 28-day strength).

    Independent property models do not know such physics; without it the optimiser can
    propose recipes whose predicted yield strength exceeds their tensile strength.
    """

    name: str | None = None
    lower: str
    upper: str
    max_ratio: float = 1.0


class Domain(_Model):
    """Applicability domain: ``inside`` (score ≤ 1), ``edge`` (≤ 2, default) or ``explore``."""

    mode: Literal["inside", "edge", "explore"] = "edge"
    explore: bool = False

    @property
    def effective_mode(self) -> str:
        """The mode after applying ``explore = true``."""
        return "explore" if self.explore else self.mode


class Algorithm(_Model):
    """NSGA-II settings. ``seed_recipes``: names of the baseline/seeds, or one CSV path."""

    population: int = 100
    generations: int = 200
    seed: int | None = None
    seed_recipes: list[str] | None = None

    _to_list = field_validator("seed_recipes", mode="before")(
        lambda value: [value] if isinstance(value, str) else value
    )


class Recipe(_Model):
    """A named known recipe: values per variable (categoricals by choice name)."""

    name: str = "baseline"
    values: dict[str, float | str] = Field(default_factory=dict)


class MaterialFactors(_Model):
    """Price and CO₂ per unit of a material variable's amount (e.g. €/kg and kg CO₂e/kg for
    kg/m³ amounts, $/lb and kg CO₂e/lb for lb/yd³), and what the material contains.

    ``content``: per unit of amount, e.g. an XRF analysis in wt % (``CaO = 52.0``), alkalis or
    chloride. A content name may stand in a ratio or linear limit wherever a variable may: it
    means Σ content × amount over every material that declares it (each must).
    """

    price: float | None = None
    co2: float | None = None
    content: dict[str, float] = Field(default_factory=dict)


class StudySpec(_Model):
    """A whole optimisation study. Build with :meth:`from_toml` or :meth:`from_dict`."""

    name: str = "study"
    description: str = ""
    currency: str = "EUR"
    variables: list[Variable]
    mixture: list[Mixture] = Field(default_factory=list)
    linear: list[Linear] = Field(default_factory=list)
    ratio: list[Ratio] = Field(default_factory=list)
    count: list[Count] = Field(default_factory=list)
    objectives: list[Objective]
    constraints: list[OutputConstraint] = Field(default_factory=list)
    relation: list[Relation] = Field(default_factory=list)
    domain: Domain = Field(default_factory=Domain)
    algorithm: Algorithm = Field(default_factory=Algorithm)
    baseline: Recipe | None = None
    seeds: list[Recipe] = Field(default_factory=list)
    materials: dict[str, MaterialFactors] = Field(default_factory=dict)

    _source_dir: Path | None = PrivateAttr(default=None)

    # ----------------------------------------------------------------------------- loading

    @classmethod
    def from_toml(cls, path: str | Path) -> StudySpec:
        """Read and check a study file.

        Raises:
            StudySpecError: unreadable TOML, wrong types, unknown keys or inconsistent content.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise StudySpecError([("(file)", f"cannot read: {error}")], str(path)) from error
        except tomllib.TOMLDecodeError as error:
            raise StudySpecError([("(file)", f"invalid TOML: {error}")], str(path)) from error
        return cls.from_dict(data, source=path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | Path | None = None) -> StudySpec:
        """Build and check a study from parsed TOML (or an equivalent dict).

        Raises:
            StudySpecError: wrong types, unknown keys or inconsistent content.
        """
        where = str(source) if source is not None else None
        try:
            spec = cls.model_validate(dict(data))
        except ValidationError as error:
            raise StudySpecError(_pydantic_issues(error, data), where) from None
        if source is not None:
            spec._source_dir = Path(source).resolve().parent
        issues = spec.issues()
        if issues:
            raise StudySpecError(issues, where)
        return spec

    def to_toml(self) -> str:
        """The spec as TOML text; ``from_toml`` reads it back to an equal spec."""
        data = self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        return toml_writer.dumps(data)

    @property
    def source_dir(self) -> Path | None:
        """Directory of the TOML file the spec came from (relative CSV paths start there)."""
        return self._source_dir

    # ----------------------------------------------------------------------------- checks

    @property
    def content_names(self) -> set[str]:
        """Every content the materials declare (``CaO``, ``Na2O_eq`` …)."""
        return {name for factors in self.materials.values() for name in factors.content}

    def variable_weights(self, weights: Mapping[str, float]) -> dict[str, float]:
        """A ratio side or linear sum over variables only: each content name becomes its
        content in every material that declares it, times its weight."""
        out: dict[str, float] = {}
        for name, weight in weights.items():
            if any(v.name == name for v in self.variables):
                out[name] = out.get(name, 0.0) + weight
                continue
            for material, factors in self.materials.items():
                if name in factors.content:
                    out[material] = out.get(material, 0.0) + weight * factors.content[name]
        return out

    def weighted_sum(self, weights: Mapping[str, float], amounts: Mapping[str, Any]) -> Any:
        """Σ weight × amount of a ratio side or linear sum (contents resolved); ``amounts`` by
        variable name, numbers or arrays (a result row, or columns of many recipes)."""
        return sum(weight * amounts[name]
                   for name, weight in self.variable_weights(weights).items())

    @property
    def uses_models(self) -> bool:
        """Whether an objective, constraint or relation reads a model output (else cost/CO₂
        only)."""
        return bool(self.relation) or any(item.kind in ("target", "uncertainty")
                                          for item in [*self.objectives, *self.constraints])

    def check(self) -> None:
        """Raise :class:`StudySpecError` if :meth:`issues` finds anything."""
        issues = self.issues()
        if issues:
            raise StudySpecError(issues)

    def issues(self) -> list[tuple[str, str]]:
        """All semantic problems as ``(key_path, reason)``; empty when the spec is usable."""
        from engine.optimisation._spec_checks import study_issues

        return study_issues(self)

    # ----------------------------------------------------------------------------- helpers

    def variable(self, name: str) -> Variable:
        """The variable called ``name``.

        Raises:
            KeyError: no such variable.
        """
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)

    @property
    def balance_names(self) -> tuple[str, ...]:
        """Variables computed as the balance of a mixture (not decision variables)."""
        return tuple(m.balance for m in self.mixture if m.balance)

    def mixture_components(self, mixture: Mixture) -> list[str]:
        """The components of ``mixture``, its balance included."""
        names = list(mixture.components)
        if mixture.balance and mixture.balance not in names:
            names.append(mixture.balance)
        return names

    def mixture_weight(self, mixture: Mixture, name: str) -> float:
        """Coefficient of ``name`` in the mixture equality: 1 on a mass basis, 1/density on a
        volume basis (a specific gravity times water's density in the amount's unit).

        Raises:
            KeyError: the component has neither (:meth:`check` reports it).
        """
        if mixture.basis != "volume":
            return 1.0
        density = (mixture.densities or {}).get(name)
        if density is None:
            gravity = (mixture.specific_gravities or {})[name]
            density = gravity * water_density(self.variable(name).unit)
        return 1.0 / density

    def mixture_total(self, mixture: Mixture) -> float:
        """The mixture total (1.0 m³ by default on a volume basis)."""
        if mixture.total is not None:
            return mixture.total
        return 1.0 if mixture.basis == "volume" else math.nan


def water_density(amount_unit: str) -> float:
    """1000 kg/m³ in ``amount_unit`` (kg/m³ when it is empty): 1685.55 for lb/yd³.

    Raises:
        UnitError: the unit is not a mass per volume.
    """
    from engine.units import conversion_factor

    return 1000.0 * conversion_factor("kg/m³", amount_unit or "kg/m³")[0]


def objective_label(item: Objective | OutputConstraint) -> str:
    """A column-friendly name: the given ``name`` or e.g. ``compressive_strength_lower``."""
    if item.name:
        return item.name
    if item.kind in ("cost", "co2"):
        return item.kind
    if item.kind == "uncertainty":
        return f"{item.target}_width"
    if item.quantile is not None:
        return f"{item.target}_q{item.quantile:g}"
    suffix = f"_{item.statistic}"
    if item.coverage is not None and item.statistic != "mean":
        suffix += f"{item.coverage * 100:g}"
    return f"{item.target}{suffix}"


def relation_label(relation: Relation) -> str:
    """The given ``name`` or e.g. ``yield_strength ≤ tensile_strength`` (``≤ 0.9×``)."""
    if relation.name:
        return relation.name
    factor = "" if relation.max_ratio == 1.0 else f"{relation.max_ratio:g}×"
    return f"{relation.lower} ≤ {factor}{relation.upper}"


def _pydantic_issues(error: ValidationError, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    issues = []
    for item in error.errors():
        loc = [part for part in item["loc"] if not _is_union_tag(part)]
        path, names = _format_path(loc, data)
        kind = item["type"]
        if kind == "extra_forbidden":
            reason = "unknown key"
        elif kind == "missing":
            reason = "required key is missing"
        else:
            reason = item["msg"]
            if "input" in item and not isinstance(item["input"], dict | list):
                reason += f" (got {item['input']!r})"
        if names:
            reason = f"{names[-1]!r}: {reason}"
        issues.append((path, reason))
    return issues


def _is_union_tag(part: object) -> bool:
    # pydantic adds the member type of a union to error locations ("float", "list[str]", ...).
    return isinstance(part, str) and (
        part in {"str", "float", "int", "bool", "dict", "list"} or "[" in part or "-" in part
    )


def _format_path(loc: Sequence[object], data: Any) -> tuple[str, list[str]]:
    out = ""
    names: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(node, Mapping) and isinstance(node.get("name"), str):
                names.append(node["name"])
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, Mapping) else None
    return out or "(top level)", names
