"""Reader plugin discovery: manifests without imports, lazy loading, broken plugins skipped."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from engine.errors import ReaderError
from engine.ingest.manifest import ManifestError, load_manifest, parse_manifest
from engine.ingest.reader import Reader
from engine.ingest.registry import ReaderRegistry, _iter_entry_points

MANIFEST = """\
name = "{name}"
display_name = "Fake {name}"
version = "0.1.0"
formix_contract = "{contract}"

[[readers]]
id = "fake"
title = "Fake files"
python_name = "{package}.reader:{cls}"
patterns = ["*.fake"]
priority = {priority}
"""

READER = """\
from engine.ingest.reader import ReadResult

class FakeReader:
    def __init__(self, sheet=None):
        self.sheet = sheet

    def can_read(self, path):
        return path.read_bytes().startswith(b"FAKE")

    def read(self, path, progress):
        return ReadResult(tables=(), source=path)

class NotAReader:
    def can_read(self, path):
        return True
"""


def _plugin(root: Path, package: str, *, cls: str = "FakeReader", contract: str = "1.0",
            priority: int = 0, manifest: str | None = None, reader: str = READER) -> EntryPoint:
    folder = root / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "reader.py").write_text(reader)
    text = manifest if manifest is not None else MANIFEST.format(
        name=package, package=package, cls=cls, contract=contract, priority=priority)
    (folder / "formix.toml").write_text(text)
    return EntryPoint(name=package, value=f"{package}:formix.toml", group="formix.readers")


@pytest.fixture
def plugin_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.startswith("fake_")]:
        del sys.modules[name]


def test_the_builtin_tabular_plugin_is_installed() -> None:
    names = [point.name for point in _iter_entry_points()]
    assert "tabular" in names
    registry = ReaderRegistry()
    (info,) = [p for p in registry.plugins() if p.name == "tabular"]
    assert info.status == "ok" and info.version == "1.0.0"
    ids = {r.id for r in registry.readers()}
    assert {"tabular.csv", "tabular.excel"} <= ids


def test_file_filters_come_from_manifests() -> None:
    filters = dict(ReaderRegistry().file_filters())
    assert "*.csv" in filters["All supported files"]
    assert "*.xlsx" in filters["All supported files"]
    assert filters["Excel workbook (.xlsx, .xls)"] == ("*.xlsx", "*.xlsm", "*.xls")


def test_discovery_imports_no_reader_module(plugin_root: Path, tmp_path: Path) -> None:
    point = _plugin(plugin_root, "fake_lazy")
    registry = ReaderRegistry([point])
    assert [p.status for p in registry.plugins()] == ["ok"]
    assert registry.file_filters()[1] == ("Fake files", ("*.fake",))
    assert "fake_lazy.reader" not in sys.modules
    data = tmp_path / "a.fake"
    data.write_bytes(b"FAKE data")
    reader = registry.reader_for(data, {"sheet": "S2", "delimiter": ";"})
    assert "fake_lazy.reader" in sys.modules
    assert isinstance(reader, Reader)
    assert reader.sheet == "S2"  # declared options are passed, others left out


def test_a_broken_manifest_is_recorded_and_skipped(plugin_root: Path) -> None:
    broken = _plugin(plugin_root, "fake_broken", manifest='name = "fake_broken"\nsurprise = 1\n')
    good = _plugin(plugin_root, "fake_good")
    registry = ReaderRegistry([broken, good])
    status = {p.name: p for p in registry.plugins()}
    assert status["fake_good"].status == "ok"
    assert status["fake_broken"].status == "error"
    assert "fake_broken" in status["fake_broken"].error
    assert "surprise" in status["fake_broken"].error
    assert [r.plugin for r in registry.readers()] == ["fake_good"]


def test_a_missing_manifest_file_is_an_error(plugin_root: Path) -> None:
    point = EntryPoint(name="nowhere", value="fake_missing_pkg:formix.toml",
                       group="formix.readers")
    (info,) = ReaderRegistry([point]).plugins()
    assert info.status == "error" and "cannot read the manifest" in info.error


def test_an_incompatible_contract_is_refused(plugin_root: Path) -> None:
    point = _plugin(plugin_root, "fake_future", contract="2.0")
    (info,) = ReaderRegistry([point]).plugins()
    assert info.status == "error" and "contract 2.0" in info.error


@pytest.mark.parametrize(
    ("cls", "reader", "message"),
    [
        ("NotAReader", READER, "has no method read"),
        ("Missing", READER, "has no attribute"),
        ("FakeReader", "raise RuntimeError('boom at import')\n", "boom at import"),
    ],
)
def test_a_reader_that_fails_to_load_is_skipped(plugin_root: Path, tmp_path: Path, cls: str,
                                                 reader: str, message: str) -> None:
    package = f"fake_bad_{abs(hash((cls, reader))) % 10_000}"
    point = _plugin(plugin_root, package, cls=cls, reader=reader)
    registry = ReaderRegistry([point])
    data = tmp_path / "a.fake"
    data.write_bytes(b"FAKE")
    with pytest.raises(ReaderError, match=r"no reader|content is"):
        registry.reader_for(data)
    (info,) = registry.plugins()
    assert info.status == "error" and message in info.error
    assert registry.readers() == ()


def test_priority_and_sniff_choose_the_reader(plugin_root: Path, tmp_path: Path) -> None:
    low = _plugin(plugin_root, "fake_low", priority=0)
    high = _plugin(plugin_root, "fake_high", priority=5)
    registry = ReaderRegistry([low, high])
    data = tmp_path / "a.fake"
    data.write_bytes(b"FAKE")
    assert type(registry.reader_for(data)).__module__ == "fake_high.reader"
    other = tmp_path / "b.fake"
    other.write_bytes(b"NOT FAKE")
    with pytest.raises(ReaderError, match="content is text starting with 'NOT FAKE'"):
        registry.reader_for(other)


def test_unknown_extensions_and_missing_files(tmp_path: Path) -> None:
    registry = ReaderRegistry()
    odd = tmp_path / "data.parquet"
    odd.write_bytes(b"PAR1")
    with pytest.raises(ReaderError, match="no reader for files named like"):
        registry.reader_for(odd)
    with pytest.raises(ReaderError, match="file not found"):
        registry.reader_for(tmp_path / "absent.csv")


def test_the_builtin_manifest_validates() -> None:
    root = Path(__file__).resolve().parents[3]
    manifest = load_manifest(root / "plugins" / "tabular" / "formix.toml")
    assert manifest.name == "tabular" and len(manifest.readers) == 2
    with pytest.raises(ManifestError, match="not valid TOML"):
        parse_manifest("name = ", "x")
    bad = textwrap.dedent(MANIFEST.format(name="x", package="x", cls="C", contract="1.0",
                                          priority=0)).replace('"x.reader:C"', '"no colon"')
    with pytest.raises(ManifestError, match="python_name"):
        parse_manifest(bad, "x")
