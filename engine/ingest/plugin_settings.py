"""Where plugins and their settings live, and the user's plugin settings (``plugins.toml``).

The settings file sits in the user config folder (``platformdirs.user_config_path("Formix")``,
or ``$FORMIX_CONFIG_DIR``) and is small TOML written by Formix::

    disabled = ["acme_historian"]   # plugins the user switched off
    read_timeout_seconds = 120      # a third-party read silent for longer is treated as hung

Wheels installed with ``formix plugins install`` are unpacked into the user plugins folder
(``platformdirs.user_data_path("Formix") / "plugins"``, or ``$FORMIX_PLUGINS_DIR``).
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import FormixError

__all__ = [
    "DEFAULT_READ_TIMEOUT",
    "PluginSettings",
    "config_dir",
    "load_settings",
    "plugins_dir",
    "save_settings",
    "settings_path",
]

DEFAULT_READ_TIMEOUT = 120.0
CONFIG_ENV = "FORMIX_CONFIG_DIR"
PLUGINS_ENV = "FORMIX_PLUGINS_DIR"


@dataclass(frozen=True)
class PluginSettings:
    """The user's plugin settings.

    Attributes:
        disabled: names of plugins switched off; their manifests are listed, their code is
            never imported.
        read_timeout: seconds a third-party reader may go without finishing or reporting
            progress before it is treated as hung; None waits for ever.
    """

    disabled: frozenset[str] = field(default_factory=frozenset)
    read_timeout: float | None = DEFAULT_READ_TIMEOUT


def config_dir() -> Path:
    """The user's Formix config folder (``$FORMIX_CONFIG_DIR`` when set)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("Formix", appauthor=False)


def plugins_dir() -> Path:
    """The folder wheels are installed into (``$FORMIX_PLUGINS_DIR`` when set)."""
    override = os.environ.get(PLUGINS_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("Formix", appauthor=False) / "plugins"


def settings_path() -> Path:
    """The plugin settings file."""
    return config_dir() / "plugins.toml"


def load_settings(path: Path | None = None) -> PluginSettings:
    """Read the settings; defaults when the file is absent.

    Raises:
        FormixError: the file exists but is not valid (names the file and the problem).
    """
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PluginSettings()
    except OSError as error:
        raise FormixError(f"{path}: cannot read the plugin settings: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FormixError(f"{path}: the plugin settings are not valid TOML: {error}") from error
    disabled = data.get("disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(n, str) for n in disabled):
        raise FormixError(f"{path}: 'disabled' must be a list of plugin names")
    timeout = data.get("read_timeout_seconds", DEFAULT_READ_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise FormixError(f"{path}: 'read_timeout_seconds' must be a number of seconds "
                          "(0 waits for ever)")
    return PluginSettings(frozenset(disabled), float(timeout) or None)


def save_settings(settings: PluginSettings, path: Path | None = None) -> None:
    """Write the settings atomically (a temporary file renamed over the old one)."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    names = ", ".join(json.dumps(name) for name in sorted(settings.disabled))
    timeout = 0 if settings.read_timeout is None else settings.read_timeout
    text = ("# Formix plugin settings (written by Formix; `formix plugins enable/disable`)\n"
            f"disabled = [{names}]\nread_timeout_seconds = {timeout:g}\n")
    handle, temporary = tempfile.mkstemp(prefix=".plugins.", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
