"""Pytest plugin (entry point ``pytest11: formix``): fixtures for testing reader plugins.

``reader_registry`` gives a test an empty, isolated reader registry that is also the
application's registry for the test's duration, with the plugin settings and plugins folder
redirected to temporary folders. Add plugins with ``reader_registry.add_plugin("my_pkg")``
(the package holding ``formix.toml``) or ``add_builtin()`` for Formix's own readers::

    def test_my_reader_is_chosen(reader_registry, tmp_path):
        reader_registry.add_plugin("acme_formix")
        assert type(reader_registry.reader_for(sample)).__name__ == "AcmeReader"

Importing this module is cheap: Formix's engine is imported when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from engine.ingest.registry import ReaderRegistry


def _make_registry(plugins_dir: Path) -> ReaderRegistry:
    from importlib.metadata import EntryPoint

    from engine.ingest.registry import ReaderRegistry, _iter_entry_points

    class IsolatedRegistry(ReaderRegistry):
        """A registry with only the plugins a test adds."""

        def add_plugin(self, package: str, name: str | None = None,
                       manifest: str = "formix.toml") -> None:
            """Register the plugin whose manifest is ``package:manifest`` (importable)."""
            point_name = name or package.rsplit(".", 1)[-1]
            self.add(EntryPoint(point_name, f"{package}:{manifest}", "formix.readers"))

        def add_builtin(self) -> None:
            """Register Formix's installed plugins (``formix.readers`` entry points)."""
            for point in _iter_entry_points():
                self.add(point)

    return IsolatedRegistry([], plugins_dir=plugins_dir)


@pytest.fixture
def formix_plugin_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Temporary plugin settings and plugins folders (``FORMIX_CONFIG_DIR``/``_PLUGINS_DIR``)."""
    config, plugins = tmp_path / "formix-config", tmp_path / "formix-plugins"
    config.mkdir()
    plugins.mkdir()
    monkeypatch.setenv("FORMIX_CONFIG_DIR", str(config))
    monkeypatch.setenv("FORMIX_PLUGINS_DIR", str(plugins))
    return {"config": config, "plugins": plugins}


@pytest.fixture
def reader_registry(formix_plugin_dirs: dict[str, Path],
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty, isolated reader registry, installed as the application's registry."""
    import engine.ingest.registry as registry_module

    registry = _make_registry(formix_plugin_dirs["plugins"])
    monkeypatch.setattr(registry_module, "_default", registry)
    yield registry
