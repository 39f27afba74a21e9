"""Reader plugin discovery: manifests from the ``formix.readers`` entry points, lazy loading.

An entry point's value names the plugin's manifest, ``package:formix.toml``; the manifest is
read with ``importlib.resources`` without importing any reader module, so file filters and
the plugin list cost nothing. A reader class is imported the first time a file needs it and
checked against the ``Reader`` protocol then. A broken plugin (bad manifest, failing import,
a class that does not follow the protocol) is logged, recorded with its name and skipped; the
application goes on with the others.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ReaderError
from engine.ingest._loading import (
    accepted_options,
    describe_content,
    import_reader_class,
    read_manifest,
)
from engine.ingest.manifest import ManifestError, PluginManifest, ReaderSpec
from engine.ingest.reader import Reader
from engine.schema import DatasetKind

__all__ = ["PluginInfo", "ReaderInfo", "ReaderRegistry", "default_registry"]

GROUP = "formix.readers"
_log = logging.getLogger(__name__)


def _iter_entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    """The installed ``formix.readers`` entry points.

    Kept in one small function so a frozen build, where distribution metadata may be missing,
    can replace it with a fixed list of ``EntryPoint(name, value, group)``.
    """
    return importlib.metadata.entry_points(group=GROUP)


@dataclass(frozen=True)
class PluginInfo:
    """A discovered plugin; ``status`` is "ok" or "error" (then ``error`` says why)."""

    name: str
    display_name: str
    version: str
    status: str
    error: str | None = None


@dataclass(frozen=True)
class ReaderInfo:
    """A reader as declared in a manifest; ``id`` is "<plugin>.<reader id>"."""

    id: str
    plugin: str
    title: str
    patterns: tuple[str, ...]
    produces: tuple[DatasetKind, ...]
    priority: int


@dataclass
class _Plugin:
    name: str
    manifest: PluginManifest | None
    errors: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    plugin: _Plugin
    spec: ReaderSpec
    cls: type | None = None
    broken: bool = False

    @property
    def info(self) -> ReaderInfo:
        return ReaderInfo(
            id=f"{self.plugin.name}.{self.spec.id}", plugin=self.plugin.name,
            title=self.spec.title, patterns=self.spec.patterns, produces=self.spec.produces,
            priority=self.spec.priority,
        )


class ReaderRegistry:
    """The readers of all discovered plugins. Thread-safe; discovery happens on first use.

    Args:
        entry_points: entry points to use instead of the installed ones (frozen builds, tests).
    """

    def __init__(self, entry_points: Iterable[importlib.metadata.EntryPoint] | None = None):
        self._entry_points = None if entry_points is None else list(entry_points)
        self._plugins: list[_Plugin] | None = None
        self._entries: list[_Entry] = []
        self._lock = threading.RLock()

    # -- discovery -------------------------------------------------------------------------
    def _discover(self) -> list[_Plugin]:
        with self._lock:
            if self._plugins is not None:
                return self._plugins
            points = self._entry_points
            if points is None:
                points = list(_iter_entry_points())
            plugins: list[_Plugin] = []
            for point in points:
                plugin = _Plugin(point.name, None)
                plugins.append(plugin)
                try:
                    plugin.manifest = read_manifest(point)
                except ManifestError as error:
                    self._fail(plugin, str(error))
                    continue
                self._entries.extend(_Entry(plugin, spec) for spec in plugin.manifest.readers)
            self._plugins = plugins
            return plugins

    def _fail(self, plugin: _Plugin, message: str) -> None:
        _log.warning("reader plugin '%s' skipped: %s", plugin.name, message)
        plugin.errors.append(message)

    def plugins(self) -> tuple[PluginInfo, ...]:
        """Every discovered plugin with its version and status ("ok" or "error")."""
        infos = []
        for plugin in self._discover():
            manifest = plugin.manifest
            infos.append(PluginInfo(
                name=plugin.name,
                display_name=manifest.display_name if manifest else plugin.name,
                version=manifest.version if manifest else "?",
                status="error" if plugin.errors else "ok",
                error="; ".join(plugin.errors) or None,
            ))
        return tuple(infos)

    def readers(self) -> tuple[ReaderInfo, ...]:
        """The usable readers, highest priority first."""
        self._discover()
        entries = sorted((e for e in self._entries if not e.broken),
                         key=lambda e: -e.spec.priority)
        return tuple(e.info for e in entries)

    def file_filters(self) -> list[tuple[str, tuple[str, ...]]]:
        """File-dialog filters: ("All supported files", all patterns) then one per reader."""
        readers = self.readers()
        every: list[str] = []
        filters: list[tuple[str, tuple[str, ...]]] = []
        for info in readers:
            every.extend(p for p in info.patterns if p not in every)
            filters.append((info.title, info.patterns))
        return [("All supported files", tuple(every)), *filters]

    # -- loading ---------------------------------------------------------------------------
    def _load(self, entry: _Entry) -> type | None:
        with self._lock:
            if entry.cls is None and not entry.broken:
                try:
                    entry.cls = import_reader_class(entry.spec.python_name)
                except Exception as error:  # any failure of third-party code disables it
                    entry.broken = True
                    self._fail(entry.plugin, f"reader '{entry.spec.id}': {error}")
            return entry.cls

    def _instantiate(self, entry: _Entry, options: Mapping[str, Any]) -> Reader | None:
        cls = self._load(entry)
        if cls is None:
            return None
        try:
            reader = cls(**accepted_options(cls, options))
        except Exception as error:
            entry.broken = True
            self._fail(entry.plugin, f"reader '{entry.spec.id}' could not be created: {error}")
            return None
        if not isinstance(reader, Reader):
            entry.broken = True
            self._fail(entry.plugin, f"reader '{entry.spec.id}' does not follow the protocol")
            return None
        return reader

    def reader_for(
        self,
        path: Path,
        options: Mapping[str, Any] | None = None,
        kind: DatasetKind | None = None,
    ) -> Reader:
        """The reader for a file: name pattern, then kind, priority and the reader's sniff.

        Args:
            path: the file.
            options: reader options (delimiter, decimal, encoding, sheet …); None values and
                options a reader does not declare are left out.
            kind: the dataset kind wanted; readers declaring other kinds are skipped.

        Raises:
            ReaderError: no reader accepts the file (the reason says what the file looks like).
        """
        self._discover()
        path = Path(path)
        given = {key: value for key, value in (options or {}).items() if value is not None}
        if not path.is_file():
            raise ReaderError(path.name, None, None, "file not found")
        name = path.name.lower()
        matches = [
            e for e in self._entries
            if not e.broken
            and any(fnmatch.fnmatch(name, p.lower()) for p in e.spec.patterns)
            and (kind is None or not e.spec.produces or kind in e.spec.produces)
        ]
        matches.sort(key=lambda e: -e.spec.priority)
        for entry in matches:
            reader = self._instantiate(entry, given)
            if reader is None:
                continue
            try:
                accepted = reader.can_read(path)
            except OSError as error:
                raise ReaderError(
                    path.name, None, None, f"cannot open the file: {error}"
                ) from error
            except Exception as error:
                entry.broken = True
                self._fail(entry.plugin, f"reader '{entry.spec.id}' failed to sniff: {error}")
                continue
            if accepted:
                return reader
        if not matches:
            known = ", ".join(p for _, patterns in self.file_filters()[:1] for p in patterns)
            reason = f"no reader for files named like '{path.name}' (supported: {known})"
        else:
            titles = " or ".join(dict.fromkeys(e.spec.title for e in matches))
            reason = (f"the file name says {titles} but the content is {describe_content(path)}"
                      "; check the file or give it the right extension")
        raise ReaderError(path.name, None, None, reason)


_default: ReaderRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> ReaderRegistry:
    """The application's registry of installed reader plugins (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ReaderRegistry()
        return _default
