"""The picture of the architecture holds: the engine never imports Qt, the desktop or plugins."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

FORBIDDEN_IN_ENGINE = ("PySide6", "desktop", "plugins", "pyqtgraph")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_engine_never_imports_qt_desktop_or_plugins() -> None:
    offenders = []
    for path in sorted((REPO_ROOT / "engine").rglob("*.py")):
        for module in _imported_modules(path):
            if module.split(".")[0] in FORBIDDEN_IN_ENGINE:
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    assert offenders == []


def test_desktop_reaches_the_engine_only_through_its_service_api() -> None:
    allowed = ("engine.services", "engine.types", "engine.errors", "engine.progress",
               "engine.schema", "engine")
    offenders = []
    for path in sorted((REPO_ROOT / "desktop").rglob("*.py")):
        for module in _imported_modules(path):
            if module.startswith("engine") and module not in allowed:
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    assert offenders == []


@pytest.mark.skipif(shutil.which("ruff") is None and not (REPO_ROOT / ".venv/bin/ruff").exists(),
                    reason="ruff is not installed")
def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(REPO_ROOT / ".venv/bin/ruff")
    result = subprocess.run(
        [ruff, "check", "--quiet", "engine", "desktop", "plugins", "tests"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not (REPO_ROOT / ".venv/bin/lint-imports").exists()
                    and shutil.which("lint-imports") is None,
                    reason="import-linter is not installed")
def test_import_linter_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports") or str(REPO_ROOT / ".venv/bin/lint-imports")
    result = subprocess.run([lint, "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_the_cli_sends_desktop_calls_to_the_desktop() -> None:
    from engine.cli import _is_desktop_call

    assert _is_desktop_call(["--demo"])
    assert _is_desktop_call(["plant.formix"])
    assert _is_desktop_call(["postgresql+psycopg://formix@dbhost/plant"])
    assert not _is_desktop_call(["demo"])
    assert not _is_desktop_call(["info", "plant.formix"])
    assert not _is_desktop_call(["info", "postgresql+psycopg://formix@dbhost/plant"])
