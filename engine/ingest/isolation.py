"""Isolation of reader plugins: a misbehaving reader is reported and switched off, not fatal.

The registry creates readers from a *guarded subclass* of the plugin's class (same name, module
and attributes, so the plugin's own code and ``isinstance`` checks see no difference) whose
``can_read`` and ``read`` go through a ``Guard``:

* ``ReaderError`` (a problem in the file) passes through unchanged; ``OSError`` becomes a
  ``ReaderError`` naming the file. Neither switches the plugin off.
* Any other exception, a ``can_read`` that does not return a bool, and a ``read`` that does not
  return a ``ReadResult`` of ``SourceTable`` s with one row number per row are plugin bugs: the
  plugin is switched off for the session and a ``PluginFailure`` (a ``ReaderError`` naming the
  plugin, the reader and the file) is raised, which the importer reports as a finding.
* With a time limit (third-party plugins; ``read_timeout_seconds`` in the plugin settings) the
  call runs in a daemon worker thread. When it neither finishes nor reports progress within
  the limit it is treated as hung: the plugin is switched off and the caller gets a
  ``PluginFailure`` at once. Python cannot kill a thread, so the hung call goes on in the
  background until it returns or the process ends; its result is discarded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import FormixError, ReaderError
from engine.ingest.reader import ReadResult, SourceTable
from engine.progress import Cancelled, ProgressCallback, no_progress
from engine.schema import DatasetKind

__all__ = ["Guard", "PluginFailure", "guarded_class", "result_problem"]

_log = logging.getLogger("engine.ingest.registry")
_POLL_SECONDS = 0.5


class PluginFailure(ReaderError):
    """A reader plugin failed on a file (a bug, a wrong result or a hang); it is switched off.

    Attributes:
        plugin: the plugin's name.
    """

    def __init__(self, plugin: str, file: str, reason: str) -> None:
        self.plugin = plugin
        self.detail = reason
        super().__init__(file, None, None,
                         f"reader plugin '{plugin}' failed and is switched off for this "
                         f"session: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:  # type: ignore[override]
        return (type(self), (self.plugin, self.finding.file, self.detail))


@dataclass
class Guard:
    """Runs one reader's calls with error handling, result checks and an optional time limit.

    Args:
        plugin: the plugin's name (for messages).
        reader_id: the reader's id in the manifest.
        timeout: seconds without an answer or progress before a call counts as hung; None
            calls the reader directly on the caller's thread.
        on_failure: called with a message when the reader fails; switches the plugin off.
    """

    plugin: str
    reader_id: str
    timeout: float | None
    on_failure: Callable[[str], None]
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def failure(self, file: str, reason: str) -> PluginFailure:
        """Switch the plugin off and return the error to raise."""
        detail = f"reader '{self.reader_id}': {reason}"
        self.on_failure(f"{detail} (file {file})")
        return PluginFailure(self.plugin, file, detail)

    def can_read(self, call: Callable[[Path], Any], path: Path) -> bool:
        """The reader's sniff; a failure raises ``PluginFailure``."""
        if getattr(self._local, "inside", False):
            return call(path)
        answer = self._run(lambda _progress: call(path), path, no_progress, "can_read")
        if not isinstance(answer, bool | np.bool_):
            raise self.failure(path.name, f"can_read() returned {type(answer).__name__}, "
                                          "not True or False")
        return bool(answer)

    def read(self, call: Callable[[Path, ProgressCallback], Any], path: Path,
             progress: ProgressCallback) -> ReadResult:
        """The reader's read with its result checked; a failure raises ``PluginFailure``."""
        if getattr(self._local, "inside", False):
            return call(path, progress)
        result = self._run(lambda relay: call(path, relay), path, progress, "read")
        problem = result_problem(result)
        if problem is not None:
            raise self.failure(path.name, problem)
        return result

    # -- running -------------------------------------------------------------------------
    def _run(self, work: Callable[[ProgressCallback], Any], path: Path,
             progress: ProgressCallback, what: str) -> Any:
        try:
            if self.timeout is None:
                self._local.inside = True
                try:
                    return work(progress)
                finally:
                    self._local.inside = False
            return self._watched(work, path, progress, what)
        except (FormixError, Cancelled):
            raise
        except OSError as error:
            raise ReaderError(path.name, None, None, f"cannot read the file: {error}") from error
        except MemoryError as error:
            raise ReaderError(path.name, None, None,
                              "not enough memory to read the file") from error
        except Exception as error:
            _log.warning("reader plugin '%s' failed in %s() on %s", self.plugin, what,
                         path.name, exc_info=error)
            raise self.failure(path.name,
                               f"{what}() raised {type(error).__name__}: {error}") from error

    def _watched(self, work: Callable[[ProgressCallback], Any], path: Path,
                 progress: ProgressCallback, what: str) -> Any:
        assert self.timeout is not None
        last = [time.monotonic()]
        box: dict[str, Any] = {}
        done = threading.Event()

        def relay(fraction: float, message: str) -> None:
            last[0] = time.monotonic()
            progress(fraction, message)

        def target() -> None:
            self._local.inside = True
            try:
                box["value"] = work(relay)
            except BaseException as error:  # handed to the waiting thread
                box["error"] = error
            finally:
                done.set()

        worker = threading.Thread(target=target, daemon=True,
                                  name=f"formix-reader-{self.plugin}-{what}")
        worker.start()
        poll = min(_POLL_SECONDS, self.timeout / 4)
        while not done.wait(poll):
            if time.monotonic() - last[0] > self.timeout:
                raise self.failure(
                    path.name,
                    f"{what}() gave no answer and no progress for {self.timeout:g} s and looks "
                    "hung; it is left running in the background (restart Formix to stop it), "
                    "or raise read_timeout_seconds in the plugin settings for slow sources",
                )
        if "error" in box:
            raise box["error"]
        return box["value"]


def result_problem(result: object) -> str | None:
    """Why a ``read`` result breaks the contract, or None when it is a proper ``ReadResult``."""
    if not isinstance(result, ReadResult):
        return f"read() returned {type(result).__name__}, not a ReadResult"
    if not isinstance(result.tables, tuple | list):
        return f"ReadResult.tables is {type(result.tables).__name__}, not a tuple of SourceTable"
    if not result.tables:
        return "read() returned no tables (raise ReaderError for a file without data)"
    for index, table in enumerate(result.tables):
        if not isinstance(table, SourceTable):
            return f"table {index} is {type(table).__name__}, not a SourceTable"
        where = f"table '{table.name}'"
        if not isinstance(table.frame, pd.DataFrame):
            return f"{where}: frame is {type(table.frame).__name__}, not a pandas DataFrame"
        try:
            count = len(table.row_numbers)
        except TypeError:
            return f"{where}: row_numbers is {type(table.row_numbers).__name__}, not an array"
        if count != len(table.frame):
            return f"{where}: {count} row numbers for {len(table.frame)} rows"
        if not all(isinstance(column, str) for column in table.frame.columns):
            return f"{where}: column names must be text"
        if table.frame.columns.has_duplicates:
            return f"{where}: duplicate column names"
        if table.produces is not None and table.produces not in tuple(DatasetKind):
            return f"{where}: produces '{table.produces}' is not a dataset kind"
    return None


def guarded_class(cls: type, guard: Guard) -> type:
    """A subclass of a reader class whose ``can_read`` and ``read`` go through ``guard``.

    It keeps the class's name, module and docstring. Falls back to a thin wrapper class when
    the plugin's class cannot be subclassed.
    """
    try:
        class Guarded(cls):
            __formix_plugin_class__ = cls

            def can_read(self, path: Path) -> bool:
                return guard.can_read(super().can_read, Path(path))

            def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
                return guard.read(super().read, Path(path), progress)
    except TypeError:
        return _wrapper_class(cls, guard)
    Guarded.__name__, Guarded.__qualname__ = cls.__name__, cls.__qualname__
    Guarded.__module__, Guarded.__doc__ = cls.__module__, cls.__doc__
    return Guarded


def _wrapper_class(cls: type, guard: Guard) -> type:
    class GuardedReader:
        """A guarded reader around an instance of a class that cannot be subclassed."""

        __formix_plugin_class__ = cls

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._reader = cls(*args, **kwargs)

        def can_read(self, path: Path) -> bool:
            return guard.can_read(self._reader.can_read, Path(path))

        def read(self, path: Path, progress: ProgressCallback = no_progress) -> ReadResult:
            return guard.read(self._reader.read, Path(path), progress)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._reader, name)

    return GuardedReader
