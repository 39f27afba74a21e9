"""Checking a plugin folder before it is packaged: manifest, contract, reader classes, packaging.

Used by ``formix plugins validate PATH`` (npe2 ``validate``). The reader classes are imported
in this process, from the folder being checked, and the modules are forgotten afterwards so an
installed version of the same package is not disturbed.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from engine.ingest._loading import import_reader_class
from engine.ingest.manifest import ManifestError, PluginManifest, load_manifest
from engine.ingest.reader import Reader

__all__ = ["find_manifest", "validate_plugin_folder"]

MANIFEST_NAME = "formix.toml"
GROUP = "formix.readers"


def find_manifest(path: Path) -> Path:
    """The manifest of a plugin given as its ``formix.toml``, package folder or project folder.

    Raises:
        ManifestError: none found, or several.
    """
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise ManifestError(f"{path}: no such file or folder")
    if (path / MANIFEST_NAME).is_file():
        return path / MANIFEST_NAME
    found = sorted([*path.glob(f"*/{MANIFEST_NAME}"), *path.glob(f"src/*/{MANIFEST_NAME}")])
    if not found:
        raise ManifestError(f"{path}: no {MANIFEST_NAME} here or in a package folder below it")
    if len(found) > 1:
        listing = ", ".join(str(p.relative_to(path)) for p in found)
        raise ManifestError(f"{path}: several manifests ({listing}); validate one of them")
    return found[0]


def _package_root(manifest: Path) -> tuple[Path, str]:
    """(folder to import from, dotted package name of the manifest's folder)."""
    folder = manifest.resolve().parent
    parts: list[str] = []
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return folder, ".".join(parts)


@contextmanager
def _imports_from(root: Path, tops: set[str]) -> Iterator[None]:
    """Import the given top-level packages from ``root``, then restore ``sys.modules``."""
    def foreign(module: ModuleType) -> bool:
        file = getattr(module, "__file__", None) or ""
        return not Path(file).resolve().is_relative_to(root.resolve()) if file else True

    saved: dict[str, ModuleType] = {}
    for name in list(sys.modules):
        if name.split(".")[0] in tops and foreign(sys.modules[name]):
            saved[name] = sys.modules.pop(name)
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] in tops and n not in before]:
            del sys.modules[name]
        sys.modules.update(saved)


def _check_readers(manifest: PluginManifest, root: Path) -> list[str]:
    problems = []
    tops = {spec.python_name.split(".")[0].split(":")[0] for spec in manifest.readers}
    with _imports_from(root, tops):
        for spec in manifest.readers:
            where = f"reader '{spec.id}' ({spec.python_name})"
            try:
                cls = import_reader_class(spec.python_name)
            except Exception as error:
                problems.append(f"{where}: cannot be loaded: {type(error).__name__}: {error}")
                continue
            try:
                reader = cls()
            except Exception as error:
                problems.append(f"{where}: cannot be created without options (every __init__ "
                                f"option needs a default): {type(error).__name__}: {error}")
                continue
            if not isinstance(reader, Reader):
                problems.append(f"{where}: does not follow the Reader protocol "
                                "(can_read(path) and read(path, progress))")
    return problems


def _check_packaging(manifest_path: Path, manifest: PluginManifest, root: Path,
                     package: str) -> list[str]:
    pyproject = next((folder / "pyproject.toml" for folder in (root, root.parent)
                      if (folder / "pyproject.toml").is_file()), None)
    if pyproject is None or not package:
        return []
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [f"{pyproject}: cannot be read: {error}"]
    points = data.get("project", {}).get("entry-points", {}).get(GROUP, {})
    value = f"{package}:{manifest_path.name}"
    names = [name for name, target in points.items()
             if str(target).replace(" ", "") == value]
    if not names:
        return [f"{pyproject}: no entry point points at this manifest; add\n"
                f"  [project.entry-points.\"{GROUP}\"]\n  {manifest.name} = \"{value}\""]
    if manifest.name not in names:
        return [f"{pyproject}: the entry point is named '{names[0]}' but the manifest's name "
                f"is '{manifest.name}'; use the same name"]
    return []


def validate_plugin_folder(path: Path) -> list[str]:
    """Every problem found in a plugin (empty when it is fine).

    Checks the manifest (TOML, fields, reader contract), imports each reader class from the
    folder and checks it follows the ``Reader`` protocol and can be created without options,
    and, when a ``pyproject.toml`` is beside the package, that its ``formix.readers`` entry
    point names this manifest.

    Args:
        path: the plugin's ``formix.toml``, its package folder, or its project folder.
    """
    try:
        manifest_path = find_manifest(Path(path))
        manifest = load_manifest(manifest_path)
    except ManifestError as error:
        return [str(error)]
    root, package = _package_root(manifest_path)
    return [*_check_readers(manifest, root),
            *_check_packaging(manifest_path, manifest, root, package)]
