"""Run one engine service call off the UI thread and hand its outcome back as a value.

A page creates a ``TaskRunner`` and starts a *job*: a callable taking ``(progress, cancel)``
that calls one ``engine.services`` function. The job runs on the runner's ``QThreadPool``.

Why a relay: a signal emitted in a pool thread and connected to a plain Python callable runs
that callable in the pool thread (pytest-qt's ``waitSignal`` then fails with "Timers cannot
be stopped from another thread"), and a pool thread holding references to per-task QObjects
can end up deleting them there (PySide crashed in ``~QObject`` that way). So pool threads see
only one long-lived relay QObject per runner and emit plain values on it (task id, fraction,
message), *queued* to the GUI thread; the runner then emits the public ``Task.progress`` and
``Task.finished`` signals from the GUI thread. Outcomes (any Python object) stay on the Python
side, in a dict keyed by task id.

Progress is throttled in the pool thread (at most ``MAX_UPDATES_PER_SECOND``), so a chatty
engine loop cannot flood the event queue. Errors never escape as tracebacks: they become a
``TaskOutcome`` with a readable message (and the findings of a rejected import).
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from engine.errors import Finding, FormixError, ImportRejected, ReaderError, Severity
from engine.progress import Cancelled, CancelToken, ProgressCallback

__all__ = [
    "MAX_UPDATES_PER_SECOND",
    "Job",
    "LatestValue",
    "Task",
    "TaskOutcome",
    "TaskRunner",
    "running_task_names",
]

MAX_UPDATES_PER_SECOND = 20
_MIN_INTERVAL_S = 1.0 / MAX_UPDATES_PER_SECOND

Job = Callable[[ProgressCallback, CancelToken], Any]
"""A job: calls one service with the given progress callback and cancel token."""

# Every job currently executing in any pool thread, by id → name: lets tests fail when a
# worker outlives them, and lets the app warn before quitting.
_RUNNING: dict[int, str] = {}
_RUNNING_LOCK = threading.Lock()


def running_task_names() -> list[str]:
    """Names of the jobs executing right now in any runner (thread-safe)."""
    with _RUNNING_LOCK:
        return sorted(_RUNNING.values())


@dataclass(frozen=True)
class TaskOutcome:
    """What a job ended with: a value, or a readable error, or cancellation.

    Attributes:
        value: the service's return value when the job succeeded.
        error: a message a plant engineer can read, or None on success.
        details: technical details of an unexpected error (type and traceback) for a
            "Details" box; None for expected errors.
        findings: file/row/column/reason findings (a rejected import, a reader error).
        cancelled: the user cancelled; ``error`` is None then.
    """

    value: Any = None
    error: str | None = None
    details: str | None = None
    findings: tuple[Finding, ...] = ()
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """Whether the job finished without error or cancellation."""
        return self.error is None and not self.cancelled


def outcome_of_error(error: BaseException) -> TaskOutcome:
    """Turn an exception from a job into a TaskOutcome (never re-raises)."""
    if isinstance(error, Cancelled):
        return TaskOutcome(cancelled=True)
    if isinstance(error, ImportRejected):
        n_errors = sum(1 for f in error.findings if f.severity is Severity.ERROR)
        return TaskOutcome(
            error=f"Import rejected, nothing was written: {n_errors} error(s) to fix "
            "(see the list below).",
            findings=error.findings,
        )
    if isinstance(error, ReaderError):
        return TaskOutcome(error=str(error), findings=(error.finding,))
    if isinstance(error, FormixError):
        return TaskOutcome(error=str(error))
    if isinstance(error, ValueError) and type(error).__name__ == "ValidationError":
        # pydantic's ValidationError (checked by name: the desktop does not import pydantic):
        # an invalid mapping or profile value the user typed.
        first_lines = "\n".join(str(error).splitlines()[:6])
        return TaskOutcome(error=f"Invalid value: {first_lines}", details=_details(error))
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return TaskOutcome(error=f"Could not access a file{where}: {error.strerror or error}",
                           details=_details(error))
    summary = str(error).splitlines()[0][:300].rstrip(". ") if str(error) else (
        type(error).__name__)
    return TaskOutcome(
        error=f"Something unexpected went wrong: {summary}. The details can be sent to "
        "the Formix team.",
        details=_details(error),
    )


def _details(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


class _ThrottledProgress:
    """A thread-safe progress callback for the engine: throttles and honours cancel.

    Raising ``Cancelled`` from the callback also stops services that report progress but
    take no cancel token (their next progress report ends them).
    """

    def __init__(self, emit: Callable[[float, str], None], cancel: CancelToken) -> None:
        self._emit = emit
        self._cancel = cancel
        self._last = 0.0
        self._lock = threading.Lock()

    def __call__(self, fraction: float, message: str) -> None:
        self._cancel.raise_if_cancelled()
        now = time.monotonic()
        with self._lock:
            if fraction < 1.0 and now - self._last < _MIN_INTERVAL_S:
                return
            self._last = now
        self._emit(float(min(max(fraction, 0.0), 1.0)), str(message))


class LatestValue:
    """A thread-safe mailbox keeping only the newest value a pool thread put in it.

    For results a job produces along the way (e.g. the Pareto front of each generation): the
    job calls ``put`` from its thread, the page polls ``take`` from a GUI-thread timer. Plain
    Python, no QObject, so nothing Qt-owned is touched from the pool thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Any = None
        self._fresh = False

    def put(self, value: Any) -> None:
        """Replace the value (any thread)."""
        with self._lock:
            self._value, self._fresh = value, True

    def take(self) -> tuple[bool, Any]:
        """``(True, value)`` if a value came since the last take, else ``(False, None)``."""
        with self._lock:
            if not self._fresh:
                return False, None
            self._fresh = False
            return True, self._value


class Task(QObject):
    """One started job, living in (and only ever touched by) the GUI thread.

    Python-owned (no Qt parent) and never referenced by a pool thread, so it is created,
    used and deleted in the GUI thread only.

    Signals (emitted in the GUI thread):
        progress(float, str): throttled fraction in [0, 1] and message.
        finished(TaskOutcome): exactly once, unless the runner was shut down first.
    """

    progress = Signal(float, str)
    finished = Signal(object)

    def __init__(self, name: str, token: CancelToken) -> None:
        super().__init__()
        self.name = name
        self.token = token
        self.outcome: TaskOutcome | None = None
        self.discarded = False

    def cancel(self) -> None:
        """Ask the job to stop at its next check (thread-safe; returns at once)."""
        self.token.cancel()

    @property
    def done(self) -> bool:
        """Whether the outcome has been delivered."""
        return self.outcome is not None

    def discard(self) -> None:
        """Cancel, and never deliver the outcome (the receiver is going away)."""
        self.discarded = True
        self.token.cancel()


class _Relay(QObject):
    """Carries plain values from pool threads to the GUI thread, one per runner.

    Pool threads only ever see this object (which outlives them: ``shutdown`` waits for
    the pool) and pure-Python values; outcomes wait in ``outcomes`` until the queued
    ``done`` signal names their task id.
    """

    progress = Signal(int, float, str)
    done = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: dict[int, TaskOutcome] = {}
        self.lock = threading.Lock()


def _run_job(relay: _Relay, task_id: int, name: str, token: CancelToken, job: Job) -> None:
    """The pool-thread side of a task: run the job, keep its outcome, signal the GUI thread."""
    with _RUNNING_LOCK:
        _RUNNING[task_id] = name
    try:
        try:
            token.raise_if_cancelled()
            progress = _ThrottledProgress(
                lambda fraction, message: relay.progress.emit(task_id, fraction, message), token
            )
            outcome = TaskOutcome(value=job(progress, token))
        except BaseException as error:  # every error becomes a value for the page
            outcome = outcome_of_error(error)
        with relay.lock:
            relay.outcomes[task_id] = outcome
        relay.done.emit(task_id)
    finally:
        with _RUNNING_LOCK:
            _RUNNING.pop(task_id, None)


class TaskRunner(QObject):
    """Starts jobs on its own thread pool; a page owns one and shuts it down on close.

    Signals:
        busy_changed(bool): whether any job is running.
    """

    busy_changed = Signal(bool)
    _ids = itertools.count(1)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._relay.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._tasks: dict[int, Task] = {}
        self._closed = False

    def start(
        self,
        name: str,
        job: Job,
        on_done: Callable[[TaskOutcome], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        replaces: Task | None = None,
    ) -> Task:
        """Run ``job(progress, cancel)`` on a pool thread.

        Args:
            name: what the job does, for messages and leak reports.
            job: calls one service; its return value becomes ``TaskOutcome.value``.
            on_done: called in the GUI thread with the outcome.
            on_progress: called in the GUI thread with (fraction, message).
            replaces: an earlier task this one supersedes (a rebuild, a new pick): it is
                cancelled and its outcome is never delivered, so a slow old job cannot
                overwrite the new one's result or end its progress display.

        Returns:
            The task; connect to its signals or call ``cancel()``. After ``shutdown`` the
            job is not run and the task is already cancelled (``outcome.cancelled``).
        """
        if replaces is not None:
            replaces.discard()
        task_id = next(self._ids)
        task = Task(name, CancelToken())
        if self._closed:  # a late timer or click after the page closed: never runs
            task.discard()
            task.outcome = TaskOutcome(cancelled=True)
            return task
        if on_progress is not None:
            task.progress.connect(on_progress)
        if on_done is not None:
            task.finished.connect(on_done)
        self._tasks[task_id] = task
        if len(self._tasks) == 1:
            self.busy_changed.emit(True)
        self._pool.start(functools.partial(_run_job, self._relay, task_id, name, task.token, job))
        return task

    @property
    def busy(self) -> bool:
        """Whether any job of this runner has not delivered its outcome yet."""
        return bool(self._tasks)

    @property
    def closed(self) -> bool:
        """Whether ``shutdown`` was called (new jobs are then discarded unrun)."""
        return self._closed

    def cancel_all(self) -> None:
        """Ask every running job to stop (returns at once)."""
        for task in list(self._tasks.values()):
            task.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel every job, wait for the pool threads, and drop outcomes not yet delivered.

        Returns:
            Whether every job stopped within the timeout.
        """
        self._closed = True
        for task in list(self._tasks.values()):
            task.discard()
        stopped = self._pool.waitForDone(timeout_ms)
        if self._tasks:
            self._tasks.clear()
            self.busy_changed.emit(False)
        with self._relay.lock:
            self._relay.outcomes.clear()
        return bool(stopped)

    @Slot(int, float, str)
    def _on_progress(self, task_id: int, fraction: float, message: str) -> None:
        task = self._tasks.get(task_id)
        if task is not None and not task.discarded:
            task.progress.emit(fraction, message)

    @Slot(int)
    def _on_done(self, task_id: int) -> None:
        with self._relay.lock:
            outcome = self._relay.outcomes.pop(task_id, None)
        task = self._tasks.pop(task_id, None)
        if task is None or outcome is None:
            return
        if not self._tasks:
            self.busy_changed.emit(False)
        task.outcome = outcome
        if not task.discarded:
            task.finished.emit(outcome)
