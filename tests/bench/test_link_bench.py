"""``formix bench link`` at a reduced size: runs every phase and reports time and memory."""

from __future__ import annotations

import argparse
import json

import pytest

from engine.linking import bench


@pytest.mark.bench
def test_link_bench_runs_at_reduced_size(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--rows", "200000", "--batches", "2000", "--json",
                              "--keep", str(tmp_path), "--in-memory"])
    assert bench.run(args) == 0
    result = json.loads(capsys.readouterr().out)
    link = result["phases"]["link"]
    assert link["seconds"] < 10 and link["peak_rss_bytes"] < bench.TARGET_BYTES
    assert link["counts"]["batches"] == 2000
    assert link["counts"]["series_rows"] == 200000
    assert (tmp_path / "files" / "historian.csv").stat().st_size > 0
    assert result["targets_met"] is True
