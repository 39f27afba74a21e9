"""Benchmark (``pytest -m bench``): the window never freezes during long work."""

from __future__ import annotations

import pytest

from desktop.bench_responsiveness import measure_cold_start, run
from desktop.service_gaps import has_service

pytestmark = [pytest.mark.bench, pytest.mark.gui]

MAX_STALL_MS = 250  # a stall users notice; the measured value is printed for the record
TARGET_STALL_MS = 100  # the goal while training and optimising (reported, see README)
MAX_COLD_START_S = 3.0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # engine: xlrd (NEEDS_FROM_ENGINE #2)
def test_ui_thread_stalls_stay_short(qtbot) -> None:
    result = run(include_engine=True)
    phases = {phase["phase"]: phase for phase in result["phases"]}
    for phase in result["phases"]:
        print(phase)
        if phase["phase"] == "optimise" and not has_service("optimise"):
            continue  # the page says "not available yet" until the service exists
        assert phase["finished"] and "error" not in phase, phase
        assert phase["max_stall_ms"] < MAX_STALL_MS, phase
    for name in ("train", "optimise"):
        if phases[name].get("finished"):
            print(f"{name}: longest UI stall {phases[name]['max_stall_ms']} ms "
                  f"(target {TARGET_STALL_MS} ms)")


def test_cold_start_is_quick() -> None:
    result = measure_cold_start(repeats=3)
    print(result)
    assert result["runs"] == 3 and result["cold_start_s_median"] < MAX_COLD_START_S
