"""Acceptance: the example plugin installed from its folder into a fresh virtual environment,
and as a wheel with ``formix plugins install`` (no pip), is discovered and imports its sample
into a project end to end through the CLI; broken plugins leave the CLI working.

The fresh environment is ``python -m venv --system-site-packages --without-pip`` plus a
``.pth`` file adding this environment's site-packages, so Formix, its dependencies, pip,
setuptools and wheel are there without a network; the plugin is installed with
``pip install --no-deps --no-build-isolation --no-index``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import engine.cli
from tests.plugins.conftest import EXAMPLE

pytestmark = pytest.mark.slow

# Runs the CLI with pip made unimportable: nothing here may need pip.
_CLI = ("import sys; sys.modules['pip'] = None; from engine.cli import main; "
        "sys.exit(main(sys.argv[1:]))")
_PLUGINS_CLI = ("import sys; sys.modules['pip'] = None; "
                "from engine.cli.plugin_commands import main; sys.exit(main(sys.argv[1:]))")
_OFFLINE = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}


def formix(python: Path | str, *args: str, env: dict[str, str], cwd: Path,
           ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``formix ARGS`` with a given interpreter (``formix plugins …`` too, before the CLI
    lists the plugins commands)."""
    code = _CLI
    if args[0] == "plugins" and "engine.cli.plugin_commands" not in engine.cli._COMMAND_MODULES:
        code, args = _PLUGINS_CLI, args[1:]
    done = subprocess.run([str(python), "-c", code, *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=180, check=False)
    if ok:
        assert done.returncode == 0, f"formix {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _listed(python: Path | str, env: dict[str, str], cwd: Path) -> dict[str, dict[str, Any]]:
    out = formix(python, "plugins", "list", "--json", env=env, cwd=cwd).stdout
    return {plugin["name"]: plugin for plugin in json.loads(out)}


def _copy_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(
        "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    return target


def _require_build_tools() -> None:
    try:
        import setuptools
    except ImportError:
        pytest.fail("setuptools is not importable: building the example plugin offline needs "
                    "it in the development environment")
    major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
    try:
        import wheel  # noqa: F401
    except ImportError:
        if (major, minor) < (70, 1):
            pytest.fail(f"setuptools {setuptools.__version__} without the 'wheel' package "
                        "cannot build wheels offline; install 'wheel' (or setuptools>=70.1) "
                        "in the development environment (the dev extra)")


@pytest.fixture
def cli_env(_isolated_plugins: dict[str, Path]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(_OFFLINE)
    env.update(FORMIX_CONFIG_DIR=str(_isolated_plugins["config"]),
               FORMIX_PLUGINS_DIR=str(_isolated_plugins["plugins"]),
               OMP_WAIT_POLICY="PASSIVE")
    return env


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with the example plugin installed from its folder (offline)."""
    _require_build_tools()
    root = tmp_path_factory.mktemp("fresh-venv")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True, capture_output=True, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = subprocess.run([str(python), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    (Path(site) / "formix-dev-environment.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n")
    source = _copy_example(root / "example_reader")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **_OFFLINE}
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                           "--no-build-isolation", "--no-index", str(source)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    yield python


@pytest.fixture(scope="module")
def example_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin built into a wheel with ``pip wheel --no-deps`` (offline)."""
    _require_build_tools()
    root = tmp_path_factory.mktemp("wheel")
    source = _copy_example(root / "example_reader")
    env = {**os.environ, **_OFFLINE}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "--no-build-isolation", "--no-index", "-w", str(root / "dist"),
                           str(source)], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = (root / "dist").glob("formix_example_reader-*.whl")
    return wheel


def test_example_installed_in_a_fresh_venv_imports_its_sample(
    fresh_venv: Path, cli_env: dict[str, str], tmp_path: Path,
) -> None:
    plugins = _listed(fresh_venv, cli_env, tmp_path)
    example = plugins["example"]
    assert example["status"] == "enabled" and example["version"] == "0.1.0"
    assert example["source"] == "entry point" and example["contract"] == "1.0"
    assert example["readers"] == ["example.batchctl"]
    assert {"tabular", "historian", "lims", "sql"} <= set(plugins)
    assert "example" not in _listed(sys.executable, cli_env, tmp_path)  # not installed here

    samples = EXAMPLE / "samples"
    formix(fresh_venv, "init", "plant.formix", env=cli_env, cwd=tmp_path)
    done = formix(fresh_venv, "import", "plant.formix", str(samples / "recipes.csv"),
                  str(samples / "batches.bctl"), "--json", env=cli_env, cwd=tmp_path)
    files = {f["file"]: f for f in json.loads(done.stdout)["files"]}
    assert files["batches.bctl"]["kind"] == "batches"
    assert files["batches.bctl"]["counts"] == {"batches": 3, "batch_amounts": 12}
    assert files["recipes.csv"]["counts"]["recipes"] == 2


def test_example_plugin_tests_pass_in_the_fresh_venv(fresh_venv: Path, cli_env: dict[str, str],
                                                     tmp_path: Path) -> None:
    tests = _copy_example(tmp_path / "example_reader")
    done = subprocess.run([str(fresh_venv), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tests / "tests")], cwd=tests, env=cli_env, text=True,
                          capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 passed" in done.stdout


def test_wheel_installed_without_pip_is_discovered(
    example_wheel: Path, cli_env: dict[str, str], tmp_path: Path,
    _isolated_plugins: dict[str, Path],
) -> None:
    done = formix(sys.executable, "plugins", "install", str(example_wheel), env=cli_env,
                  cwd=tmp_path)
    assert "installed plugin 'example'" in done.stdout
    folder = _isolated_plugins["plugins"]
    assert (folder / "formix_example_reader" / "formix.toml").is_file()
    assert list(folder.glob("formix_example_reader-0.1.0.dist-info"))
    example = _listed(sys.executable, cli_env, tmp_path)["example"]
    assert (example["source"], example["status"]) == ("folder", "enabled")

    samples = EXAMPLE / "samples"
    formix(sys.executable, "init", "plant.formix", env=cli_env, cwd=tmp_path)
    formix(sys.executable, "import", "plant.formix", str(samples / "recipes.csv"),
           env=cli_env, cwd=tmp_path)
    formix(sys.executable, "plugins", "disable", "example", env=cli_env, cwd=tmp_path)
    assert _listed(sys.executable, cli_env, tmp_path)["example"]["status"] == "disabled"
    refused = formix(sys.executable, "import", "plant.formix", str(samples / "batches.bctl"),
                     env=cli_env, cwd=tmp_path, ok=False)
    assert refused.returncode == 1 and "formix plugins enable example" in refused.stderr
    formix(sys.executable, "plugins", "enable", "example", env=cli_env, cwd=tmp_path)
    done = formix(sys.executable, "import", "plant.formix", str(samples / "batches.bctl"),
                  "--json", env=cli_env, cwd=tmp_path)
    assert json.loads(done.stdout)["files"][0]["counts"]["batches"] == 3
    again = formix(sys.executable, "plugins", "install", str(example_wheel), env=cli_env,
                   cwd=tmp_path)  # reinstalling replaces the old copy
    assert "installed plugin 'example'" in again.stdout
    assert len(list(folder.glob("*.dist-info"))) == 1


def _broken_folder_plugin(folder: Path, package: str, reader: str, manifest: str) -> None:
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("")
    (folder / package / "reader.py").write_text(reader)
    (folder / package / "formix.toml").write_text(manifest)
    info = folder / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[formix.readers]\n{package} = {package}:formix.toml\n")


def test_the_cli_goes_on_with_broken_plugins(cli_env: dict[str, str], tmp_path: Path,
                                             _isolated_plugins: dict[str, Path]) -> None:
    folder = _isolated_plugins["plugins"]
    manifest = ('name = "{0}"\ndisplay_name = "{0}"\nversion = "2.0.0"\n'
                'formix_contract = "{1}"\n[[readers]]\nid = "r"\ntitle = "Broken"\n'
                'python_name = "{0}.reader:Reader"\npatterns = ["*.brk"]\npriority = 5\n')
    _broken_folder_plugin(folder, "broken_read", "class Reader:\n    def can_read(self, p):\n"
                          "        return True\n    def read(self, p, progress):\n"
                          "        raise ZeroDivisionError('oops')\n",
                          manifest.format("broken_read", "1.0"))
    _broken_folder_plugin(folder, "broken_future", "", manifest.format("broken_future", "3.1"))
    plugins = _listed(sys.executable, cli_env, tmp_path)
    assert plugins["broken_future"]["status"] == "failed"
    assert plugins["broken_future"]["version"] == "2.0.0"
    assert "contract 3.1" in plugins["broken_future"]["error"]
    assert plugins["broken_read"]["status"] == "enabled"
    human = formix(sys.executable, "plugins", "list", env=cli_env, cwd=tmp_path).stdout
    assert "broken_future" in human and "failed" in human

    formix(sys.executable, "init", "plant.formix", env=cli_env, cwd=tmp_path)
    data = tmp_path / "log.brk"
    data.write_text("whatever")
    refused = formix(sys.executable, "import", "plant.formix", str(data), env=cli_env,
                     cwd=tmp_path, ok=False)
    assert refused.returncode == 1
    assert "log.brk" in refused.stderr and "plugin 'broken_read'" in refused.stderr
    assert "ZeroDivisionError" in refused.stderr
    formix(sys.executable, "import", "plant.formix", str(EXAMPLE / "samples" / "recipes.csv"),
           env=cli_env, cwd=tmp_path)


def test_validate_through_the_cli(cli_env: dict[str, str], tmp_path: Path) -> None:
    done = formix(sys.executable, "plugins", "validate", str(EXAMPLE), env=cli_env, cwd=tmp_path)
    assert "the plugin is valid" in done.stdout
    broken = _copy_example(tmp_path / "broken")
    toml = broken / "formix_example_reader" / "formix.toml"
    toml.write_text(toml.read_text().replace('formix_contract = "1.0"',
                                             'formix_contract = "2.0"'))
    refused = formix(sys.executable, "plugins", "validate", str(broken), "--json", env=cli_env,
                     cwd=tmp_path, ok=False)
    assert refused.returncode == 1
    report = json.loads(refused.stdout)
    assert not report["ok"] and "contract 2.0" in report["problems"][0]
