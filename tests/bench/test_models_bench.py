"""Models benchmark (run with ``pytest -m bench``): baselines on the same folds, scoring speed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from engine.models import bench

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
UCI = SHARED / "datasets" / "uci_concrete_compressive_strength" / "Concrete_Data.xls"


def _args(**overrides: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args([])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


@pytest.mark.bench
def test_lightgbm_matches_baselines_on_the_same_folds(capsys):
    if not UCI.is_file():
        pytest.skip(f"UCI concrete data not found at {UCI} (shared datasets are not in the repo)")
    assert bench.run(_args(data=UCI, repeats=1, skip_scoring=True, json=True)) == 0
    report = json.loads(capsys.readouterr().out)
    for protocol in ("group", "random"):
        result = report["accuracy"][protocol]
        # at least as accurate as both scikit-learn baselines on identical folds
        assert result["rmse_ratio_formix_to_random_forest"] < 1.0
        assert result["rmse_ratio_formix_to_hist_gradient_boosting"] < 1.0


@pytest.mark.bench
def test_scoring_overhead_over_raw_booster_predict(capsys):
    rows = 200_000
    assert bench.run(_args(data=UCI, rows=rows, skip_accuracy=True, json=True)) == 0
    scoring = json.loads(capsys.readouterr().out)["scoring"]
    assert scoring["rows"] == rows
    assert scoring["overhead"] <= 0.25  # intervals + domain labels cost ≤ 25 % of raw predict
    assert set(scoring["domain_share"]) <= {"inside", "edge", "outside"}
