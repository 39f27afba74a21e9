"""Closing the loop: a recommendation tried by batches, compared with their lab results."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import optimisation_services
from engine.errors import FormixError
from engine.storage import ProjectStore


def _lab_28(location: Path, batch: str) -> float:
    with ProjectStore.open(location) as store:
        labs = store.read("lab_results")
    rows = labs[(labs["batch_id"] == batch) & (labs["test_age_days"] == 28.0)]
    return float(rows["value"].mean())


def test_trials_compare_measured_with_predicted_and_give_the_hit_rate(
        tmp_path: Path, run_project: Path, demo_recommendations: Any) -> None:
    project = tmp_path / "demo.formix"
    shutil.copy(run_project, project)
    first, second = demo_recommendations[0], demo_recommendations[1]
    assert optimisation_services.trials(project).empty
    # B00001 and B00002 have real 28-day strengths but were not made to the recommendation
    # (force); B09999 is not imported yet
    optimisation_services.record_trial(project, first.id, ["B00001", "B00002"], note="trial",
                                       force=True)
    optimisation_services.record_trial(project, second.id, "B09999", not_imported_yet=True)
    frame = optimisation_services.trials(project)
    assert len(frame) == 3
    by_batch = frame.set_index("batch_id")
    (strength,) = first.properties
    for batch in ("B00001", "B00002"):
        row = by_batch.loc[batch]
        assert row["measured"] == pytest.approx(_lab_28(project, batch))
        assert row["predicted"] == pytest.approx(strength.mean)
        assert row["test_age_days"] == 28.0
        assert bool(row["inside"]) == (strength.lower <= row["measured"] <= strength.upper)
    assert by_batch.loc["B09999", "n_measurements"] == 0
    assert by_batch.loc["B09999", "inside"] is pd_na()
    inside = [bool(by_batch.loc[b, "inside"]) for b in ("B00001", "B00002")]
    assert frame.attrs["hit_rate"] == pytest.approx(sum(inside) / 2)
    assert frame.attrs["n_trials"] == 3 and frame.attrs["n_measured"] == 2
    assert frame.attrs["coverage"] == pytest.approx(0.9)
    assert by_batch.loc["B00001", "note"] == "trial" and pd.isna(by_batch.loc["B09999", "note"])


def pd_na() -> Any:
    import pandas as pd

    return pd.NA


def test_recording_errors_are_clear(tmp_path: Path, run_project: Path,
                                    demo_recommendations: Any) -> None:
    project = tmp_path / "demo.formix"
    shutil.copy(run_project, project)
    rec = demo_recommendations[0]
    optimisation_services.record_trial(project, rec.id, ["B00010"], force=True)
    with pytest.raises(FormixError, match="already recorded"):
        optimisation_services.record_trial(project, rec.id, ["B00010"], force=True)
    with pytest.raises(FormixError, match="no recommendation 999"):
        optimisation_services.record_trial(project, 999, ["B00010"])
    with pytest.raises(FormixError, match="at least one batch"):
        optimisation_services.record_trial(project, rec.id, [])
