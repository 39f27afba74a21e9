"""Reader plugin discovery: manifests from the ``formix.readers`` entry points, lazy loading.

An entry point's value names the plugin's manifest, ``package:formix.toml``; the manifest is
read with ``importlib.resources`` without importing any reader module, so file filters and
the plugin list cost nothing. Entry points come from the installed distributions
(``_iter_entry_points``) and, for the application's registry, from wheels unpacked into the
user plugins folder (``engine.ingest.plugin_folder``). A reader class is imported the first
time a file needs it and checked against the ``Reader`` protocol then.

A broken plugin (bad manifest, incompatible contract, failing import, a class that does not
follow the protocol, an exception, a wrong result or a hang in ``can_read``/``read``; see
``engine.ingest.isolation``) is logged, recorded with its name and switched off for the
session; the application goes on with the others. Plugins the user switched off
(``plugins.toml``, see ``engine.ingest.plugin_settings``) are listed but never imported.
"""

from __future__ import annotations

import fnmatch
import functools
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
from engine.ingest.isolation import Guard, PluginFailure, guarded_class
from engine.ingest.manifest import ContractError, ManifestError, PluginManifest, ReaderSpec
from engine.ingest.plugin_settings import PluginSettings
from engine.ingest.reader import Reader
from engine.schema import DatasetKind

__all__ = ["PluginInfo", "ReaderInfo", "ReaderRegistry", "default_registry"]

GROUP = "formix.readers"
BUILTIN_DISTRIBUTION = "formix"
_log = logging.getLogger(__name__)


def _iter_entry_points() -> Iterable[importlib.metadata.EntryPoint]:
    """The installed ``formix.readers`` entry points.

    Kept in one small function so a frozen build, where distribution metadata may be missing,
    can replace it with a fixed list of ``EntryPoint(name, value, group)``.
    """
    return importlib.metadata.entry_points(group=GROUP)


@dataclass(frozen=True)
class PluginInfo:
    """A discovered plugin.

    Attributes:
        name: the entry point's name (used to switch the plugin off).
        display_name: the manifest's display name.
        version: the plugin's own version from its manifest ("?" when unreadable).
        status: "ok", "disabled" (switched off by the user) or "error" (then ``error`` says
            why; the plugin is off for this session).
        error: what went wrong, naming the plugin.
        contract: the reader contract version the plugin was built for.
        readers: the ids of its readers, "<plugin>.<reader>".
        source: "builtin", "entry point" (an installed distribution) or "folder" (a wheel
            unpacked into the user plugins folder).
        location: the entry point's value, ``package:formix.toml``.
    """

    name: str
    display_name: str
    version: str
    status: str
    error: str | None = None
    contract: str | None = None
    readers: tuple[str, ...] = ()
    source: str = "entry point"
    location: str = ""


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
    source: str = "entry point"
    location: str = ""
    version: str = "?"
    disabled: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not self.disabled and not self.errors


@dataclass
class _Entry:
    plugin: _Plugin
    spec: ReaderSpec
    cls: type | None = None

    @property
    def info(self) -> ReaderInfo:
        return ReaderInfo(
            id=f"{self.plugin.name}.{self.spec.id}", plugin=self.plugin.name,
            title=self.spec.title, patterns=self.spec.patterns, produces=self.spec.produces,
            priority=self.spec.priority,
        )

    def matches(self, name: str, kind: DatasetKind | None) -> bool:
        return (any(fnmatch.fnmatch(name, p.lower()) for p in self.spec.patterns)
                and (kind is None or not self.spec.produces or kind in self.spec.produces))


def _source_of(point: importlib.metadata.EntryPoint, folder_points: set[int]) -> str:
    if id(point) in folder_points:
        return "folder"
    dist = getattr(point, "dist", None)
    if dist is not None:
        name = (dist.metadata["Name"] or "").lower()
        return "builtin" if name == BUILTIN_DISTRIBUTION else "entry point"
    return "builtin" if point.value.startswith("plugins.") else "entry point"


class ReaderRegistry:
    """The readers of all discovered plugins. Thread-safe; discovery happens on first use.

    Args:
        entry_points: entry points to use instead of the installed ones (frozen builds, tests).
        plugins_dir: a folder of unpacked plugin wheels to discover as well (None: none).
        settings: switched-off plugins and the read time limit of third-party plugins
            (None: nothing switched off, the default limit). Built-in plugins run without a
            time limit.
    """

    def __init__(
        self,
        entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
        *,
        plugins_dir: Path | None = None,
        settings: PluginSettings | None = None,
    ) -> None:
        self._entry_points = None if entry_points is None else list(entry_points)
        self._plugins_dir = plugins_dir
        self._settings = settings or PluginSettings()
        self._plugins: list[_Plugin] | None = None
        self._entries: list[_Entry] = []
        self._lock = threading.RLock()

    # -- discovery -------------------------------------------------------------------------
    def _discover(self) -> list[_Plugin]:
        with self._lock:
            if self._plugins is not None:
                return self._plugins
            points = list(_iter_entry_points()) if self._entry_points is None \
                else list(self._entry_points)
            folder_points: set[int] = set()
            if self._plugins_dir is not None:
                from engine.ingest.plugin_folder import folder_entry_points

                extra = folder_entry_points(self._plugins_dir)
                folder_points = {id(p) for p in extra}
                points.extend(extra)
            plugins: list[_Plugin] = []
            by_name: dict[str, _Plugin] = {}
            for point in points:
                plugin = _Plugin(point.name, None, _source_of(point, folder_points), point.value,
                                 disabled=point.name in self._settings.disabled)
                plugins.append(plugin)
                if point.name in by_name:
                    self._fail(plugin, f"another plugin named '{point.name}' is already loaded "
                                       f"({by_name[point.name].location}); this one is ignored")
                    continue
                by_name[point.name] = plugin
                try:
                    plugin.manifest = read_manifest(point)
                except ContractError as error:
                    plugin.version = error.version
                    self._fail(plugin, str(error))
                    continue
                except ManifestError as error:
                    self._fail(plugin, str(error))
                    continue
                plugin.version = plugin.manifest.version
                self._entries.extend(_Entry(plugin, spec) for spec in plugin.manifest.readers)
            self._plugins = plugins
            return plugins

    def _fail(self, plugin: _Plugin, message: str) -> None:
        with self._lock:
            if not plugin.errors:
                _log.warning("reader plugin '%s' switched off: %s", plugin.name, message)
            plugin.errors.append(message)

    def refresh(self) -> None:
        """Discover the plugins again (after installing one); session failures are kept."""
        with self._lock:
            old = {p.name: p for p in self._plugins or ()}
            self._plugins, self._entries = None, []
            for plugin in self._discover():
                previous = old.get(plugin.name)
                if previous is not None and previous.location == plugin.location:
                    plugin.errors[:0] = [e for e in previous.errors if e not in plugin.errors]

    def add(self, point: importlib.metadata.EntryPoint) -> None:
        """Register one more plugin entry point (tests, frozen builds) and rediscover."""
        with self._lock:
            base = list(_iter_entry_points()) if self._entry_points is None \
                else self._entry_points
            self._entry_points = [*base, point]
            self.refresh()

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Switch a plugin on or off for this registry (the settings file is not touched)."""
        with self._lock:
            disabled = set(self._settings.disabled)
            if enabled:
                disabled.discard(name)
            else:
                disabled.add(name)
            self._settings = PluginSettings(frozenset(disabled), self._settings.read_timeout)
            for plugin in self._discover():
                if plugin.name == name:
                    plugin.disabled = not enabled

    def plugins(self) -> tuple[PluginInfo, ...]:
        """Every discovered plugin with its version, contract, readers and status."""
        infos = []
        for plugin in self._discover():
            manifest = plugin.manifest
            status = "disabled" if plugin.disabled else "error" if plugin.errors else "ok"
            infos.append(PluginInfo(
                name=plugin.name,
                display_name=manifest.display_name if manifest else plugin.name,
                version=plugin.version,
                status=status,
                error="; ".join(plugin.errors) or None,
                contract=manifest.formix_contract if manifest else None,
                readers=tuple(f"{plugin.name}.{spec.id}" for spec in manifest.readers)
                if manifest else (),
                source=plugin.source,
                location=plugin.location,
            ))
        return tuple(infos)

    def readers(self) -> tuple[ReaderInfo, ...]:
        """The usable readers, highest priority first."""
        return tuple(e.info for e in self._usable())

    def _usable(self) -> list[_Entry]:
        self._discover()
        return sorted((e for e in self._entries if e.plugin.usable),
                      key=lambda e: -e.spec.priority)

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
            if entry.cls is None and entry.plugin.usable:
                try:
                    cls = import_reader_class(entry.spec.python_name)
                except Exception as error:  # any failure of third-party code disables it
                    self._fail(entry.plugin, f"reader '{entry.spec.id}' cannot be loaded "
                                             f"({entry.spec.python_name}): "
                                             f"{type(error).__name__}: {error}")
                    return None
                builtin = entry.plugin.source == "builtin"
                guard = Guard(entry.plugin.name, entry.spec.id,
                              None if builtin else self._settings.read_timeout,
                              functools.partial(self._fail, entry.plugin))
                entry.cls = guarded_class(cls, guard)
            return entry.cls if entry.plugin.usable else None

    def _instantiate(self, entry: _Entry, options: Mapping[str, Any]) -> Reader | None:
        cls = self._load(entry)
        if cls is None:
            return None
        original = getattr(cls, "__formix_plugin_class__", cls)
        try:
            reader = cls(**accepted_options(original, options))
        except Exception as error:
            self._fail(entry.plugin, f"reader '{entry.spec.id}' could not be created: "
                                     f"{type(error).__name__}: {error}")
            return None
        if not isinstance(reader, Reader):
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

        The reader returned is guarded: an exception, a wrong result or (for third-party
        plugins) a hang in its ``read`` raises ``PluginFailure`` naming the plugin and the
        file, and switches the plugin off for the session.

        Args:
            path: the file.
            options: reader options (delimiter, decimal, encoding, sheet …); None values and
                options a reader does not declare are left out.
            kind: the dataset kind wanted; readers declaring other kinds are skipped.

        Raises:
            ReaderError: no reader accepts the file (the reason says what the file looks like
                and which plugins that read such files are switched off or failed).
        """
        self._discover()
        path = Path(path)
        given = {key: value for key, value in (options or {}).items() if value is not None}
        if not path.is_file():
            raise ReaderError(path.name, None, None, "file not found")
        name = path.name.lower()
        matches = [e for e in self._usable() if e.matches(name, kind)]
        for entry in matches:
            reader = self._instantiate(entry, given)
            if reader is None:
                continue
            try:
                accepted = reader.can_read(path)
            except PluginFailure:
                continue
            if accepted:
                return reader
        raise ReaderError(path.name, None, None, self._no_reader_reason(path, matches, kind))

    def _no_reader_reason(self, path: Path, matches: list[_Entry],
                          kind: DatasetKind | None) -> str:
        name = path.name.lower()
        off = [e for e in self._entries if not e.plugin.usable and e.matches(name, kind)]
        notes = []
        for plugin in dict.fromkeys(e.plugin.name for e in off):
            state = next(e.plugin for e in off if e.plugin.name == plugin)
            if state.disabled:
                notes.append(f"plugin '{plugin}' reads such files but is switched off "
                             f"(`formix plugins enable {plugin}`)")
            else:
                notes.append(f"plugin '{plugin}' reads such files but failed: "
                             f"{state.errors[-1]}")
        extra = "; " + "; ".join(notes) if notes else ""
        if not matches:
            known = ", ".join(p for _, patterns in self.file_filters()[:1] for p in patterns)
            return f"no reader for files named like '{path.name}' (supported: {known}){extra}"
        titles = " or ".join(dict.fromkeys(e.spec.title for e in matches))
        return (f"the file name says {titles} but the content is {describe_content(path)}"
                f"; check the file or give it the right extension{extra}")


_default: ReaderRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> ReaderRegistry:
    """The application's registry: installed plugins, the user plugins folder and settings.

    Created on first use. Invalid plugin settings are logged and ignored, so a broken
    settings file cannot stop the application.
    """
    global _default
    with _default_lock:
        if _default is None:
            from engine.errors import FormixError
            from engine.ingest.plugin_settings import load_settings, plugins_dir

            try:
                settings = load_settings()
            except FormixError as error:
                _log.warning("plugin settings ignored: %s", error)
                settings = PluginSettings()
            _default = ReaderRegistry(plugins_dir=plugins_dir(), settings=settings)
        return _default


def reset_default_registry() -> None:
    """Forget the application's registry; the next ``default_registry()`` rediscovers."""
    global _default
    with _default_lock:
        _default = None
