"""The Trials page records through the engine's checks: a batch typed in as not imported yet is
recorded as such, one of another recipe is refused with the engine's reason, and "Record anyway"
records it when the plant says it did follow the recommendation."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from desktop.pages.trials_page import TrialsPage
from engine import services
from tests.desktop.conftest import TrainedDemo, copy_project, needs_services

pytestmark = pytest.mark.gui

TIMEOUT_MS = 120_000


@needs_services("record_trial", "trials", "saved_recommendations", "check_trial")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_page_records_typed_batches_and_offers_to_record_a_refused_one_anyway(
        qtbot, trained_demo: TrainedDemo, tmp_path: Path) -> None:
    location = copy_project(Path(trained_demo.location), tmp_path / "trials")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run = services.optimise(location, None, generations=3, population=16)  # demo study
        services.recommend(location, run)
    page = TrialsPage()
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.trials_shown, timeout=TIMEOUT_MS):
        page.set_project(location)
    ident = page.recommendation_combo.currentData()

    page.batch_filter.setText("B9999X")  # made today; its batch file comes later
    page.add_typed_batches()
    page.record()
    qtbot.waitUntil(lambda: page.record_task is None, timeout=TIMEOUT_MS)
    assert page.message.text().startswith(f"Recorded: recommendation {ident}")
    assert list(services.trials(location)["batch_id"].unique()) == ["B9999X"]

    page.set_batches_checked(["B00001"])  # a demo batch, not made to the recommendation
    page.record()
    qtbot.waitUntil(lambda: page.record_task is None, timeout=TIMEOUT_MS)
    assert (f"batch B00001 (weighed amounts) differs from recommendation {ident}"
            in page.message.text())
    assert "--force" not in page.message.text()
    assert page.force_button.isVisible()
    assert set(services.trials(location)["batch_id"]) == {"B9999X"}
    page.grab().save(str(tmp_path / "trials_refused.png"))

    page.force_button.click()
    qtbot.waitUntil(lambda: page.record_task is None, timeout=TIMEOUT_MS)
    assert set(services.trials(location)["batch_id"]) == {"B9999X", "B00001"}
    assert not page.force_button.isVisible()
