"""Post-processing of the PyInstaller bundle on Linux: prune, strip and deduplicate safely.

PyInstaller's own ``strip=True`` strips every library, which breaks the ones auditwheel
patched with patchelf (numpy.libs, scipy.libs …): the stripped file has a LOAD segment whose
file offset and address disagree modulo the page size, and the dynamic loader refuses it
("ELF load command address/offset not page-aligned"). Here each library is stripped into a
copy, the copy's program headers are checked the way the loader checks them, and the copy
replaces the original only when it passes and is smaller.

Also: ``prune_orphan_libraries`` drops system libraries that only a removed binary needed
(libqgtk3.so pulls half of GTK's stack but not GTK itself; shipping cairo/pango without GTK
makes the system's GTK load our copies and crash), and ``link_duplicates`` stores files that
several wheels ship identically (libgfortran in numpy.libs and scipy.libs) once.

Used by ``formix.spec``; standalone: ``python installers/_bundle_tools.py dist/formix/_internal``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PAGE = 4096  # the largest page size the x86-64/aarch64 Linux loaders check against here
_PT_LOAD = 1


def is_elf(path: Path) -> bool:
    """Whether the file is a 64-bit ELF object."""
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and head[4:5] == b"\x02"


def loadable(path: Path) -> bool:
    """Whether every LOAD segment satisfies (vaddr - offset) % page == 0 (glibc's check)."""
    with path.open("rb") as handle:
        head = handle.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:  # 64-bit little-endian
            return False
        (phoff,) = struct.unpack_from("<Q", head, 32)
        entry_size, count = struct.unpack_from("<HH", head, 54)
        handle.seek(phoff)
        table = handle.read(entry_size * count)
    for index in range(count):
        kind, _flags, offset, vaddr = struct.unpack_from("<IIQQ", table, index * entry_size)
        if kind == _PT_LOAD and (vaddr - offset) % PAGE:
            return False
    return True


def strip_libraries(folder: Path, strip: str = "strip") -> tuple[int, int, list[str]]:
    """Strip every ELF file under ``folder`` where that is safe.

    Returns:
        (bytes before, bytes after, files left as they were because stripping broke them).
    """
    if shutil.which(strip) is None:
        print(f"bundle: '{strip}' not found; libraries left unstripped", file=sys.stderr)
        return 0, 0, []
    before = after = 0
    refused: list[str] = []
    with tempfile.TemporaryDirectory(prefix="formix-strip-") as scratch:
        copy = Path(scratch) / "lib"
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not path.is_file() or not is_elf(path):
                continue
            size = path.stat().st_size
            before += size
            shutil.copy2(path, copy)
            result = subprocess.run([strip, "--strip-unneeded", str(copy)],
                                    capture_output=True, check=False)
            new_size = copy.stat().st_size
            if result.returncode == 0 and new_size < size and loadable(copy):
                os.replace(copy, path)
                after += new_size
            else:
                if result.returncode == 0 and new_size < size:
                    refused.append(str(path.relative_to(folder)))
                after += size
    return before, after, refused


def prune_orphan_libraries(binaries: list[tuple[str, str, str]],
                           imports_of: Any) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Drop top-level shared libraries no remaining binary links against.

    Args:
        binaries: PyInstaller's (destination, source, typecode) entries.
        imports_of: ``source path -> iterable of (name, path)`` of the libraries it links
            (PyInstaller's ``bindepend.get_imports``, transitive on Linux).

    Returns:
        (kept entries, destinations dropped).
    """
    def top_level_library(dest: str) -> bool:
        return "/" not in dest.replace("\\", "/") and dest.startswith("lib") \
            and not dest.startswith("libpython")

    needed: set[str] = set()
    for dest, source, typecode in binaries:  # roots: extension modules, packages' libraries
        if top_level_library(dest) or typecode not in ("BINARY", "EXTENSION"):
            continue
        needed.update(os.path.basename(name) for name, _path in imports_of(source))
    # Libraries linked by kept libraries stay as well (to a fixed point).
    while True:
        before = len(needed)
        for dest, source, typecode in binaries:
            if top_level_library(dest) and dest in needed and typecode == "BINARY":
                needed.update(os.path.basename(name) for name, _path in imports_of(source))
        if len(needed) == before:
            break
    kept, dropped = [], []
    for entry in binaries:
        dest = entry[0]
        if top_level_library(dest) and entry[2] == "BINARY" and dest not in needed:
            dropped.append(dest)
        else:
            kept.append(entry)
    return kept, dropped


def share_archive(first: Path, second: Path) -> bool:
    """Make ``second`` a symlink to ``first`` when both executables' archives are identical."""
    if not (first.is_file() and second.is_file()) or second.is_symlink():
        return False
    if first.stat().st_size != second.stat().st_size or \
            first.read_bytes() != second.read_bytes():
        print(f"bundle: {first.name} and {second.name} differ; both kept", file=sys.stderr)
        return False
    second.unlink()
    second.symlink_to(first.name)
    return True


def link_duplicates(folder: Path, min_size: int = 256 * 1024) -> int:
    """Replace byte-identical large files by relative symlinks to one copy; bytes saved."""
    seen: dict[tuple[int, str], Path] = {}
    saved = 0
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.stat().st_size < min_size:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        key = (path.stat().st_size, digest)
        first = seen.setdefault(key, path)
        if first is path:
            continue
        saved += path.stat().st_size
        path.unlink()
        path.symlink_to(os.path.relpath(first, path.parent))
    return saved


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/formix")
    total_before, total_after, kept = strip_libraries(target)
    print(f"stripped {total_before / 1e6:.0f} MB -> {total_after / 1e6:.0f} MB; "
          f"left unstripped (patched by auditwheel): {len(kept)}")
