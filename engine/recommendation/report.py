"""Export explained recommendations as CSV, JSON or a self-contained HTML report (atomically)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.errors import FormixError
from engine.optimisation.predictor import DOMAIN_LABELS
from engine.recommendation.explain import ExplainedRecommendation
from engine.recommendation.report_html import html_report

__all__ = ["SUFFIXES", "export_recommendations", "html_report", "recommendations_frame",
           "write_excel_atomic", "write_text_atomic"]

SUFFIXES = (".csv", ".json", ".html", ".xlsx")


def export_recommendations(recommendations: Sequence[ExplainedRecommendation],
                           path: str | Path, *, title: str = "Recommended recipes",
                           run: Mapping[str, Any] | None = None) -> Path:
    """Write ``recommendations`` to ``path``; the format follows the suffix.

    Args:
        recommendations: explained recommendations (or exploration trials).
        path: ``.csv`` or ``.xlsx`` (one row per recipe, flat columns), ``.json`` (the full
            explanations) or ``.html`` (a readable report that needs no other file, see
            :mod:`engine.recommendation.report_html`).
        title: heading of the HTML report.
        run: optional run figures (``OptimisationRun.summary()``, with the study's
            ``description``) shown in the report and kept in the JSON.

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
    """One row per recommendation: recipe, deltas, predictions, cost/CO₂, drivers, binding.

    Columns of quantities name their unit ("cement [kg/m³]", "cost [USD/m³]").
    """
    import pandas as pd

    rows = []
    for rec in recommendations:
        row: dict[str, Any] = {"id": rec.id, "rank": rec.rank, "kind": rec.kind,
                               "reasons": "; ".join(rec.reasons)}
        for change in rec.changes:
            row[_with_unit(change.name, change.unit)] = change.value
            if change.delta is not None:
                row[_with_unit(f"{change.name}_delta", change.unit)] = change.delta
        for p in rec.properties:
            row.update({_with_unit(f"{p.target}_{key}", p.unit): value for key, value in
                        (("mean", p.mean), ("lower", p.lower), ("upper", p.upper))})
            if p.baseline_mean is not None:
                row[_with_unit(f"{p.target}_mean_delta", p.unit)] = p.mean - p.baseline_mean
        if rec.domain_label in DOMAIN_LABELS:  # none for a study that uses no model
            row.update({"domain": rec.domain_label, "domain_score": rec.domain_score})
        row.update({_with_unit("cost", rec.cost_unit): rec.cost,
                    _with_unit("cost_delta", rec.cost_unit): rec.cost_delta,
                    _with_unit("co2", rec.co2_unit): rec.co2,
                    _with_unit("co2_delta", rec.co2_unit): rec.co2_delta,
                    "currency": rec.currency})
        for target, texts in rec.driver_texts().items():
            row[f"{target}_drivers"] = "; ".join(texts)
        row["binding"] = "; ".join(b.text() for b in rec.binding)
        if rec.score is not None:
            row["exploration_score"] = rec.score
        rows.append(row)
    return pd.DataFrame(rows)


def _with_unit(name: str, unit: str) -> str:
    return f"{name} [{unit}]" if unit else name


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
