"""Real plant-style data from ../shared (skipped when the shared datasets are absent)."""

from __future__ import annotations

import json

import pytest
from model_testdata import SHARED

from engine.cli import main
from engine.models.dataset import read_flat_table

DATASETS = SHARED / "datasets"
UCI = DATASETS / "uci_concrete_compressive_strength" / "Concrete_Data.xls"
SLUMP = DATASETS / "uci_concrete_slump_test" / "slump_test.data"


def _need(path):
    if not path.is_file():
        pytest.skip(f"shared dataset not found: {path}")


def test_uci_headers_are_stripped_so_the_target_can_be_named():
    _need(UCI)
    frame = read_flat_table(UCI)
    assert frame.shape == (1030, 9)
    assert "Concrete compressive strength(MPa, megapascals)" in frame.columns  # raw has a space


def test_slump_three_targets_from_one_command(capsys):
    _need(SLUMP)
    targets = ["SLUMP(cm)", "FLOW(cm)", "Compressive Strength (28-day)(Mpa)"]
    args = [
        "evaluate",
        str(SLUMP),
        "--drop",
        "No",
        "--folds",
        "5",
        "--json",
        "--quiet",
        "--rounds",
        "150",
        "--calibration-folds",
        "5",
    ]
    for target in targets:
        args += ["--target", target]
    assert main(args) == 0
    rows = {r["target"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(targets)
    assert all(r["n_rows"] == 103 for r in rows.values())
    assert rows["Compressive Strength (28-day)(Mpa)"]["r2"] > 0.6  # strength is learnable
