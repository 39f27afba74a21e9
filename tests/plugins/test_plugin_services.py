"""Plugin services: listing, switching off persistently, validating folders, installing wheels."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

import engine.ingest.registry as registry_module
from engine import plugin_services
from engine.errors import FormixError
from engine.ingest.plugin_settings import (
    PluginSettings,
    load_settings,
    save_settings,
    settings_path,
)
from engine.ingest.registry import default_registry
from tests.conftest import REPO_ROOT
from tests.plugins.conftest import DATA, EXAMPLE


def test_list_plugins_shows_version_contract_status_and_source() -> None:
    plugins = {p.name: p for p in plugin_services.list_plugins()}
    historian = plugins["historian"]
    assert (historian.version, historian.contract, historian.status, historian.source) == (
        "1.0.0", "1.0", "enabled", "builtin")
    assert historian.readers == ("historian.long", "historian.wide")
    assert historian.to_dict()["readers"] == ["historian.long", "historian.wide"]


def test_switching_a_plugin_off_is_kept_across_restarts(_isolated_plugins: dict[str, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pi = DATA / "pi_long.csv"
    assert type(default_registry().reader_for(pi)).__name__ == "HistorianLongReader"
    plugin_services.set_plugin_enabled("historian", False)
    assert settings_path() == _isolated_plugins["config"] / "plugins.toml"
    assert load_settings().disabled == {"historian"}
    assert type(default_registry().reader_for(pi)).__name__ == "DelimitedTextReader"
    monkeypatch.setattr(registry_module, "_default", None)  # a restart
    assert {p.name: p.status for p in plugin_services.list_plugins()}["historian"] == "disabled"
    plugin_services.set_plugin_enabled("historian", True)
    assert load_settings().disabled == frozenset()
    assert type(default_registry().reader_for(pi)).__name__ == "HistorianLongReader"
    with pytest.raises(FormixError, match="no reader plugin named 'nope'"):
        plugin_services.set_plugin_enabled("nope", False)


def test_settings_round_trip_and_errors(_isolated_plugins: dict[str, Path]) -> None:
    save_settings(PluginSettings(frozenset({"b", "a"}), 30.0))
    assert load_settings() == PluginSettings(frozenset({"a", "b"}), 30.0)
    save_settings(PluginSettings(frozenset(), None))
    assert load_settings().read_timeout is None
    settings_path().write_text("disabled = 'historian'\n")
    with pytest.raises(FormixError, match="must be a list"):
        load_settings()
    assert default_registry().plugins()  # a broken settings file does not stop the app


def test_validate_accepts_the_example_and_the_builtins() -> None:
    import plugins.historian.long_reader as installed

    assert plugin_services.validate_plugin(EXAMPLE) == []
    assert plugin_services.validate_plugin(EXAMPLE / "formix_example_reader" / "formix.toml") == []
    for name in ("tabular", "historian", "lims", "sql"):
        assert plugin_services.validate_plugin(REPO_ROOT / "plugins" / name) == [], name
    assert sys.modules["plugins.historian.long_reader"] is installed  # left as it was


def test_validate_reports_each_problem(tmp_path: Path) -> None:
    package = tmp_path / "acme" / "acme_formix"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "readers.py").write_text(
        "class NoRead:\n    def can_read(self, path):\n        return True\n\n"
        "class NeedsOption:\n    def __init__(self, host):\n        self.host = host\n"
        "    def can_read(self, path):\n        return True\n"
        "    def read(self, path, progress):\n        return None\n")
    (package / "formix.toml").write_text(
        'name = "acme"\ndisplay_name = "Acme"\nversion = "1.0.0"\nformix_contract = "1.0"\n'
        '[[readers]]\nid = "a"\ntitle = "A"\npython_name = "acme_formix.readers:NoRead"\n'
        'patterns = ["*.a"]\n[[readers]]\nid = "b"\ntitle = "B"\n'
        'python_name = "acme_formix.readers:NeedsOption"\npatterns = ["*.b"]\n'
        '[[readers]]\nid = "c"\ntitle = "C"\npython_name = "acme_formix.gone:Reader"\n'
        'patterns = ["*.c"]\n')
    (tmp_path / "acme" / "pyproject.toml").write_text(
        '[project]\nname = "acme-formix"\nversion = "1.0.0"\n'
        '[project.entry-points."formix.readers"]\nacme_plugin = "acme_formix:formix.toml"\n')
    problems = plugin_services.validate_plugin(tmp_path / "acme")
    assert len(problems) == 4, problems
    assert "reader 'a'" in problems[0] and "has no method read" in problems[0]
    assert "reader 'b'" in problems[1] and "without options" in problems[1]
    assert "reader 'c'" in problems[2] and "No module named 'acme_formix.gone'" in problems[2]
    assert "named 'acme_plugin' but the manifest's name is 'acme'" in problems[3]
    assert "acme_formix" not in sys.modules
    assert plugin_services.validate_plugin(tmp_path / "nowhere")[0].endswith(
        "no such file or folder")


def _wheel(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_install_refuses_what_is_not_a_plugin_wheel(tmp_path: Path,
                                                    _isolated_plugins: dict[str, Path]) -> None:
    info = "thing-1.0.dist-info"
    metadata = {f"{info}/METADATA": "Metadata-Version: 2.1\nName: thing\nVersion: 1.0\n"}
    plain = _wheel(tmp_path / "thing-1.0-py3-none-any.whl", {"thing/__init__.py": "", **metadata})
    with pytest.raises(FormixError, match=r"declares no 'formix.readers' entry point"):
        plugin_services.install_plugin_wheel(plain)
    points = {f"{info}/entry_points.txt": "[formix.readers]\nthing = thing:formix.toml\n"}
    unsafe = _wheel(tmp_path / "unsafe.whl", {"../evil.py": "", **metadata, **points})
    with pytest.raises(FormixError, match="unsafe path"):
        plugin_services.install_plugin_wheel(unsafe)
    no_manifest = _wheel(tmp_path / "nomanifest.whl",
                         {"thing/__init__.py": "", **metadata, **points})
    with pytest.raises(FormixError, match=r"manifest 'thing:formix.toml' is not in the wheel"):
        plugin_services.install_plugin_wheel(no_manifest)
    future = _wheel(tmp_path / "future.whl", {
        "thing/__init__.py": "", **metadata, **points,
        "thing/formix.toml": 'name = "thing"\ndisplay_name = "T"\nversion = "1.0.0"\n'
                             'formix_contract = "2.0"\n[[readers]]\nid = "t"\ntitle = "T"\n'
                             'python_name = "thing.r:R"\npatterns = ["*.t"]\n'})
    with pytest.raises(FormixError, match=r"future.whl: plugin 'thing': .*contract 2.0"):
        plugin_services.install_plugin_wheel(future)
    with pytest.raises(FormixError, match="not a wheel"):
        plugin_services.install_plugin_wheel(DATA / "pi_long.csv")
    assert list(_isolated_plugins["plugins"].iterdir()) == []  # nothing was left behind
