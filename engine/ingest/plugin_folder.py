"""The user plugins folder: wheels unpacked by Formix itself, discovered without pip.

A wheel is a zip of the plugin's packages plus a ``*.dist-info`` folder. Unpacked into the
plugins folder (``plugin_settings.plugins_dir()``), the folder works like a ``site-packages``:
it is appended to ``sys.path`` and its ``*.dist-info/entry_points.txt`` entries of the group
``formix.readers`` are found with ``importlib.metadata.distributions(path=[folder])``. This
works in a frozen (PyInstaller) application, which has no pip.
"""

from __future__ import annotations

import email.parser
import importlib.metadata
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engine.errors import FormixError

__all__ = ["InstalledWheel", "folder_entry_points", "install_wheel"]

GROUP = "formix.readers"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def folder_entry_points(folder: Path) -> list[importlib.metadata.EntryPoint]:
    """The ``formix.readers`` entry points of the distributions unpacked in ``folder``.

    The folder is appended to ``sys.path`` (when it holds any) so the plugins' packages import;
    installed packages of the same name take precedence.
    """
    if not folder.is_dir():
        return []
    points: list[importlib.metadata.EntryPoint] = []
    seen: set[str] = set()
    for dist in sorted(importlib.metadata.distributions(path=[str(folder)]),
                       key=lambda d: _normalise(d.metadata["Name"] or "")):
        name = _normalise(dist.metadata["Name"] or "")
        if name in seen:
            continue
        seen.add(name)
        points.extend(dist.entry_points.select(group=GROUP))
    if points and str(folder) not in sys.path:
        sys.path.append(str(folder))
    return points


@dataclass(frozen=True)
class InstalledWheel:
    """What ``install_wheel`` unpacked.

    Attributes:
        distribution: the wheel's distribution name.
        version: its version.
        plugins: the ``formix.readers`` entry points it declares, as (name, value).
        replaced: the version of the same distribution that was removed first, if any.
    """

    distribution: str
    version: str
    plugins: tuple[tuple[str, str], ...]
    replaced: str | None


def _wheel_parts(archive: zipfile.ZipFile, wheel: Path) -> tuple[str, dict[str, str], str]:
    """(dist-info folder, metadata fields, entry_points.txt text) of a wheel."""
    infos = {PurePosixPath(n).parts[0] for n in archive.namelist()
             if PurePosixPath(n).parts and PurePosixPath(n).parts[0].endswith(".dist-info")}
    if len(infos) != 1:
        raise FormixError(f"{wheel.name}: not a wheel (expected one *.dist-info folder, "
                          f"found {len(infos)})")
    info = infos.pop()
    try:
        metadata_text = archive.read(f"{info}/METADATA").decode("utf-8")
    except KeyError as error:
        raise FormixError(f"{wheel.name}: not a wheel ({info}/METADATA is missing)") from error
    fields = email.parser.Parser().parsestr(metadata_text, headersonly=True)
    try:
        points = archive.read(f"{info}/entry_points.txt").decode("utf-8")
    except KeyError:
        points = ""
    return info, {"Name": fields["Name"] or "", "Version": fields["Version"] or "?"}, points


def _formix_points(text: str) -> tuple[tuple[str, str], ...]:
    group: str | None = None
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
        elif group == GROUP and "=" in line:
            name, _, value = line.partition("=")
            found.append((name.strip(), value.strip()))
    return tuple(found)


def _safe_members(archive: zipfile.ZipFile, wheel: Path) -> list[tuple[zipfile.ZipInfo, Path]]:
    """Members with their target paths relative to the folder; ``.data`` lib parts moved up.

    Raises:
        FormixError: a member would land outside the folder, or holds scripts/headers.
    """
    members = []
    for member in archive.infolist():
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts or ":" in member.filename:
            raise FormixError(f"{wheel.name}: unsafe path in the wheel: {member.filename}")
        parts = path.parts
        if parts and parts[0].endswith(".data") and len(parts) > 1:
            if parts[1] not in ("purelib", "platlib"):
                raise FormixError(f"{wheel.name}: holds {parts[1]} files ({member.filename}); "
                                  "a reader plugin wheel may hold only Python packages and data")
            parts = parts[2:]
        if member.is_dir() or not parts:
            continue
        members.append((member, Path(*parts)))
    return members


def _installed(folder: Path) -> dict[str, importlib.metadata.Distribution]:
    if not folder.is_dir():
        return {}
    return {_normalise(d.metadata["Name"] or ""): d
            for d in importlib.metadata.distributions(path=[str(folder)])}


def _remove(dist: importlib.metadata.Distribution, folder: Path) -> None:
    """Delete an unpacked distribution's files (from its RECORD) and its dist-info folder."""
    for file in dist.files or ():
        target = (folder / str(file)).resolve()
        if folder.resolve() in target.parents and target.is_file():
            target.unlink()
    name = _normalise(dist.metadata["Name"] or "")
    for info in folder.glob("*.dist-info"):
        if _normalise(info.name.rsplit("-", 1)[0]) == name:
            shutil.rmtree(info, ignore_errors=True)
    for directory in sorted({p for p in folder.rglob("*") if p.is_dir()}, reverse=True):
        if directory.name == "__pycache__" or not any(directory.iterdir()):
            shutil.rmtree(directory, ignore_errors=True)


def install_wheel(wheel: Path, folder: Path) -> InstalledWheel:
    """Unpack a reader plugin wheel into the plugins folder, replacing an older version.

    Args:
        wheel: a ``.whl`` file declaring at least one ``formix.readers`` entry point.
        folder: the plugins folder (created when absent).

    Raises:
        FormixError: not a readable wheel, no ``formix.readers`` entry point, unsafe paths,
            or files that belong to another installed plugin.
    """
    wheel = Path(wheel)
    if not wheel.is_file():
        raise FormixError(f"{wheel}: file not found")
    try:
        archive = zipfile.ZipFile(wheel)
    except (zipfile.BadZipFile, OSError) as error:
        raise FormixError(f"{wheel.name}: not a wheel (cannot open it as a zip: {error})") \
            from error
    with archive:
        _info, metadata, points_text = _wheel_parts(archive, wheel)
        plugins = _formix_points(points_text)
        if not plugins:
            raise FormixError(f"{wheel.name}: declares no '{GROUP}' entry point, so it is not "
                              "a Formix reader plugin (see PLUGINS.md)")
        members = _safe_members(archive, wheel)
        folder.mkdir(parents=True, exist_ok=True)
        installed = _installed(folder)
        name = _normalise(metadata["Name"])
        previous = installed.pop(name, None)
        owned = {Path(str(f)) for d in installed.values() for f in (d.files or ())}
        clashes = sorted(str(target) for _, target in members if target in owned)
        if clashes:
            raise FormixError(f"{wheel.name}: would overwrite files of another installed "
                              f"plugin: {', '.join(clashes[:5])}")
        replaced = previous.version if previous is not None else None
        with tempfile.TemporaryDirectory(dir=folder, prefix=".install-") as staging:
            stage = Path(staging)
            for member, target in members:
                destination = stage / target
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, destination.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
            _check_manifests(stage, plugins, wheel)
            if previous is not None:
                _remove(previous, folder)
            _move_tree(stage, folder)
    if previous is not None:
        _forget_modules(plugins)
    return InstalledWheel(metadata["Name"], metadata["Version"], plugins, replaced)


def _check_manifests(stage: Path, plugins: Iterable[tuple[str, str]], wheel: Path) -> None:
    """Every declared plugin's manifest is in the wheel and valid (contract included)."""
    from engine.ingest.manifest import ManifestError, load_manifest

    for name, value in plugins:
        module, _, resource = value.partition(":")
        manifest = stage.joinpath(*module.strip().split("."), resource.strip() or "?")
        if not resource.strip() or not manifest.is_file():
            raise FormixError(f"{wheel.name}: plugin '{name}': the manifest '{value}' is not "
                              "in the wheel (is formix.toml listed as package data?)")
        try:
            load_manifest(manifest)
        except ManifestError as error:
            reason = str(error).replace(str(manifest), f"{module.strip()}/{resource.strip()}")
            raise FormixError(f"{wheel.name}: plugin '{name}': {reason}") from error


def _move_tree(stage: Path, folder: Path) -> None:
    for source in sorted(p for p in stage.rglob("*") if p.is_file()):
        target = folder / source.relative_to(stage)
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)


def _forget_modules(plugins: Iterable[tuple[str, str]]) -> None:
    """Drop cached imports of the plugins' packages so a replaced version is imported anew."""
    roots = {value.partition(":")[0].split(".")[0].strip() for _, value in plugins}
    roots -= {"engine", "plugins", "desktop"}
    for module in [m for m in sys.modules if m.split(".")[0] in roots]:
        del sys.modules[module]
    importlib.invalidate_caches()
