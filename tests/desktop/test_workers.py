"""Workers: outcomes as values, queued GUI-thread signals, throttling, cancel, shutdown."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from desktop.workers import MAX_UPDATES_PER_SECOND, TaskOutcome, TaskRunner, running_task_names
from engine.errors import Finding, FormixError, ImportRejected, ReaderError, Severity
from engine.progress import Cancelled
from tests.desktop.conftest import check_no_leaked_workers

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def _finish(qtbot, task) -> TaskOutcome:
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        pass
    return blocker.args[0]


def test_value_is_delivered_in_the_gui_thread(qtbot, runner) -> None:
    seen_threads = []

    def job(progress, cancel):
        seen_threads.append(QThread.currentThread())
        return 42

    task = runner.start("answer", job)
    delivered_in = []
    task.finished.connect(lambda _o: delivered_in.append(QThread.currentThread()))
    outcome = _finish(qtbot, task)
    assert outcome.ok and outcome.value == 42
    gui = QApplication.instance().thread()
    assert seen_threads[0] is not gui
    assert delivered_in == [gui]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (FormixError("project.formix: not a Formix project"), "not a Formix project"),
        (KeyError("boom"), "Something unexpected went wrong"),
        (ValueError("assignment destination is read-only"), "Something unexpected went wrong"),
    ],
)
def test_errors_become_readable_values(qtbot, runner, error, expected) -> None:
    def job(progress, cancel):
        raise error

    outcome = _finish(qtbot, runner.start("failing", job))
    assert not outcome.ok and expected in outcome.error
    assert "Traceback" not in outcome.error
    if isinstance(error, FormixError):
        assert outcome.details is None  # a user error: the message is all there is to say
    else:
        assert "Traceback" in outcome.details  # for a "Details" box, never the main text


def test_rejected_import_returns_its_findings(qtbot, runner) -> None:
    findings = [Finding("lab.csv", 7, "Age", "not a number: 'x'"),
                Finding("lab.csv", None, None, "3 rows dropped", Severity.WARNING)]

    def job(progress, cancel):
        raise ImportRejected(findings)

    outcome = _finish(qtbot, runner.start("import", job))
    assert outcome.findings == tuple(findings)
    assert "1 error(s)" in outcome.error

    def reader_job(progress, cancel):
        raise ReaderError("x.csv", 3, "Water", "truncated line")

    outcome = _finish(qtbot, runner.start("read", reader_job))
    assert outcome.findings[0].row == 3 and outcome.findings[0].column == "Water"


def test_progress_is_throttled_and_queued(qtbot, runner) -> None:
    def job(progress, cancel):
        start = time.monotonic()
        for i in range(20_000):
            progress(i / 20_000, f"step {i}")
        progress(1.0, "done")
        return time.monotonic() - start

    received: list[tuple[float, str]] = []
    task = runner.start("chatty", job, on_progress=lambda f, m: received.append((f, m)))
    outcome = _finish(qtbot, task)
    qtbot.wait(50)
    allowed = outcome.value * MAX_UPDATES_PER_SECOND + 3
    assert 1 <= len(received) <= allowed
    assert received[-1] == (1.0, "done")


def test_cancel_stops_a_job_at_its_next_check(qtbot, runner) -> None:
    started = threading.Event()

    def job(progress, cancel):
        started.set()
        while True:
            progress(0.5, "working")  # raises Cancelled once cancelled
            time.sleep(0.005)

    task = runner.start("endless", job)
    assert started.wait(5)
    task.cancel()
    outcome = _finish(qtbot, task)
    assert outcome.cancelled and not outcome.ok and outcome.error is None


def test_a_replaced_task_is_stopped_and_never_delivers(qtbot, runner) -> None:
    """A rebuild started while the old one runs: only the new outcome reaches the page."""
    started = threading.Event()

    def slow(progress, cancel):
        started.set()
        while not cancel.cancelled:
            time.sleep(0.005)
        return "old"

    delivered = []
    old = runner.start("build", slow, delivered.append)
    assert started.wait(5)
    new = runner.start("build", lambda p, c: "new", delivered.append, replaces=old)
    assert _finish(qtbot, new).value == "new"
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert [o.value for o in delivered] == ["new"]
    assert old.token.cancelled and old.outcome.value == "old"


def test_shutdown_cancels_and_waits(qtbot) -> None:
    runner = TaskRunner()
    started = threading.Event()

    def job(progress, cancel):
        started.set()
        while not cancel.cancelled:
            time.sleep(0.005)
        raise Cancelled()

    task = runner.start("until cancelled", job)
    delivered = []
    task.finished.connect(delivered.append)
    assert started.wait(5)
    assert runner.shutdown(timeout_ms=5000)
    assert running_task_names() == []
    qtbot.wait(20)
    assert delivered == []  # the receiver is going away: no outcome is delivered
    ran = []
    late = runner.start("after shutdown", lambda p, c: ran.append(1))
    qtbot.wait(20)
    assert ran == [] and late.outcome.cancelled and running_task_names() == []


def test_leak_guard_fails_while_a_worker_runs(qtbot) -> None:
    runner = TaskRunner()
    release = threading.Event()
    started = threading.Event()

    def job(progress, cancel):
        started.set()
        release.wait(5)

    runner.start("leaky", job)
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    with pytest.raises(pytest.fail.Exception, match="leaky"):
        check_no_leaked_workers(grace_s=2.0)
    runner.shutdown()
