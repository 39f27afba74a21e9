"""A broken plugin never takes Formix down: each failure mode is reported, naming the plugin and
the file, the plugin is switched off for the session, and the other readers go on."""

from __future__ import annotations

import time
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import engine.ingest.registry as registry_module
from engine import services
from engine.errors import ImportRejected, ReaderError
from engine.ingest.isolation import PluginFailure
from engine.ingest.plugin_settings import PluginSettings
from engine.ingest.registry import ReaderRegistry, _iter_entry_points
from engine.progress import no_progress
from tests.plugins.conftest import FakePlugins

CSV_PATTERN = '["*.csv"]'
GOOD = """
from engine.ingest.reader import ReadResult, SourceTable
import numpy as np, pandas as pd

class Reader:
    def can_read(self, path):
        return True

    def read(self, path, progress):
        frame = pd.DataFrame({"a": ["1"]})
        return ReadResult((SourceTable("t", frame, np.array([2])),), path)
"""
RAISES = """
class Reader:
    def can_read(self, path):
        return True

    def read(self, path, progress):
        raise KeyError("tag_map")
"""
SNIFF_RAISES = """
class Reader:
    def can_read(self, path):
        raise ValueError("sniffing went wrong")

    def read(self, path, progress):
        raise AssertionError("never called")
"""
WRONG_TYPE = """
class Reader:
    def can_read(self, path):
        return "yes" if path.suffix == ".maybe" else True

    def read(self, path, progress):
        return {"rows": []}
"""
NOT_TABLES = """
from engine.ingest.reader import ReadResult

class Reader:
    def can_read(self, path):
        return True

    def read(self, path, progress):
        return ReadResult(tables=("not a table",), source=path)
"""
MISMATCH = """
import numpy as np, pandas as pd
from engine.ingest.reader import ReadResult, SourceTable

class Reader:
    def can_read(self, path):
        return True

    def read(self, path, progress):
        table = SourceTable("t", pd.DataFrame({"a": ["1", "2"]}), np.array([2, 3]))
        object.__setattr__(table, "row_numbers", np.array([2]))
        return ReadResult((table,), path)
"""
HANGS = """
import threading
RELEASE = threading.Event()

class Reader:
    def can_read(self, path):
        return True

    def read(self, path, progress):
        RELEASE.wait(60)
        raise RuntimeError("released")
"""


def _registry(*points: EntryPoint, timeout: float | None = 120.0,
              disabled: frozenset[str] = frozenset()) -> ReaderRegistry:
    builtin = [p for p in _iter_entry_points() if p.name == "tabular"]
    return ReaderRegistry([*points, *builtin],
                          settings=PluginSettings(disabled=disabled, read_timeout=timeout))


def _csv(folder: Path, name: str = "plant.csv") -> Path:
    path = folder / name
    path.write_text("Recipe,Cement (kg/m3),Water (kg/m3)\nR1,350,175\nR2,300,180\n")
    return path


def _status(registry: ReaderRegistry, name: str) -> tuple[str, str]:
    (info,) = [p for p in registry.plugins() if p.name == name]
    return info.status, info.error or ""


def test_an_import_error_in_the_plugin_module(fake_plugins: FakePlugins, tmp_path: Path) -> None:
    point = fake_plugins.make("fake_import", "raise ImportError('no module named acme_driver')\n",
                              patterns='["*.csv", "*.acme"]')
    registry = _registry(point)
    csv = _csv(tmp_path)
    assert type(registry.reader_for(csv)).__name__ == "DelimitedTextReader"  # others go on
    status, error = _status(registry, "fake_import")
    assert status == "error" and "ImportError: no module named acme_driver" in error
    acme = tmp_path / "data.acme"
    acme.write_text("x")
    with pytest.raises(ReaderError) as caught:
        registry.reader_for(acme)
    message = str(caught.value)
    assert "data.acme" in message and "plugin 'fake_import'" in message
    assert "acme_driver" in message


def test_an_exception_in_read(fake_plugins: FakePlugins, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    registry = _registry(fake_plugins.make("fake_raises", RAISES, patterns=CSV_PATTERN))
    csv = _csv(tmp_path)
    reader = registry.reader_for(csv)
    assert type(reader).__module__ == "fake_raises.reader"
    with pytest.raises(PluginFailure) as caught:
        reader.read(csv, no_progress)
    failure = caught.value
    assert failure.plugin == "fake_raises" and failure.finding.file == "plant.csv"
    assert "reader plugin 'fake_raises' failed" in str(failure)
    assert "KeyError: 'tag_map'" in str(failure)
    assert _status(registry, "fake_raises")[0] == "error"
    assert type(registry.reader_for(csv)).__name__ == "DelimitedTextReader"


def test_the_importer_reports_a_failing_plugin_and_goes_on(
    fake_plugins: FakePlugins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = _registry(fake_plugins.make("fake_import_raises", RAISES, patterns=CSV_PATTERN))
    monkeypatch.setattr(registry_module, "_default", registry)
    project = tmp_path / "plant.formix"
    services.create_project(project)
    csv = _csv(tmp_path)
    with pytest.raises(ImportRejected) as caught:
        services.import_files(project, [csv])
    (finding,) = caught.value.findings
    assert finding.file == "plant.csv" and "plugin 'fake_import_raises'" in finding.reason
    result = services.import_files(project, [csv])  # the plugin is off: the CSV reader reads it
    assert result.files[0].counts["recipes"] == 2


def test_an_exception_in_can_read(fake_plugins: FakePlugins, tmp_path: Path) -> None:
    registry = _registry(fake_plugins.make("fake_sniff", SNIFF_RAISES, patterns=CSV_PATTERN))
    assert type(registry.reader_for(_csv(tmp_path))).__name__ == "DelimitedTextReader"
    status, error = _status(registry, "fake_sniff")
    assert status == "error" and "can_read() raised ValueError: sniffing went wrong" in error
    assert "plant.csv" in error


@pytest.mark.parametrize(
    ("package", "source", "message"),
    [
        ("fake_wrong_type", WRONG_TYPE, "read() returned dict, not a ReadResult"),
        ("fake_not_tables", NOT_TABLES, "table 0 is str, not a SourceTable"),
        ("fake_mismatch", MISMATCH, "table 't': 1 row numbers for 2 rows"),
    ],
)
def test_a_wrong_return_value(fake_plugins: FakePlugins, tmp_path: Path, package: str,
                              source: str, message: str) -> None:
    registry = _registry(fake_plugins.make(package, source, patterns=CSV_PATTERN))
    csv = _csv(tmp_path)
    with pytest.raises(PluginFailure) as caught:
        registry.reader_for(csv).read(csv, no_progress)
    assert f"plugin '{package}'" in str(caught.value) and message in str(caught.value)
    assert caught.value.finding.file == "plant.csv"
    assert _status(registry, package)[0] == "error"
    assert type(registry.reader_for(csv)).__name__ == "DelimitedTextReader"


def test_can_read_must_answer_a_bool(fake_plugins: FakePlugins, tmp_path: Path) -> None:
    registry = _registry(fake_plugins.make("fake_maybe", WRONG_TYPE, patterns='["*.maybe"]'))
    path = tmp_path / "x.maybe"
    path.write_text("?")
    with pytest.raises(ReaderError, match="can_read\\(\\) returned str"):
        registry.reader_for(path)


def test_a_read_that_hangs_is_abandoned(fake_plugins: FakePlugins, tmp_path: Path) -> None:
    registry = _registry(fake_plugins.make("fake_hangs", HANGS, patterns=CSV_PATTERN),
                         timeout=0.3)
    csv = _csv(tmp_path)
    reader = registry.reader_for(csv)
    started = time.monotonic()
    try:
        with pytest.raises(PluginFailure, match="looks hung") as caught:
            reader.read(csv, no_progress)
        assert time.monotonic() - started < 3.0
        assert "plugin 'fake_hangs'" in str(caught.value) and "0.3 s" in str(caught.value)
        assert _status(registry, "fake_hangs")[0] == "error"
        assert type(registry.reader_for(csv)).__name__ == "DelimitedTextReader"
    finally:
        import fake_hangs.reader  # type: ignore[import-not-found]

        fake_hangs.reader.RELEASE.set()


def test_progress_keeps_a_slow_read_alive(fake_plugins: FakePlugins, tmp_path: Path) -> None:
    slow = GOOD.replace("    def read(self, path, progress):\n",
                        "    def read(self, path, progress):\n        import time\n"
                        "        for i in range(6):\n            time.sleep(0.1)\n"
                        "            progress(i / 6, 'working')\n")
    registry = _registry(fake_plugins.make("fake_slow", slow, patterns=CSV_PATTERN),
                         timeout=0.25)
    csv = _csv(tmp_path)
    seen: list[float] = []
    result = registry.reader_for(csv).read(csv, lambda f, _m: seen.append(f))
    assert len(result.tables) == 1 and len(seen) == 6


def test_a_bad_manifest_and_an_incompatible_contract(fake_plugins: FakePlugins,
                                                     tmp_path: Path) -> None:
    bad = fake_plugins.make("fake_bad_manifest", GOOD,
                            manifest='name = "fake_bad_manifest"\nreaders = "all"\n')
    future = fake_plugins.make("fake_future", GOOD, contract="2.0")
    newer = fake_plugins.make("fake_newer_minor", GOOD, contract="1.9")
    good = fake_plugins.make("fake_good", GOOD)
    registry = _registry(bad, future, newer, good)
    infos = {p.name: p for p in registry.plugins()}
    assert infos["fake_bad_manifest"].status == "error"
    assert "fake_bad_manifest" in infos["fake_bad_manifest"].error
    assert "display_name" in infos["fake_bad_manifest"].error
    for name, wanted in (("fake_future", "2.0"), ("fake_newer_minor", "1.9")):
        info = infos[name]
        assert info.status == "error" and info.version == "0.3.1"  # the version is still shown
        assert f"needs reader contract {wanted}; this Formix provides 1.0" in info.error
    assert infos["fake_good"].status == "ok" and infos["fake_good"].contract == "1.0"
    fake = tmp_path / "a.fake"
    fake.write_text("x")
    assert type(registry.reader_for(fake)).__module__ == "fake_good.reader"
    assert type(registry.reader_for(_csv(tmp_path))).__name__ == "DelimitedTextReader"


def test_a_disabled_plugin_is_listed_but_never_imported(fake_plugins: FakePlugins,
                                                        tmp_path: Path) -> None:
    import sys

    point = fake_plugins.make("fake_off", GOOD)
    registry = _registry(point, disabled=frozenset({"fake_off"}))
    assert _status(registry, "fake_off")[0] == "disabled"
    fake = tmp_path / "a.fake"
    fake.write_text("x")
    with pytest.raises(ReaderError, match=r"switched off .*formix plugins enable fake_off"):
        registry.reader_for(fake)
    assert "fake_off.reader" not in sys.modules
    registry.set_enabled("fake_off", True)
    assert type(registry.reader_for(fake)).__module__ == "fake_off.reader"


def test_guarded_readers_keep_their_class(fake_plugins: FakePlugins, tmp_path: Path) -> None:
    registry = _registry(fake_plugins.make("fake_same", GOOD, patterns=CSV_PATTERN))
    reader = registry.reader_for(_csv(tmp_path))
    import fake_same.reader  # type: ignore[import-not-found]

    assert isinstance(reader, fake_same.reader.Reader)
    assert type(reader).__name__ == "Reader" and type(reader).__qualname__ == "Reader"


def test_builtin_plugins_run_without_a_time_limit(tmp_path: Path) -> None:
    registry = ReaderRegistry(settings=PluginSettings(read_timeout=0.000_001))
    sources = {p.name: p.source for p in registry.plugins()}
    assert {sources[n] for n in ("tabular", "historian", "lims", "sql")} == {"builtin"}
    csv = _csv(tmp_path)
    assert len(registry.reader_for(csv).read(csv, no_progress).tables[0].frame) == 2
