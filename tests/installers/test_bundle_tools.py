"""The frozen build's helpers: executable dispatch and the bundle post-processing."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

INSTALLERS = Path(__file__).resolve().parents[2] / "installers"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_formix_installers_{name}",
                                                  INSTALLERS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entry = _load("entry")
tools = _load("_bundle_tools")


@pytest.mark.parametrize(("executable", "platform", "gui"), [
    ("/opt/formix/Formix", "linux", True),
    ("/opt/formix/formix", "linux", False),
    (r"C:\Program Files\Formix\Formix.exe", "win32", True),
    (r"C:\Program Files\Formix\FORMIX.EXE", "win32", True),
    (r"C:\Program Files\Formix\formix-cli.exe", "win32", False),
    ("/Applications/Formix.app/Contents/MacOS/Formix", "darwin", True),
    ("/Applications/Formix.app/Contents/MacOS/formix-cli", "darwin", False),
])
def test_the_executable_name_picks_gui_or_cli(executable: str, platform: str, gui: bool) -> None:
    if platform == "win32" and sys.platform != "win32":
        executable = executable.replace("\\", "/")
    assert entry._wants_gui(executable, platform) is gui


def _elf(path: Path, loads: list[tuple[int, int]]) -> Path:
    """A minimal 64-bit little-endian ELF header with PT_LOAD (offset, vaddr) entries."""
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 32, 64)  # e_phoff
    struct.pack_into("<HH", header, 54, 56, len(loads))  # e_phentsize, e_phnum
    table = b"".join(struct.pack("<IIQQQQQQ", 1, 5, offset, vaddr, vaddr, 0, 0, 4096)
                     for offset, vaddr in loads)
    path.write_bytes(bytes(header) + table)
    return path


def test_loadable_rejects_misaligned_segments(tmp_path: Path) -> None:
    assert tools.loadable(_elf(tmp_path / "good.so", [(0, 0), (0x1F000, 0x20000 + 0x1F000)]))
    # what strip makes of some patchelf-ed libraries: offset and address differ by 0x800
    assert not tools.loadable(_elf(tmp_path / "bad.so", [(0, 0), (0x1F800, 0x20000)]))


def test_prune_keeps_what_remaining_binaries_link(tmp_path: Path) -> None:
    binaries = [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "qxcb", "BINARY"),
        ("python3.11/lib-dynload/_ssl.so", "ssl", "EXTENSION"),
        ("libxcb.so.1", "xcb", "BINARY"),
        ("libXau.so.6", "xau", "BINARY"),        # needed by libxcb only: kept
        ("libssl.so.3", "libssl", "BINARY"),
        ("libcairo.so.2", "cairo", "BINARY"),    # was needed by the removed GTK theme
        ("libpython3.11.so.1.0", "py", "BINARY"),  # never dropped
    ]
    links = {"qxcb": ["libxcb.so.1"], "ssl": ["libssl.so.3"], "xcb": ["libXau.so.6"]}
    kept, dropped = tools.prune_orphan_libraries(
        binaries, lambda source: [(name, None) for name in links.get(source, [])])
    assert dropped == ["libcairo.so.2"]
    assert [entry[0] for entry in kept] == [b[0] for b in binaries if b[0] != "libcairo.so.2"]


def test_duplicates_become_relative_symlinks(tmp_path: Path) -> None:
    (tmp_path / "numpy.libs").mkdir()
    (tmp_path / "scipy.libs").mkdir()
    payload = b"gfortran" * 40_000
    (tmp_path / "numpy.libs" / "libgfortran.so.5").write_bytes(payload)
    (tmp_path / "scipy.libs" / "libgfortran.so.5").write_bytes(payload)
    (tmp_path / "scipy.libs" / "other.so").write_bytes(payload[:-1] + b"x")
    saved = tools.link_duplicates(tmp_path)
    link = tmp_path / "scipy.libs" / "libgfortran.so.5"
    assert saved == len(payload)
    assert link.is_symlink() and link.read_bytes() == payload
    assert str(link.readlink()) == "../numpy.libs/libgfortran.so.5"
    assert not (tmp_path / "scipy.libs" / "other.so").is_symlink()


def test_share_archive_only_when_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "Formix.pkg", tmp_path / "formix.pkg"
    first.write_bytes(b"archive")
    second.write_bytes(b"archivX")
    assert not tools.share_archive(first, second)
    second.write_bytes(b"archive")
    assert tools.share_archive(first, second)
    assert second.is_symlink() and str(second.readlink()) == "Formix.pkg"
