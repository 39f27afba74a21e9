"""Export explained recommendations as CSV, JSON or a self-contained HTML report (atomically)."""

from __future__ import annotations

import html
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.errors import FormixError
from engine.recommendation.explain import ExplainedRecommendation, _fmt, _signed

SUFFIXES = (".csv", ".json", ".html", ".xlsx")


def export_recommendations(recommendations: Sequence[ExplainedRecommendation],
                           path: str | Path, *, title: str = "Recommended recipes",
                           run: Mapping[str, Any] | None = None) -> Path:
    """Write ``recommendations`` to ``path``; the format follows the suffix.

    Args:
        recommendations: explained recommendations (or exploration trials).
        path: ``.csv`` or ``.xlsx`` (one row per recipe, flat columns), ``.json`` (the full
            explanations) or ``.html`` (a readable report that needs no other file).
        title: heading of the HTML report.
        run: optional run figures shown in the report and kept in the JSON.

    Raises:
        FormixError: unknown suffix or the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = recommendations_frame(recommendations).to_csv(index=False)
    elif suffix == ".json":
        payload = {"run": dict(run or {}), "recommendations": [r.to_dict()
                                                               for r in recommendations]}
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
    elif suffix == ".html":
        text = html_report(recommendations, title=title, run=run)
    elif suffix == ".xlsx":
        write_excel_atomic(path, recommendations_frame(recommendations))
        return path
    else:
        raise FormixError(f"{path.name}: export recommendations as {', '.join(SUFFIXES)}")
    write_text_atomic(path, text)
    return path


def recommendations_frame(recommendations: Sequence[ExplainedRecommendation]) -> Any:
    """One row per recommendation: recipe, deltas, predictions, cost/CO₂, drivers, binding."""
    import pandas as pd

    rows = []
    for rec in recommendations:
        row: dict[str, Any] = {"id": rec.id, "rank": rec.rank, "kind": rec.kind,
                               "reasons": "; ".join(rec.reasons)}
        for change in rec.changes:
            row[change.name] = change.value
            if change.delta is not None:
                row[f"{change.name}_delta"] = change.delta
        for p in rec.properties:
            row.update({f"{p.target}_mean": p.mean, f"{p.target}_lower": p.lower,
                        f"{p.target}_upper": p.upper})
            if p.baseline_mean is not None:
                row[f"{p.target}_mean_delta"] = p.mean - p.baseline_mean
        row.update({"domain": rec.domain_label, "domain_score": rec.domain_score,
                    "cost": rec.cost, "cost_delta": rec.cost_delta, "co2": rec.co2,
                    "co2_delta": rec.co2_delta, "currency": rec.currency})
        for target, texts in rec.driver_texts().items():
            row[f"{target}_drivers"] = "; ".join(texts)
        row["binding"] = "; ".join(b.text() for b in rec.binding)
        if rec.score is not None:
            row["exploration_score"] = rec.score
        rows.append(row)
    return pd.DataFrame(rows)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    Raises:
        FormixError: the folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise FormixError(f"cannot write {path}: {error}") from error


def write_excel_atomic(path: Path, frame: Any) -> None:
    """Write ``frame`` as an Excel sheet through a temporary file and a rename.

    Raises:
        FormixError: the folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx",
                                         dir=path.parent)
    os.close(handle)
    try:
        frame.to_excel(temporary, index=False, sheet_name="recommendations", engine="openpyxl")
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise FormixError(f"cannot write {path}: {error}") from error


# ---------------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:60rem;
color:#1d2733;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin:0 0 .4rem}
.meta{color:#5a6875;font-size:.9rem}.card{border:1px solid #d5dde5;border-radius:8px;
padding:1rem 1.2rem;margin:1.2rem 0}table{border-collapse:collapse;margin:.4rem 0 .8rem}
td,th{padding:.2rem .7rem;text-align:right;border-bottom:1px solid #eef2f5}
th:first-child,td:first-child{text-align:left}th{font-weight:600;color:#3c4a57}
.up{color:#1b7a3a}.down{color:#b0302a}.badge{display:inline-block;padding:.05rem .5rem;
border-radius:1rem;font-size:.8rem;font-weight:600}.inside{background:#dff3e4;color:#1b6a33}
.edge{background:#fff1cc;color:#7a5a00}.outside{background:#fbdcdc;color:#8a1f1a}
ul{margin:.3rem 0 .6rem 1.1rem;padding:0}.reasons{color:#3c4a57}
"""


def html_report(recommendations: Sequence[ExplainedRecommendation], *,
                title: str = "Recommended recipes",
                run: Mapping[str, Any] | None = None) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external files)."""
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class=\"meta\">Formix report, {created}. Predictions come with "
        "intervals; recipes outside the data's domain are marked. Try recipes as trial "
        "batches before production.</p>",
    ]
    if run:
        items = "".join(f"<li>{_e(k)}: {_e(_fmt(v))}</li>" for k, v in run.items()
                        if not isinstance(v, dict | list))
        parts.append(f"<ul class=\"meta\">{items}</ul>")
    if not recommendations:
        parts.append("<p>No recipe satisfies every constraint of the study.</p>")
    for rec in recommendations:
        parts.append(_card(rec))
    parts.append("</body></html>")
    return "\n".join(parts)


def _card(rec: ExplainedRecommendation) -> str:
    badge = f"<span class=\"badge {_e(rec.domain_label)}\">{_e(rec.domain_label)}</span>"
    label = "Trial" if rec.kind == "exploration" else "Recipe"
    ident = f" · id {rec.id}" if rec.id is not None else ""
    out = [f"<section class=\"card\"><h2>{label} {rec.rank}{ident} {badge}</h2>",
           f"<p class=\"reasons\">{_e(', '.join(rec.reasons))}</p>"]
    base = _e(rec.baseline_name) if rec.baseline_name else "—"
    rows = "".join(
        f"<tr><td>{_e(c.name)}</td><td>{_e(_fmt(c.baseline)) if c.baseline is not None else '—'}"
        f"</td><td><b>{_e(_fmt(c.value))}</b></td><td>{_delta_cell(c.delta)}</td>"
        f"<td>{_e(c.unit)}</td></tr>"
        for c in rec.changes)
    out.append(f"<table><tr><th>ingredient / setting</th><th>baseline ({base})</th>"
               f"<th>recommended</th><th>change</th><th>unit</th></tr>{rows}</table>")
    rows = "".join(
        f"<tr><td>{_e(p.target)}</td><td><b>{_e(_fmt(p.mean))}</b></td>"
        f"<td>{_e(_fmt(p.lower))} – {_e(_fmt(p.upper))}</td>"
        f"<td>{_e(_fmt(p.baseline_mean)) if p.baseline_mean is not None else '—'}</td>"
        f"<td>{_e(p.unit)}</td></tr>"
        for p in rec.properties)
    coverage = f"{rec.properties[0].coverage:.0%}" if rec.properties else ""
    out.append(f"<table><tr><th>predicted</th><th>value</th><th>{coverage} interval</th>"
               f"<th>baseline</th><th>unit</th></tr>{rows}")
    for name, value, delta, unit in (("cost", rec.cost, rec.cost_delta, rec.currency),
                                     ("CO₂", rec.co2, rec.co2_delta, "kg CO₂e")):
        if value is not None:
            out.append(f"<tr><td>{name}</td><td><b>{_e(_fmt(value))}</b></td>"
                       f"<td>{_delta_cell(delta, lower_is_better=True)}</td><td></td>"
                       f"<td>{_e(unit)}</td></tr>")
    out.append("</table>")
    for attribution in rec.attributions:
        if not attribution.drivers:
            continue
        items = "".join(f"<li>{_e(d.text)}</li>" for d in attribution.drivers)
        if abs(attribution.other) >= 0.05:
            other = f"{_signed(attribution.other)} {attribution.unit}"
            items += f"<li>other inputs and interactions → {_e(other)}</li>"
        out.append(f"<p><b>Why {_e(attribution.target)} changes</b> "
                   f"({_e(_signed(attribution.predicted_change))} {_e(attribution.unit)} "
                   f"against the baseline):</p><ul>{items}</ul>")
    if rec.binding:
        items = "".join(f"<li>{_e(b.text())}</li>" for b in rec.binding)
        out.append(f"<p><b>Binding constraints</b> (relaxing them could do better):</p>"
                   f"<ul>{items}</ul>")
    out.append("</section>")
    return "\n".join(out)


def _delta_cell(delta: float | None, lower_is_better: bool = False) -> str:
    if delta is None or abs(delta) < 1e-9:
        return ""
    good = (delta < 0) if lower_is_better else None
    css = "" if good is None else (" class=\"up\"" if good else " class=\"down\"")
    return f"<span{css}>{_e(_signed(delta))}</span>"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
