"""Service functions for reader plugins: list, switch on/off, validate, install offline.

The desktop and the CLI call these (``engine.services`` re-exports them). They act on the
application's reader registry (``engine.ingest.registry.default_registry``) and on the user's
plugin settings and plugins folder (``engine.ingest.plugin_settings``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine.errors import FormixError

__all__ = [
    "InstalledPlugin",
    "install_plugin_wheel",
    "list_plugins",
    "set_plugin_enabled",
    "validate_plugin",
]

_STATUS = {"ok": "enabled", "disabled": "disabled", "error": "failed"}


@dataclass(frozen=True)
class InstalledPlugin:
    """A reader plugin as the user sees it.

    Attributes:
        name: the name to switch it on or off with.
        display_name: a readable name.
        version: the plugin's own version ("?" when its manifest is unreadable).
        contract: the reader contract version it was built for (None when unknown).
        status: "enabled", "disabled" (switched off by the user) or "failed" (switched off
            for this session because it is broken; ``error`` says why).
        error: what went wrong, naming the plugin.
        readers: its reader ids, "<plugin>.<reader>".
        source: "builtin", "entry point" (an installed package) or "folder" (a wheel
            installed with ``install_plugin_wheel``).
    """

    name: str
    display_name: str
    version: str
    contract: str | None
    status: str
    error: str | None
    readers: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["readers"] = list(self.readers)
        return data


def list_plugins() -> list[InstalledPlugin]:
    """Every discovered reader plugin with its version, contract, status and source."""
    from engine.ingest.registry import default_registry

    return [
        InstalledPlugin(
            name=info.name, display_name=info.display_name, version=info.version,
            contract=info.contract, status=_STATUS.get(info.status, info.status),
            error=info.error, readers=info.readers, source=info.source,
        )
        for info in default_registry().plugins()
    ]


def set_plugin_enabled(name: str, enabled: bool) -> None:
    """Switch a plugin on or off, persistently (the user's ``plugins.toml``) and at once.

    A plugin that failed in this session stays off until Formix restarts.

    Raises:
        FormixError: no plugin has that name, or the settings file cannot be written.
    """
    from engine.ingest.plugin_settings import PluginSettings, load_settings, save_settings
    from engine.ingest.registry import default_registry

    registry = default_registry()
    known = [info.name for info in registry.plugins()]
    settings = load_settings()
    if name not in known and name not in settings.disabled:
        raise FormixError(f"no reader plugin named '{name}' (installed: "
                          f"{', '.join(known) or 'none'})")
    disabled = set(settings.disabled)
    if enabled:
        disabled.discard(name)
    else:
        disabled.add(name)
    try:
        save_settings(PluginSettings(frozenset(disabled), settings.read_timeout))
    except OSError as error:
        raise FormixError(f"cannot save the plugin settings: {error}") from error
    registry.set_enabled(name, enabled)


def validate_plugin(path: Path | str) -> list[str]:
    """Problems of a plugin folder (or its ``formix.toml``) before packaging; empty when fine.

    Checks the manifest and its reader contract, imports each reader class from the folder
    and checks it against the ``Reader`` protocol, and checks the ``pyproject.toml`` entry
    point when there is one.
    """
    from engine.ingest.plugin_validation import validate_plugin_folder

    return validate_plugin_folder(Path(path))


def install_plugin_wheel(wheel_path: Path | str) -> str:
    """Install a reader plugin wheel offline, without pip, into the user plugins folder.

    The wheel is unpacked into ``plugin_settings.plugins_dir()`` (``$FORMIX_PLUGINS_DIR``
    when set), replacing an older version of the same distribution; its manifests are
    validated first. The plugin is available at once and after restarts.

    Returns:
        The name of the (first) plugin the wheel declares.

    Raises:
        FormixError: not a wheel, not a Formix reader plugin, an invalid manifest or
            incompatible contract, or files clashing with another installed plugin.
    """
    from engine.ingest.plugin_folder import install_wheel
    from engine.ingest.plugin_settings import plugins_dir
    from engine.ingest.registry import default_registry

    try:
        installed = install_wheel(Path(wheel_path), plugins_dir())
    except OSError as error:
        raise FormixError(f"{Path(wheel_path).name}: cannot install: {error}") from error
    default_registry().refresh()
    return installed.plugins[0][0]
