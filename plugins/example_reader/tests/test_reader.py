"""Tests of the example reader: the Formix contract suite plus format-specific checks.

Run them with the plugin installed (or from this folder): ``python -m pytest``. The
``reader_registry`` fixture comes from Formix's pytest plugin (installed with Formix).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from formix_example_reader.reader import BatchControllerReader

from engine.ingest import normalise, suggest_mapping
from engine.schema import DatasetKind
from engine.testing import BadSample, ReaderContract

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
BATCH = "BATCH;B1;R1;2024-05-01 08:00:00;2024-05-01 08:05:00;2.0\n"


class TestBatchControllerContract(ReaderContract):
    """Formix's reader contract, run over this reader."""

    reader_factory = BatchControllerReader
    sample_files = (SAMPLES / "batches.bctl",)
    expected_produces = DatasetKind.BATCHES
    bad_samples = (
        BadSample("amount.bctl", f"#BATCHCTL v2\n{BATCH}DOSE;cement;abc;kg\nEND\n",
                  row=3, column="amount", reason="not a number"),
        BadSample("unit.bctl", f"#BATCHCTL v2\n{BATCH}DOSE;cement;700;lb\nEND\n",
                  row=3, column="unit", reason="unknown unit"),
        BadSample("cut.bctl", f"#BATCHCTL v2\n{BATCH}DOSE;cement;700;kg\n",
                  row=2, reason="cut off"),
        BadSample("orphan.bctl", "#BATCHCTL v2\nDOSE;cement;700;kg\n",
                  row=2, column="record", reason="outside a batch"),
    )


def test_amounts_are_per_cubic_metre() -> None:
    table = BatchControllerReader().read(SAMPLES / "batches.bctl").tables[0]
    assert list(table.frame["Batch"]) == ["B-1001", "B-1002", "B-1003"]
    assert list(table.row_numbers) == [3, 9, 15]
    assert table.frame["Cement (kg/m3)"].tolist() == pytest.approx([350.5, 349.8, 420.8])
    assert table.frame["Sand (kg/m3)"].iloc[1] == pytest.approx(812.0)  # 2.03 t in 2.5 m³
    assert set(table.frame["Plant"]) == {"North"}


def test_formix_maps_the_table_without_a_profile() -> None:
    table = BatchControllerReader().read(SAMPLES / "batches.bctl").tables[0]
    suggestion = suggest_mapping(table)
    assert suggestion.profile.kind == DatasetKind.BATCHES
    result = normalise(table, suggestion.profile, "batches.bctl")
    assert result.ok, result.errors
    assert len(result.frames["batches"]) == 3
    assert len(result.frames["batch_amounts"]) == 12


def test_the_registry_chooses_this_reader(reader_registry: Any) -> None:
    reader_registry.add_plugin("formix_example_reader", name="example")
    (info,) = reader_registry.plugins()
    assert (info.name, info.status, info.version) == ("example", "ok", "0.1.0")
    reader = reader_registry.reader_for(SAMPLES / "batches.bctl")
    assert isinstance(reader, BatchControllerReader)
