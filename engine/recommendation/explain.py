"""Explained recommendations: what changes against the baseline, what the models predict, why.

For each recommended recipe this gathers the recipe and its difference to the baseline, the
predicted properties with their intervals and applicability-domain label, cost and CO₂ and their
deltas, what drives each predicted change (see :func:`recipe_shares`; phrased like
"cement +40 kg/m³ → +5.1 MPa", they add up to the change of the point prediction) and the
constraints that are binding (within a tolerance). Materials are named as in the project's
catalogue (``names``), codes only where it has no name.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.display_units import DisplayUnits, clean_unit
from engine.materials import ATOMIC_FRACTION_SUFFIX
from engine.models.explain import ContributionDelta, baseline_shapley
from engine.models.params import prediction_threads
from engine.optimisation.constraints import LinearSystem
from engine.optimisation.encoding import DesignSpace
from engine.optimisation.materials import product_basis
from engine.optimisation.predictor import DOMAIN_LABELS, EDGE_MAX, INSIDE_MAX
from engine.optimisation.study import StudySpec, objective_label, relation_label

if TYPE_CHECKING:
    import pandas as pd

    from engine.optimisation.decision import Recommendation
    from engine.optimisation.result import OptimisationResult

BINDING_TOLERANCE = 2e-3
"""A constraint is binding when its relative slack is at most this (0.2 % of its scale)."""

SHOWN_DRIVERS = 5
MIN_SHOWN_EFFECT = 0.05  # in target units: smaller contributions go into "other inputs"

FEATURE_LABELS = {
    "water_cement_ratio": "w/c",
    "water_binder_ratio": "w/b",
    "binder_content_kg_m3": "binder content",
    "scm_share": "SCM share",
    "fly_ash_share": "fly ash share",
    "slag_share": "slag share",
    "silica_fume_share": "silica fume share",
    "other_scm_share": "other SCM share",
    "paste_volume_m3": "paste volume fraction",
    "total_mass_kg_m3": "total mass",
    "test_age_days": "test age",
}

_STORED = DisplayUnits()
"""The stored (SI) units explanations are computed in."""

@dataclass(frozen=True)
class RecipeChange:
    """One variable of the recipe against the baseline (``label``: its catalogue name)."""

    name: str
    value: float | str
    baseline: float | str | None
    unit: str = ""
    label: str = ""

    @property
    def delta(self) -> float | None:
        """value − baseline for numbers (None for text or without a baseline)."""
        if isinstance(self.value, str) or self.baseline is None or isinstance(self.baseline, str):
            return None
        return float(self.value) - float(self.baseline)

    @property
    def shown_delta(self) -> float | None:
        """``delta`` when the shown values differ: a change below the display precision
        (0.01 against 0.0100008 wt %) is no change to the reader."""
        delta = self.delta
        return None if delta is None or _fmt(self.value) == _fmt(self.baseline) else delta

    @property
    def title(self) -> str:
        """The name shown: the catalogue's, else the code."""
        return self.label or self.name


@dataclass(frozen=True)
class PropertyPrediction:
    """A predicted property: point prediction and interval, and the baseline's."""

    target: str
    unit: str
    mean: float
    lower: float
    upper: float
    coverage: float
    baseline_mean: float | None = None
    baseline_lower: float | None = None
    baseline_upper: float | None = None
    label: str = ""

    @property
    def title(self) -> str:
        """The name shown ("compressive strength"), else the code."""
        return self.label or self.target


@dataclass(frozen=True)
class Driver:
    """One changed recipe variable's share of a predicted change (see :func:`recipe_shares`)."""

    feature: str
    label: str
    baseline_value: float | str
    value: float | str
    effect: float
    text: str
    unit: str = ""


@dataclass(frozen=True)
class Attribution:
    """Why one property's prediction changes: the largest drivers and the rest.

    ``total`` (the sum over every changed variable) equals ``predicted_change`` (point
    prediction of the recipe minus the baseline's) up to floating-point error; ``other`` is the
    share of the changes not listed.
    """

    target: str
    unit: str
    drivers: tuple[Driver, ...]
    other: float
    total: float
    predicted_change: float
    label: str = ""

    @property
    def title(self) -> str:
        """The property's name shown, else its code."""
        return self.label or self.target


@dataclass(frozen=True)
class BindingConstraint:
    """A constraint the recipe sits on (it would improve an objective if relaxed)."""

    label: str
    kind: str  # "bound", "ratio", "linear", "output", "relation", "domain"
    value: float
    limit: float
    side: str  # "min" or "max"
    unit: str = ""
    measure: str = "value"
    """What ``value`` and ``limit`` are, for unit conversion: "value" (in ``unit``),
    "difference" (an interval width in ``unit``), "cost" or "co2" (per product basis)."""

    def text(self) -> str:
        """E.g. ``water/binder max: 0.55 (limit 0.55)``, ``cement max: 450 (limit 450 kg/m³)``."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.label} {self.side}: {_fmt(self.value)} (limit {_fmt(self.limit)}{unit})"


@dataclass(frozen=True)
class ExplainedRecommendation:
    """A recommended (or exploratory) recipe with everything a plant engineer needs to judge it.

    Attributes:
        id: its id in the project (None until saved).
        rank: 1 = first.
        kind: "recommendation" or "exploration" (a trial that teaches the models most).
        reasons: why it was picked.
        recipe: every study variable's value.
        changes: every variable against the baseline.
        properties: predicted properties with intervals (and the baseline's).
        domain_label, domain_score: applicability domain (≤ 1 inside, ≤ 2 edge).
        cost, co2: per unit of product (None when the catalogue lacks factors);
        cost_delta, co2_delta: against the baseline.
        currency: of ``cost``.
        objectives, objective_deltas: objective values and their change against the baseline.
        attributions: per property, the changed variables that drive its change.
        attribution_note: how the attributions were computed, for the reader (names the
            project's balance and derived inputs).
        binding: constraints the recipe sits on.
        baseline_name: the baseline's name, or None without a baseline.
        dominates_baseline: at least as good in every objective and better in one.
        score: the exploration score (None for recommendations).
        row: its row in the run's ``result.pareto``.
        basis: what cost and CO₂ are per ("m³" of concrete, "kg" of alloy, "" unknown).
        cost_unit, co2_unit: e.g. "EUR/m³" and "kg CO₂e/m³".
        unit_system: "SI" as computed, "US" after :func:`engine.recommendation.display.\
in_display_units`. ``objectives`` stay as optimised (stored units) in either.
    """

    id: int | None
    rank: int
    kind: str
    reasons: tuple[str, ...]
    recipe: dict[str, Any]
    changes: tuple[RecipeChange, ...]
    properties: tuple[PropertyPrediction, ...]
    domain_label: str
    domain_score: float
    cost: float | None
    co2: float | None
    cost_delta: float | None
    co2_delta: float | None
    currency: str
    objectives: dict[str, float]
    objective_deltas: dict[str, float] | None
    attributions: tuple[Attribution, ...]
    binding: tuple[BindingConstraint, ...]
    baseline_name: str | None = None
    dominates_baseline: bool | None = None
    score: float | None = None
    row: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    basis: str = ""
    cost_unit: str = ""
    co2_unit: str = ""
    unit_system: str = "SI"
    attribution_note: str = ""

    @property
    def title(self) -> str:
        """E.g. ``#1 (knee, balanced)``, ``#3 (best yield strength (lower bound))``."""
        what = "trial " if self.kind == "exploration" else "#"
        ident = f" [id {self.id}]" if self.id is not None else ""
        reasons = [f"best {objective_text(r[5:])}" if r.startswith("best ") else r
                   for r in self.reasons]
        return f"{what}{self.rank} ({', '.join(reasons)}){ident}"

    def driver_texts(self) -> dict[str, list[str]]:
        """Per property, the driver phrases ("cement +40 kg/m³ → +5.1 MPa")."""
        return {a.target: [d.text for d in a.drivers] for a in self.attributions}

    def text(self) -> str:
        """A readable multi-line explanation."""
        domain = f" — domain: {self.domain_label}" if self.domain_label in DOMAIN_LABELS else ""
        lines = [self.title + domain]
        width = max([22, *(len(c.title) for c in self.changes)])
        for change in self.changes:
            delta = change.shown_delta
            shown = _fmt(change.value)
            if delta is not None:
                shown += f" ({_signed(delta)})"
            lines.append(f"  {change.title:<{width}} {shown} {change.unit}".rstrip())
        for p in self.properties:
            base = ""
            if p.baseline_mean is not None:
                base = f"; baseline {_fmt(p.baseline_mean)}"
            unit = f" {p.unit}" if p.unit else ""
            lines.append(f"  → {p.title}: {_fmt(p.mean)}{unit} "
                         f"[{_fmt(p.lower)}, {_fmt(p.upper)}] at {p.coverage:.0%}{base}")
        for name, value, delta, fmt in (("cost", self.cost, self.cost_delta, money_text),
                                        ("CO₂", self.co2, self.co2_delta, _fmt)):
            if value is not None:
                unit = self.cost_unit if name == "cost" else self.co2_unit
                against = f" ({_signed(delta, fmt)} vs baseline)" if delta is not None else ""
                lines.append(f"  → {name}: {fmt(value)} {unit}{against}")
        for attribution in self.attributions:
            if attribution.drivers:
                phrases = "; ".join(d.text for d in attribution.drivers)
                lines.append(f"  why {attribution.title}: {phrases}")
        if self.binding:
            lines.append("  binding: " + "; ".join(b.text() for b in self.binding))
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExplainedRecommendation:
        """Rebuild from :meth:`to_dict` (a stored explanation); fields it lacks (older
        versions) take their defaults, and the basis follows the recipe's units."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["changes"] = tuple(_rebuild(RecipeChange, c) for c in data.get("changes") or ())
        values["properties"] = tuple(_rebuild(PropertyPrediction, p)
                                     for p in data.get("properties") or ())
        values["attributions"] = tuple(
            _rebuild(Attribution, {**a, "drivers": tuple(_rebuild(Driver, d)
                                                         for d in a.get("drivers") or ())})
            for a in data.get("attributions") or ())
        values["binding"] = tuple(_rebuild(BindingConstraint, b) for b in data.get("binding") or ())
        values["reasons"] = tuple(data.get("reasons") or ())
        for key in ("recipe", "objectives"):
            values[key] = dict(data.get(key) or {})
        values.setdefault("extra", {})
        for key, default in (("domain_label", ""), ("domain_score", math.nan), ("cost", None),
                             ("co2", None), ("cost_delta", None), ("co2_delta", None),
                             ("currency", ""), ("objective_deltas", None), ("id", None),
                             ("rank", 0), ("kind", "recommendation")):
            values.setdefault(key, default)
        if "basis" not in data:
            basis = product_basis(c.unit for c in values["changes"])
            values.update(basis=basis, cost_unit=_STORED.cost_unit(str(values["currency"] or ""),
                                                                  basis),
                          co2_unit=_STORED.co2_unit(basis))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (numbers as floats, NaN as None)."""
        data = dataclasses.asdict(self)
        data["title"] = self.title
        data["changes"] = [{**dataclasses.asdict(c), "delta": c.delta} for c in self.changes]
        data["drivers"] = self.driver_texts()
        data["binding"] = [{**dataclasses.asdict(b), "text": b.text()} for b in self.binding]
        return _plain(data)


def explain_recommendations(
    result: OptimisationResult,
    spec: StudySpec,
    picks: Sequence[Recommendation],
    *,
    model: Any | None = None,
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    units: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    kind: str = "recommendation",
    scores: Mapping[int, float] | None = None,
    tolerance: float = BINDING_TOLERANCE,
) -> tuple[ExplainedRecommendation, ...]:
    """Explain recommendations picked from ``result.pareto``.

    Args:
        result: the optimisation result the picks come from.
        spec: its study (bounds, ratios, output constraints, domain mode).
        picks: from :func:`engine.optimisation.decision.recommend` or the exploration batch.
        model: the fitted ``PropertyModel`` for the drivers; None leaves them out.
        derive: the derived-input step the run used (w/b, shares, atomic fractions); the
            drivers recompute derived inputs on every hybrid recipe (see :func:`recipe_shares`).
        units: unit per column (the model set's).
        names: shown name per material code (the catalogue's, :func:`material_names`).
        kind: "recommendation" or "exploration".
        scores: exploration score per Pareto row.
        tolerance: relative slack under which a constraint counts as binding.
    """
    units = dict(units or {})
    names = dict(names or {})
    space = DesignSpace.from_spec(spec)
    system = LinearSystem.from_spec(spec, space)
    baseline = None
    if result.baseline is not None and len(result.baseline):
        baseline = result.baseline.iloc[0]
    basis = product_basis(variable.unit for variable in spec.variables)
    out = []
    for pick in picks:
        row = result.pareto.iloc[pick.row]
        out.append(ExplainedRecommendation(
            id=None,
            rank=pick.rank,
            kind=kind,
            reasons=tuple(pick.reasons),
            recipe={k: _plain(v) for k, v in pick.recipe.items()},
            changes=_changes(spec, row, baseline, names),
            properties=_properties(result, row, baseline, units, names),
            domain_label=str(row.get("domain_label", "")),
            domain_score=float(row.get("domain_score", math.nan)),
            cost=_optional(row, "cost"),
            co2=_optional(row, "co2"),
            cost_delta=_delta(row, baseline, "cost"),
            co2_delta=_delta(row, baseline, "co2"),
            currency=result.currency,
            objectives=dict(pick.objectives),
            objective_deltas=None if pick.deltas is None else dict(pick.deltas),
            attributions=_attributions(model, derive, spec, space, result, row, baseline,
                                       units, names),
            binding=binding_constraints(spec, space, system, row, tolerance, units, names),
            baseline_name=spec.baseline.name if spec.baseline is not None else None,
            dominates_baseline=pick.dominates_baseline,
            score=None if scores is None else float(scores.get(pick.row, math.nan)),
            row=int(pick.row),
            basis=basis,
            cost_unit=_STORED.cost_unit(result.currency, basis),
            co2_unit=_STORED.co2_unit(basis),
            attribution_note=(attribution_note(spec, model, names)
                              if model is not None and baseline is not None else ""),
        ))
    return tuple(out)


def material_names(catalogue: pd.DataFrame) -> dict[str, str]:
    """Code → name of each material of a project's catalogue (``materials`` table) that has a
    name other than its code."""
    if catalogue.empty or "name" not in catalogue.columns:
        return {}
    return {str(code): name.strip() for code, name in zip(catalogue["material"],
                                                          catalogue["name"], strict=True)
            if isinstance(name, str) and name.strip() and name.strip() != str(code)}


def label_of(code: str, names: Mapping[str, str]) -> str:
    """The name a reader sees for a variable, input or property: the catalogue's, else a
    readable form of the code (:func:`feature_label`)."""
    return names.get(code) or feature_label(code)


def recipe_shares(model: Any, space: DesignSpace,
                  derive: Callable[[pd.DataFrame], pd.DataFrame] | None,
                  baseline: Mapping[str, Any], recipe: Mapping[str, Any],
                  targets: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each changed recipe variable's share of each target's predicted change.

    Method: exact baseline Shapley values over the variables the recipe changes (sampled
    orders beyond :data:`engine.models.explain.EXACT_MAX_PLAYERS`;
    :func:`engine.models.explain.baseline_shapley`). The model is evaluated on hybrid
    recipes, each changed variable taken from the baseline or from the recipe; on every hybrid
    the mixture balance is recomputed from the other amounts and the derived inputs (w/b,
    shares, atomic fractions, the model's own ratios) are recomputed by ``derive``. So a
    derived input counts with the variables it is computed from, the balance (Fe, or sand
    closing 1 m³) counts with the amounts that displace it, an unchanged variable gets nothing,
    and the shares add up to the change of the point prediction. Changes smaller than a
    variable's resolution switch together as one player, listed last as ``""``.

    Returns:
        The players (variable names, ``""`` for the small changes), their shares (players ×
        targets) and each target's predicted change.
    """
    Z, codes = space.from_records([dict(baseline), dict(recipe)], ["baseline", "recipe"])
    balance = {b.index for b in space.balances}
    groups: dict[str, tuple[list[int], list[int]]] = {}  # numeric and categorical columns
    small: tuple[list[int], list[int]] = ([], [])
    for j, name in enumerate(space.numeric_names):
        step = abs(Z[1, j] - Z[0, j])
        if j in balance or step <= 1e-12 * max(1.0, abs(Z[0, j])):
            continue
        if step < space.resolution[j]:
            small[0].append(j)
        else:
            groups[name] = ([j], [])
    for j, name in enumerate(space.categorical_names):
        if codes[1, j] != codes[0, j]:
            groups[name] = ([], [j])
    players = list(groups)
    columns = [groups[p] for p in players]
    if small[0]:
        players.append("")
        columns.append(small)
    inputs = list(model.encoder_.inputs)
    parts = [model.targets_[t] for t in targets]

    def value(masks: np.ndarray) -> np.ndarray:
        n = len(masks)
        Zh, ch = np.repeat(Z[:1], n, axis=0), np.repeat(codes[:1], n, axis=0)
        for k, (numeric, categorical) in enumerate(columns):
            on = masks[:, k]
            Zh[np.ix_(on, np.asarray(numeric, dtype=int))] = Z[1, numeric]
            ch[np.ix_(on, np.asarray(categorical, dtype=int))] = codes[1, categorical]
        space.fill_balances(Zh)
        ends = masks.all(axis=1), ~masks.any(axis=1)  # the recipe and the baseline exactly
        Zh[ends[0]], ch[ends[0]] = Z[1], codes[1]
        Zh[ends[1]], ch[ends[1]] = Z[0], codes[0]
        frame = space.to_frame(Zh, ch)
        if derive is not None:
            frame = derive(frame)
        missing = [c for c in inputs if c not in frame.columns]
        if missing:
            raise ValueError(f"explaining needs the run's derived inputs {missing}: pass the "
                             "derive step the run used")
        matrix = model.encoder_.transform(frame[inputs], warn_unknown=False)
        threads = model.num_threads or prediction_threads(len(matrix))
        return np.column_stack([part.point(matrix, threads) for part in parts])

    shares = baseline_shapley(value, len(players))
    ends = value(np.array([[True] * len(players), [False] * len(players)]))
    return players, shares, ends[0] - ends[1]


def attribution_note(spec: StudySpec, model: Any, names: Mapping[str, str]) -> str:
    """How the report's "why" lines are computed, naming the project's balance and derived
    inputs (a steel project's atomic fractions, a concrete project's w/b)."""
    variables = {v.name for v in spec.variables}
    derived = [label_of(f, names) for f in model.feature_names_ if f not in variables]
    if any(f.endswith(ATOMIC_FRACTION_SUFFIX) for f in model.feature_names_):
        derived = [d for d in derived if not d.endswith(" atomic fraction")]
        derived.insert(0, "the atomic fractions")
    parts = ["Each line is one ingredient or setting this recipe changes, with how much that "
             "change moves the model's prediction."]
    if derived:
        shown = ", ".join(derived[:4]) + (" …" if len(derived) > 4 else "")
        parts.append(f"Quantities the model computes from the recipe ({shown}) count with the "
                     "amounts they are computed from.")
    balances = [label_of(name, names) for name in spec.balance_names]
    if balances:
        parts.append(f"{' and '.join(balances)}, the balance, follows the other amounts, so its "
                     "change counts with theirs.")
    parts.append("Unchanged inputs get no share. The shares are Shapley values over the "
                 "changes (the model evaluated on every mix of current and new values), so "
                 "the lines add up to the predicted change.")
    return " ".join(parts)


def binding_constraints(spec: StudySpec, space: DesignSpace, system: LinearSystem,
                        row: pd.Series, tolerance: float = BINDING_TOLERANCE,
                        units: Mapping[str, str] | None = None,
                        names: Mapping[str, str] | None = None,
                        ) -> tuple[BindingConstraint, ...]:
    """Constraints the recipe in ``row`` sits on, within ``tolerance`` (relative slack).

    Checked: variable bounds (balances included, fixed values excluded), linear bounds and
    ratios, output constraints on predictions/cost/CO₂, relations between predicted means (the
    lower output's mean against its limit, ``max_ratio`` × the upper one's), and the
    applicability-domain limit.
    Mixture totals and other equalities always hold exactly and are not listed.
    ``units`` (the model set's, per column) label output constraints; ``names`` (code → shown
    name) name the variables.
    """
    variable_units = {variable.name: variable.unit for variable in spec.variables}
    found: list[BindingConstraint] = []
    z = np.array([float(row[name]) for name in space.numeric_names])
    for j, name in enumerate(space.numeric_names):
        if space.is_fixed[j] or space.lower[j] == space.upper[j]:
            continue
        scale = max(float(space.scale[j]), 1e-12)
        for side, limit in (("min", space.lower[j]), ("max", space.upper[j])):
            if abs(z[j] - limit) / scale <= tolerance:
                found.append(BindingConstraint(label_of(name, names or {}), "bound",
                                               float(z[j]), float(limit), side,
                                               variable_units.get(name, "")))
    if len(system.ineq_rhs):
        lhs = system.ineq_matrix @ z
        size = np.maximum(np.abs(system.ineq_matrix) @ np.abs(z), np.abs(system.ineq_rhs))
        slack = (system.ineq_rhs - lhs) / np.maximum(size, 1e-300)
        for j, label in enumerate(system.ineq_labels):
            if slack[j] <= tolerance:
                found.append(_inequality(spec, label, row))
    found += _output_binding(spec, row, tolerance, units or {})
    found += _relation_binding(spec, row, tolerance, units or {})
    limit = {"inside": INSIDE_MAX, "edge": EDGE_MAX}.get(spec.domain.effective_mode)
    score = float(row.get("domain_score", math.nan))
    if limit is not None and math.isfinite(score) and (limit - score) / limit <= tolerance:
        found.append(BindingConstraint(f"applicability domain ({spec.domain.effective_mode})",
                                       "domain", score, limit, "max"))
    return tuple(found)


def feature_label(feature: str) -> str:
    """A readable input name ("water_binder_ratio" → "w/b", "fly_ash" → "fly ash",
    "Ni_at_frac" → "Ni atomic fraction")."""
    if feature.endswith(ATOMIC_FRACTION_SUFFIX):
        return f"{feature.removesuffix(ATOMIC_FRACTION_SUFFIX)} atomic fraction"
    return FEATURE_LABELS.get(feature, feature.replace("_", " "))


def objective_text(label: str) -> str:
    """An objective label in words: "compressive_strength_lower" → "compressive strength
    (lower bound)", "co2" → "CO₂"."""
    for statistic, text in (("_lower", "lower bound"), ("_upper", "upper bound"),
                            ("_mean", "predicted value")):
        head, found, rest = label.rpartition(statistic)
        if found and head and (not rest or rest.replace(".", "").isdigit()):
            coverage = f" of the {rest} % interval" if rest else ""
            return f"{feature_label(head)} ({text}{coverage})"
    return {"co2": "CO₂"}.get(label, feature_label(label))



# ---------------------------------------------------------------------------------- parts


def _changes(spec: StudySpec, row: pd.Series, baseline: pd.Series | None,
             names: Mapping[str, str]) -> tuple[RecipeChange, ...]:
    changes = []
    for variable in spec.variables:
        value = _counted(variable.type, _plain(row[variable.name]))
        base = None if baseline is None else _counted(variable.type,
                                                      _plain(baseline[variable.name]))
        changes.append(RecipeChange(variable.name, value, base, variable.unit,
                                    label_of(variable.name, names)))
    return tuple(changes)


def _counted(kind: str, value: Any) -> Any:
    """A whole value of an integer or fixed variable as an int: "28 d" however it was read."""
    if kind in ("integer", "fixed") and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _properties(result: OptimisationResult, row: pd.Series, baseline: pd.Series | None,
                units: Mapping[str, str],
                names: Mapping[str, str]) -> tuple[PropertyPrediction, ...]:
    out = []
    for target in result.targets:
        base: dict[str, float | None] = {"mean": None, "lower": None, "upper": None}
        if baseline is not None:
            base = {k: float(baseline[f"{target}_{k}"]) for k in base}
        out.append(PropertyPrediction(
            target=target,
            unit=clean_unit(units.get(target)),
            mean=float(row[f"{target}_mean"]),
            lower=float(row[f"{target}_lower"]),
            upper=float(row[f"{target}_upper"]),
            coverage=float(result.coverage),
            baseline_mean=base["mean"],
            baseline_lower=base["lower"],
            baseline_upper=base["upper"],
            label=label_of(target, names),
        ))
    return tuple(out)


def _attributions(model: Any | None, derive: Callable[[pd.DataFrame], pd.DataFrame] | None,
                  spec: StudySpec, space: DesignSpace, result: OptimisationResult,
                  row: pd.Series, baseline: pd.Series | None, units: Mapping[str, str],
                  names: Mapping[str, str]) -> tuple[Attribution, ...]:
    """Per target, the changed variables that move its prediction most (see
    :func:`recipe_shares`); a change not visible at display precision is never listed."""
    if model is None or baseline is None:
        return ()
    targets = [t for t in result.targets if t in model.target_names]
    if not targets:
        return ()
    variables = {v.name: v for v in spec.variables}
    players, shares, totals = recipe_shares(model, space, derive, baseline, row, targets)
    out = []
    for k, target in enumerate(targets):
        unit = clean_unit(units.get(target))
        shown: list[Driver] = []
        for j in np.argsort(-np.abs(shares[:, k]), kind="stable"):
            name, effect = players[j], float(shares[j, k])
            if len(shown) >= SHOWN_DRIVERS or abs(effect) < MIN_SHOWN_EFFECT:
                break
            if not name:
                continue  # the changes below the plant's resolution: in "other"
            before, after = _plain(baseline[name]), _plain(row[name])
            change = RecipeChange(name, after, before, variables[name].unit)
            if change.delta is not None and change.shown_delta is None:
                continue
            label = label_of(name, names)
            text = ContributionDelta(label, before, after, effect, change.unit, unit).text()
            shown.append(Driver(name, label, before, after, effect, text, change.unit))
        total = float(totals[k])
        change_of_mean = float(row[f"{target}_mean"]) - float(baseline[f"{target}_mean"])
        out.append(Attribution(target, unit, tuple(shown), total - sum(d.effect for d in shown),
                               total, change_of_mean, label_of(target, names)))
    return tuple(out)


def _rebuild(kind: type, data: Mapping[str, Any]) -> Any:
    """A dataclass from its ``asdict`` form, ignoring derived keys ("delta", "text")."""
    names = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in data.items() if k in names})


def _inequality(spec: StudySpec, label: str, row: pd.Series) -> BindingConstraint:
    """Describe a binding linear/ratio row by its own quantity (the ratio, the sum)."""
    table, _, rest = label.partition("[")
    index = int(rest.split("]", 1)[0])
    side = "max" if label.endswith(" max") else "min"
    if table == "ratio":
        ratio = spec.ratio[index]
        numerator = float(spec.weighted_sum(ratio.numerator, row))
        denominator = float(spec.weighted_sum(ratio.denominator, row))
        value = numerator / denominator if denominator else math.nan
        limit = ratio.max if side == "max" else ratio.min
        return BindingConstraint(ratio.name or label, "ratio", value, float(limit or 0), side)
    linear = spec.linear[index]
    coefficients = spec.variable_weights(linear.coefficients)
    value = float(spec.weighted_sum(linear.coefficients, row))
    limit = linear.max if side == "max" else linear.min
    # a sum of amounts in one unit is in that unit (offset units such as °C excepted; a sum of
    # contents, such as alkalis at 0.6 % of each material, has the contents' own unit)
    units = {v.unit for v in spec.variables if v.name in coefficients}
    unit = units.pop() if len(units) == 1 and set(coefficients) == set(linear.coefficients) \
        else ""
    return BindingConstraint(linear.name or label, "linear", value, float(limit or 0), side,
                             "" if unit in ("°C", "°F", "degC") else unit)


def _output_binding(spec: StudySpec, row: pd.Series, tolerance: float,
                    units: Mapping[str, str]) -> list[BindingConstraint]:
    found = []
    for constraint in spec.constraints:
        value = _output_value(constraint, row)
        if value is None:
            continue
        if constraint.kind in ("cost", "co2"):
            unit, measure = "", constraint.kind
        else:
            unit = clean_unit(units.get(constraint.target or ""))
            measure = "difference" if constraint.kind == "uncertainty" else "value"
        for side, limit in (("min", constraint.min), ("max", constraint.max)):
            if limit is None:
                continue
            slack = (value - limit) if side == "min" else (limit - value)
            if slack / max(abs(limit), 1.0) <= tolerance:
                found.append(BindingConstraint(objective_label(constraint), "output", value,
                                               float(limit), side, unit, measure))
    return found


def _relation_binding(spec: StudySpec, row: pd.Series, tolerance: float,
                      units: Mapping[str, str]) -> list[BindingConstraint]:
    """Each ``[[relation]]`` whose lower output's predicted mean is at its limit."""
    found = []
    for relation in spec.relation:
        value = _optional(row, f"{relation.lower}_mean")
        upper = _optional(row, f"{relation.upper}_mean")
        if value is None or upper is None:
            continue
        limit = relation.max_ratio * upper
        if (limit - value) / max(abs(value), abs(limit), 1.0) <= tolerance:
            found.append(BindingConstraint(relation_label(relation), "relation", value, limit,
                                           "max", clean_unit(units.get(relation.lower))))
    return found


def _output_value(constraint: Any, row: pd.Series) -> float | None:
    if constraint.coverage is not None or constraint.quantile is not None:
        return None  # intervals at another coverage are not kept in the result frame
    if constraint.kind in ("cost", "co2"):
        return _optional(row, constraint.kind)
    if constraint.kind == "uncertainty":
        return float(row[f"{constraint.target}_upper"] - row[f"{constraint.target}_lower"])
    key = f"{constraint.target}_{constraint.statistic}"
    return float(row[key]) if key in row.index else None


def _optional(row: pd.Series, key: str) -> float | None:
    if key not in row.index:
        return None
    value = float(row[key])
    return value if math.isfinite(value) else None


def _delta(row: pd.Series, baseline: pd.Series | None, key: str) -> float | None:
    value = _optional(row, key)
    if value is None or baseline is None:
        return None
    base = _optional(baseline, key)
    return None if base is None else value - base


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if number == 0:
            return "0"
        if abs(number) >= 100:
            return f"{number:.0f}"
        if abs(number) >= 10:
            return f"{number:.1f}"
        if abs(number) >= 1:
            return f"{number:.2f}"
        return f"{number:.3g}"
    return str(value)


def money_text(value: Any) -> str:
    """An amount of money to the cent (10.94, 67.20): costs near each other stay apart."""
    return f"{float(value):.2f}"


def _signed(value: float | None, fmt: Callable[[Any], str] = _fmt) -> str:
    if value is None:
        return ""
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{fmt(abs(value))}"
