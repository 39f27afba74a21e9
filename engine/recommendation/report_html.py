"""The HTML recommendation report: one self-contained page a plant engineer can read or print.

Inline CSS only: no scripts, fonts, images or links to other files (plants are often offline).
The page: title and the study's aim; how to read it; a summary table (the current recipe and
every recommended recipe side by side); one card per recipe (predicted properties, cost and
CO₂ against the current recipe, the recipe itself, why the prediction changes, the limits it
sits on); the run's figures at the end.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from engine.recommendation.explain import (
    BindingConstraint,
    ExplainedRecommendation,
    PropertyPrediction,
    _fmt,
    _signed,
    money_text,
    objective_text,
)

__all__ = ["html_report"]

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;
margin:1.5rem auto;max-width:62rem;color:#1d2733;background:#fff;line-height:1.45;
padding:0 1rem;font-size:15px}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin:0 0 .3rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
p{margin:.3rem 0 .6rem}.meta,.note{color:#4b5866;font-size:.9rem}
.aim{font-size:1.02rem;margin:.4rem 0 1rem}
.howto{background:#f4f7fa;border:1px solid #dde5ec;border-radius:8px;padding:.6rem 1rem;
margin:1rem 0;font-size:.92rem}.howto ul{margin:.2rem 0 .2rem 1.1rem}
.card{border:1px solid #cfd8e1;border-radius:8px;padding:1rem 1.2rem;margin:1.4rem 0;
break-inside:avoid-page}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.3rem 0 .8rem}
td,th{padding:.25rem .7rem;text-align:right;border-bottom:1px solid #e3e9ef;
vertical-align:top;font-variant-numeric:tabular-nums}
th{font-weight:600;color:#33414e;background:#f4f7fa;border-bottom:1px solid #cfd8e1}
th:first-child,td:first-child{text-align:left;overflow-wrap:break-word}
td{white-space:nowrap}td:first-child,td.text{white-space:normal}td.name{white-space:nowrap}
td.text,th.text{text-align:left}
tr.current td{background:#fafbfc;color:#33414e}
.good{color:#17692f;font-weight:600}.bad{color:#a52a24;font-weight:600}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.8rem;
font-weight:600;vertical-align:middle;white-space:nowrap}
.inside{background:#dcf1e2;color:#155d2b}.edge{background:#fdedc4;color:#6b4f00}
.outside{background:#f9d7d5;color:#85201b}
ul{margin:.3rem 0 .6rem 1.2rem;padding:0}li{margin:.1rem 0}
.why{color:#33414e}.ident{color:#4b5866;font-size:.85rem;margin-top:-.2rem}
footer{margin-top:2rem;border-top:1px solid #dde5ec;padding-top:.6rem}
@media print{body{margin:0;max-width:none;font-size:11pt}.card{border-color:#999}
.scroll{overflow:visible}}
"""

_DOMAIN_TEXT = {
    "inside": ("inside the data", "like the recipes the model learned from: the interval is "
               "as reliable as the cross-validation showed"),
    "edge": ("edge of the data", "at the edge of the recipes the model learned from: check "
             "the interval with a trial batch first"),
    "outside": ("outside the data", "unlike the recipes the model learned from: treat the "
                "prediction as a guess and the recipe as an experiment"),
}

_REASONS = {
    "knee": "best compromise",
    "balanced": "most balanced",
    "cheapest": "lowest cost",
    "lowest CO₂": "lowest CO₂",
    "diverse alternative": "an alternative unlike the other recommendations",
    "explore: uncertain near the front": "teaches the models most",
}
_REASON_NOTES = {
    "knee": "It sits at the knee of the trade-off between the goals: improving any one goal "
            "further would cost much on another.",
    "balanced": "Of all the best recipes it comes closest to the best value of every goal at "
                "once.",
    "diverse alternative": "It differs most from the other recommendations, for a real "
                           "choice.",
    "explore: uncertain near the front": "A trial near the best recipes where the models are "
                                         "least certain: its lab result improves the next "
                                         "optimisation most.",
}

_RUN_LABELS = ("study", "description", "objectives", "model", "model_version", "n_recipes",
               "n_evaluations", "n_generations", "wall_s", "seed", "cancelled", "message",
               "run_id", "currency")


def html_report(recommendations: Sequence[ExplainedRecommendation], *,
                title: str = "Recommended recipes",
                run: Mapping[str, Any] | None = None) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external files).

    Args:
        recommendations: explained recommendations (or exploration trials).
        title: the page's heading (the study's name).
        run: the run's figures (``OptimisationRun.summary()``, optionally with the study's
            ``description``): shown as "About this run"; the goals' directions colour the
            changes.
    """
    run = dict(run or {})
    senses = _senses(run)
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class=\"meta\">Recipe recommendations from Formix, {created}.</p>",
    ]
    if run.get("description"):
        parts.append(f"<p class=\"aim\">{_e(run['description'])}</p>")
    if run.get("cancelled"):
        parts.append("<p><b>The optimisation was stopped early:</b> these are the best "
                     "recipes found until then.</p>")
    parts.append(_how_to_read(recommendations))
    if not recommendations:
        parts.append("<p><b>No recipe satisfies every limit of the study.</b> Loosen a limit "
                     "(or widen a variable's range) and run the optimisation again.</p>")
    else:
        parts.append(_summary(recommendations, senses))
    parts.extend(_card(rec, senses) for rec in recommendations)
    if run:
        parts.append(_about_run(run))
    parts.append("</body></html>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------ sections


def _how_to_read(recs: Sequence[ExplainedRecommendation]) -> str:
    coverage = _coverage(recs)
    first = recs[0] if recs else None
    cost_unit = f" ({_e(first.cost_unit)})" if first and first.cost_unit else ""
    co2_unit = f" ({_e(first.co2_unit)})" if first and first.co2_unit else ""
    cost_and_co2 = (
        f"<b>Cost</b>{cost_unit} and <b>CO₂</b>{co2_unit} are computed from the materials' "
        "prices and CO₂ factors (cradle to gate), not predicted. <b>Change</b> is against the "
        "current recipe: <span class=\"good\">green</span> is better, "
        "<span class=\"bad\">red</span> worse.")
    if not _predicted(recs):  # a study on cost, CO₂ and limits only (a raw meal)
        return ("<div class=\"howto\"><b>How to read this report</b><ul>"
                f"<li>{cost_and_co2}</li></ul></div>")
    items = [
        f"<b>Predicted</b> values come from the models trained on the plant's own data. The "
        f"<b>{coverage:.0%} interval</b> is the range in which about {coverage * 10:.3g} batches "
        f"out of 10 made to the recipe are expected to test (calibrated on held-out batches).",
        "<b>Domain</b>: <span class=\"badge inside\">inside the data</span> the recipe is like "
        "those the model learned from; <span class=\"badge edge\">edge of the data</span> check "
        "with a trial first; <span class=\"badge outside\">outside the data</span> the "
        "prediction is a guess.",
        cost_and_co2,
        "Make a recommended recipe as a <b>trial batch</b> before production, and record the "
        "batch against the recommendation id in Formix (Trials) to compare prediction and "
        "lab result.",
    ]
    why = next((r.attribution_note for r in recs if r.attribution_note), "")
    if why:
        items.insert(3, f"<b>Why the prediction changes</b>: {_e(why)}")
    return ("<div class=\"howto\"><b>How to read this report</b><ul>"
            + "".join(f"<li>{item}</li>" for item in items) + "</ul></div>")


def _summary(recs: Sequence[ExplainedRecommendation], senses: Mapping[str, str]) -> str:
    first = recs[0]
    targets = [(p.title, p.unit) for p in first.properties]
    head = ["<th>recipe</th>", "<th class=\"text\">picked as</th>"]
    head += [f"<th>{_e(t)}{_unit_suffix(u)}</th>" for t, u in targets]
    has_cost = any(r.cost is not None for r in recs)
    has_co2 = any(r.co2 is not None for r in recs)
    if has_cost:
        head.append(f"<th>cost{_unit_suffix(first.cost_unit)}</th>")
    if has_co2:
        head.append(f"<th>CO₂{_unit_suffix(first.co2_unit)}</th>")
    predicted = _predicted(recs)
    if predicted:
        head.append("<th class=\"text\">domain</th>")
    rows = []
    if first.baseline_name is not None:
        cells = ["<td class=\"name\">Current recipe</td>",
                 f"<td class=\"text\">{_e(first.baseline_name)}</td>"]
        for p in first.properties:
            shown = _interval_text(p.baseline_mean, p.baseline_lower, p.baseline_upper)
            cells.append(f"<td class=\"num\">{shown}</td>")
        if has_cost:
            cost = _fmt_opt(_before(first.cost, first.cost_delta), money_text)
            cells.append(f"<td class=\"num\">{_e(cost)}</td>")
        if has_co2:
            cells.append(f"<td class=\"num\">{_e(_fmt_opt(_before(first.co2, first.co2_delta)))}"
                         "</td>")
        if predicted:
            cells.append("<td class=\"text\"></td>")
        rows.append(f"<tr class=\"current\">{''.join(cells)}</tr>")
    for rec in recs:
        cells = [f"<td class=\"name\"><b>{_label(rec)} {rec.rank}</b></td>",
                 f"<td class=\"text\">{_e(_reasons(rec, senses))}</td>"]
        for p in rec.properties:
            cells.append(f"<td class=\"num\"><b>{_e(_fmt(p.mean))}</b> ({_e(_fmt(p.lower))}–"
                         f"{_e(_fmt(p.upper))})</td>")
        for value, delta, key, shown, fmt in (
                (rec.cost, rec.cost_delta, "cost", has_cost, money_text),
                (rec.co2, rec.co2_delta, "co2", has_co2, _fmt)):
            if shown:
                change = _change(delta, senses.get(key, "minimize"), fmt)
                cells.append(f"<td class=\"num\">{_e(_fmt_opt(value, fmt))}"
                             f"{f' ({change})' if change else ''}</td>")
        if predicted:
            cells.append(f"<td class=\"text\">{_badge(rec.domain_label)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = "Cost and CO₂ with their change against the current recipe."
    if predicted:
        note = (f"Predicted value ({_coverage(recs):.0%} interval) of each property; cost and "
                "CO₂ with their change against the current recipe.")
    return ("<h2>Summary</h2>"
            f"<p class=\"note\">{note} Details of each recipe follow below.</p>"
            f"<div class=\"scroll\"><table><tr>{''.join(head)}</tr>{''.join(rows)}</table></div>")


def _card(rec: ExplainedRecommendation, senses: Mapping[str, str]) -> str:
    out = [f"<section class=\"card\"><h2>{_label(rec)} {rec.rank}: "
           f"{_e(_reasons(rec, senses))} {_badge(rec.domain_label) if _predicted([rec]) else ''}"
           "</h2>"]
    if rec.id is not None:
        out.append(f"<p class=\"ident\">Recommendation id {rec.id}: quote it when you record a "
                   f"trial batch (Trials page, or formix trials record --recommendation "
                   f"{rec.id}).</p>")
    if rec.kind == "exploration" and rec.score is not None:
        out.append(f"<p class=\"why\">Exploration score {_e(_fmt(rec.score))}: the higher, "
                   "the more a lab result of this recipe would teach the models.</p>")
    notes = [_REASON_NOTES[r] for r in rec.reasons if r in _REASON_NOTES]
    if notes:
        out.append(f"<p class=\"why\">{_e(' '.join(notes))}</p>")
    if rec.dominates_baseline:
        out.append("<p class=\"why\">At least as good as the current recipe on every goal, "
                   "and better on at least one.</p>")
    out.append(_predicted_table(rec, senses))
    out.append(_recipe_table(rec))
    for attribution in rec.attributions:
        if not attribution.drivers:
            continue
        items = "".join(f"<li>{_e(d.text)}</li>" for d in attribution.drivers)
        if abs(attribution.other) >= 0.05:
            items += (f"<li>the other changes together → {_e(_signed(attribution.other))} "
                      f"{_e(attribution.unit)}</li>")
        out.append(f"<h3>Why the predicted {_e(attribution.title)} changes by "
                   f"{_e(_signed(attribution.predicted_change))} {_e(attribution.unit)}"
                   "</h3><p class=\"note\">What each change to the recipe adds to the "
                   "prediction; the lines add up to the change.</p>"
                   f"<ul>{items}</ul>")
    if rec.binding:
        items = "".join(f"<li>{_e(_binding_text(b, rec))}</li>" for b in rec.binding)
        out.append("<h3>Limits this recipe sits on</h3><p class=\"note\">The study's limits the "
                   "recipe is pushed against: loosening one of them could improve the recipe "
                   f"further.</p><ul>{items}</ul>")
    out.append("</section>")
    return "\n".join(out)


def _predicted_table(rec: ExplainedRecommendation, senses: Mapping[str, str]) -> str:
    coverage = _coverage([rec])
    rows = []
    for p in rec.properties:
        delta = None if p.baseline_mean is None else p.mean - p.baseline_mean
        rows.append(
            f"<tr><td>{_e(p.title)}</td><td>{_e(_fmt_opt(p.baseline_mean))}</td>"
            f"<td><b>{_e(_fmt(p.mean))}</b></td><td>{_change(delta, _sense(p, senses))}</td>"
            f"<td>{_e(_fmt(p.lower))} – {_e(_fmt(p.upper))}</td>"
            f"<td class=\"text\">{_e(p.unit)}</td></tr>")
    for name, key, value, delta, unit, source, fmt in (
            ("cost", "cost", rec.cost, rec.cost_delta, rec.cost_unit, "from prices", money_text),
            ("CO₂", "co2", rec.co2, rec.co2_delta, rec.co2_unit, "from CO₂ factors", _fmt)):
        if value is None:
            continue
        rows.append(
            f"<tr><td>{name}</td><td>{_e(_fmt_opt(_before(value, delta), fmt))}</td>"
            f"<td><b>{_e(fmt(value))}</b></td>"
            f"<td>{_change(delta, senses.get(key, 'minimize'), fmt)}</td>"
            f"<td class=\"text note\">{source}</td><td class=\"text\">{_e(unit)}</td>"
            "</tr>")
    predicted = _predicted([rec])
    heading = "Predicted properties, cost and CO₂" if predicted else "Cost and CO₂"
    interval = f"{coverage:.0%} interval" if predicted else ""
    return (f"<h3>{heading}</h3><div class=\"scroll\"><table><tr>"
            "<th></th><th>current recipe</th><th>this recipe</th><th>change</th>"
            f"<th>{interval}</th><th class=\"text\">unit</th></tr>{''.join(rows)}"
            "</table></div>")


def _predicted(recs: Sequence[ExplainedRecommendation]) -> bool:
    """Whether the recipes come with model predictions (a raw meal on cost, CO₂ and modulus
    limits has none, and no data domain)."""
    return any(rec.properties for rec in recs)


def _recipe_table(rec: ExplainedRecommendation) -> str:
    rows = []
    for c in rec.changes:
        delta = c.shown_delta
        shown = "" if delta is None else _e(_signed(delta))
        rows.append(
            f"<tr><td>{_e(c.title)}</td><td>{_e(_fmt_opt(_number(c.baseline)))}</td>"
            f"<td><b>{_e(_fmt(_number(c.value)))}</b></td><td>{shown}</td>"
            f"<td class=\"text\">{_e(c.unit)}</td></tr>")
    current = (f" Current recipe: {_e(rec.baseline_name)}." if rec.baseline_name else
               " The study names no current recipe to compare with.")
    return (f"<h3>The recipe</h3><p class=\"note\">Amounts to batch.{current}</p>"
            "<div class=\"scroll\"><table><tr><th>ingredient / setting</th>"
            "<th>current recipe</th><th>this recipe</th><th>change</th>"
            f"<th class=\"text\">unit</th></tr>{''.join(rows)}</table></div>")


def _about_run(run: Mapping[str, Any]) -> str:
    rows: list[tuple[str, str]] = []
    if run.get("study"):
        rows.append(("study", str(run["study"])))
    goals = [_goal_text(str(o.get("label")), str(o.get("sense")))
             for o in run.get("objectives") or [] if isinstance(o, Mapping)]
    if goals:
        rows.append(("goals", "; ".join(goals)))
    if run.get("model"):
        version = f", version {run['model_version']}" if run.get("model_version") else ""
        rows.append(("model", f"{run['model']}{version}"))
    search = []
    if run.get("n_evaluations"):
        search.append(f"{_count(run['n_evaluations'])} recipes evaluated")
    if run.get("n_generations"):
        search.append(f"over {_count(run['n_generations'])} generations of NSGA-II")
    if _finite(run.get("wall_s")):
        search.append(f"in {float(run['wall_s']):.1f} s")
    if search:
        rows.append(("search", " ".join(search)))
    if run.get("seed") is not None:
        rows.append(("seed", f"{run['seed']} (the same seed and study repeat the run)"))
    if run.get("message"):
        rows.append(("result", str(run["message"])))
    if run.get("cancelled"):
        rows.append(("stopped", "early, on request: the best recipes found until then"))
    if run.get("run_id") is not None:
        rows.append(("stored", f"run {run['run_id']} in the project"))
    if run.get("currency"):
        rows.append(("currency", str(run["currency"])))
    technical = [f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in run.items()
                 if k not in _RUN_LABELS and not isinstance(v, dict | list) and v is not None]
    table = "".join(f"<tr><td>{_e(k)}</td><td class=\"text\">{_e(v)}</td></tr>"
                    for k, v in rows)
    note = (f"<p class=\"note\">Technical: {_e(' · '.join(technical))}.</p>"
            if technical else "")
    return (f"<footer><h2>About this run</h2><table>{table}</table>{note}"
            "<p class=\"note\">Made by Formix. The recommendations are model predictions, not "
            "test results.</p></footer>")


# ------------------------------------------------------------------------------ phrases


def _senses(run: Mapping[str, Any]) -> dict[str, str]:
    """Objective label → "maximize"/"minimize" (from the run's figures, if given)."""
    found = {}
    for item in run.get("objectives") or []:
        if isinstance(item, Mapping) and item.get("label") and item.get("sense"):
            found[str(item["label"])] = str(item["sense"])
    return found


def _sense(p: PropertyPrediction, senses: Mapping[str, str]) -> str | None:
    if p.target in senses:
        return senses[p.target]
    for label, sense in senses.items():
        if label.startswith(f"{p.target}_") and not label.endswith("_width"):
            return sense
    return None


def _reasons(rec: ExplainedRecommendation, senses: Mapping[str, str]) -> str:
    texts = []
    for reason in rec.reasons:
        if reason in _REASONS:
            texts.append(_REASONS[reason])
        elif reason.startswith("best "):
            label = reason[len("best "):]
            best = {"maximize": "highest", "minimize": "lowest"}.get(senses.get(label, ""),
                                                                    "best")
            texts.append(f"{best} {objective_text(label)}")
        elif reason.startswith("most certain "):
            texts.append(f"narrowest interval of {reason[len('most certain '):]}")
        else:
            texts.append(reason)
    return "; ".join(dict.fromkeys(texts)) or "recommended"


def _goal_text(label: str, sense: str) -> str:
    verb = {"maximize": "maximise", "minimize": "minimise"}.get(sense, sense)
    return f"{verb} {objective_text(label)}"


def _binding_text(binding: BindingConstraint, rec: ExplainedRecommendation) -> str:
    if binding.kind == "domain":
        return (f"as far from the plant's data as the study allows ({binding.label}); a wider "
                "domain could find better recipes, with less certain predictions")
    side = "lower" if binding.side == "min" else "upper"
    unit = {"cost": rec.cost_unit, "co2": rec.co2_unit}.get(binding.measure, binding.unit)
    limit = f"{_fmt(binding.limit)} {unit}".strip()
    if binding.kind == "relation":
        value = f"{_fmt(binding.value)} {unit}".strip()
        return f"{binding.label} only just holds: predicted {value} against at most {limit}"
    label = (objective_text(binding.label) if binding.kind == "output"
             else binding.label)
    return f"{label} is at its {side} limit ({limit})"


def _label(rec: ExplainedRecommendation) -> str:
    return "Trial" if rec.kind == "exploration" else "Recipe"


def _badge(label: str) -> str:
    text, title = _DOMAIN_TEXT.get(label, (label, ""))
    return f"<span class=\"badge {_e(label)}\" title=\"{_e(title)}\">{_e(text)}</span>"


def _change(delta: float | None, sense: str | None, fmt: Callable[[Any], str] = _fmt) -> str:
    """A signed change, green when it goes the goal's way, red when not."""
    if delta is None or not math.isfinite(delta) or abs(delta) < 1e-9:
        return ""
    css = ""
    if sense in ("maximize", "minimize"):
        good = (delta > 0) == (sense == "maximize")
        css = " class=\"good\"" if good else " class=\"bad\""
    return f"<span{css}>{_e(_signed(delta, fmt))}</span>"


def _unit_suffix(unit: str) -> str:
    return f" [{_e(unit)}]" if unit else ""


def _coverage(recs: Sequence[ExplainedRecommendation]) -> float:
    """The intervals' coverage (0.9 when no prediction carries one)."""
    for rec in recs:
        for p in rec.properties:
            if _finite(p.coverage):
                return float(p.coverage)
    return 0.9


def _interval_text(mean: float | None, lower: float | None, upper: float | None) -> str:
    if mean is None:
        return "—"
    if lower is None or upper is None:
        return _e(_fmt(mean))
    return f"{_e(_fmt(mean))} ({_e(_fmt(lower))}–{_e(_fmt(upper))})"


def _before(value: float | None, delta: float | None) -> float | None:
    return None if value is None or delta is None else value - delta


def _number(value: Any) -> Any:
    """Whole numbers as floats, so a column reads "77.0" next to "98.0", not "77"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _fmt_opt(value: Any, fmt: Callable[[Any], str] = _fmt) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return fmt(value)


def _count(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
