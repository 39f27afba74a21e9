"""``formix selftest`` logic with stand-in services: every failure fails, named by its step."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from engine import selftest
from engine.cli import selftest_commands


class FakeServices:
    """The slice of ``engine.services`` the self-test calls, answering instantly."""

    def __init__(self, **broken: Exception) -> None:
        self.broken = broken
        self.calls: list[str] = []

    def _maybe_fail(self, name: str) -> None:
        self.calls.append(name)
        if name in self.broken:
            raise self.broken[name]

    def list_plugins(self) -> list[Any]:
        self._maybe_fail("list_plugins")
        return [SimpleNamespace(name=n, status="enabled", error=None, readers=(f"{n}.r",))
                for n in selftest.BUILTIN_PLUGINS]

    def create_demo(self, folder: Path, **_: Any) -> tuple[Path, Any, bool]:
        self._maybe_fail("create_demo")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "demo.formix"
        path.write_text("project")
        return path, SimpleNamespace(counts={"recipes": 3, "batches": 3}), True

    def modelling_table(self, location: Path, **_: Any) -> tuple[Any, Any]:
        self._maybe_fail("modelling_table")
        frame = SimpleNamespace(shape=(3, 5))
        return (SimpleNamespace(frame=frame, target_columns=("strength",)),
                SimpleNamespace(issues=()))

    def train_models(self, location: Path, *, targets: Any = None, coverage: float = 0.9,
                     progress: Any = None, cancel: Any = None) -> list[str]:
        self._maybe_fail("train_models")
        return ["strength"]

    def optimise(self, location: Path, study: Any = None, *, seed: int = 0,
                 generations: int = 200, population: int = 100, progress: Any = None,
                 cancel: Any = None) -> Any:
        self._maybe_fail("optimise")
        self.optimise_size = (population, generations)
        return SimpleNamespace(summary=lambda: f"{population} × {generations}")

    def recommend(self, location: Path, result: Any, *, k: int = 3, cancel: Any = None) -> list:
        self._maybe_fail("recommend")
        self.recommended_from = result
        return ["a", "b", "c"][:k]


@pytest.fixture(autouse=True)
def _no_native_runtime_check(request: pytest.FixtureRequest,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime step loads LightGBM and pymoo; these tests are about the logic around it."""
    if request.node.name != "test_runtime_step_checks_the_native_parts":
        monkeypatch.setitem(selftest._STEP_FUNCTIONS, "runtime", lambda ctx: "stand-in runtime")


def _run(services: Any, tmp_path: Path, *extra: str,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    selftest_commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["selftest", "--folder", str(tmp_path / "work"), *extra])
    code = selftest_commands.run_selftest_command(args, services=services)
    out, err = capsys.readouterr()
    return code, out, err


def test_all_steps_pass_and_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    services = FakeServices()
    code, out, _err = _run(services, tmp_path, capsys=capsys)
    assert code == 0
    for step in selftest.STEPS:
        assert f"[  ok] {step}" in out
    assert "all 7 steps passed" in out
    # a short optimisation; recommend gets the optimisation's result
    assert services.optimise_size == (selftest.SHORT_RUN["population"],
                                      selftest.SHORT_RUN["generations"])
    assert services.recommended_from.summary() == "24 × 8"


def test_a_failing_step_exits_non_zero_and_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    services = FakeServices(modelling_table=ValueError("no batches link to a recipe"))
    code, out, err = _run(services, tmp_path, capsys=capsys)
    assert code == 1
    assert "[FAIL] link" in out and "no batches link to a recipe" in out
    assert "[skip] train" not in out  # train needs import only, and runs
    assert "failed step(s): link" in err
    assert services.calls[:2] == ["list_plugins", "create_demo"]


def test_later_steps_are_skipped_not_passed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(FakeServices(create_demo=OSError("disk full")), tmp_path,
                           capsys=capsys)
    assert code == 1
    for step in ("link", "train", "optimise", "recommend"):
        assert f"[skip] {step}" in out


def test_missing_services_fail_as_not_available(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class OldBuild(FakeServices):
        train_models = None  # type: ignore[assignment]
        optimise = None  # type: ignore[assignment]
        recommend = None  # type: ignore[assignment]

    code, out, _err = _run(OldBuild(), tmp_path, "--json", capsys=capsys)
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    statuses = {s["name"]: (s["status"], s["detail"]) for s in report["steps"]}
    for step in ("train", "optimise", "recommend"):
        assert statuses[step][0] == "failed"
        assert "not available in this build" in statuses[step][1]
    assert statuses["link"][0] == "ok"
    assert report["failed"] == ["train", "optimise", "recommend"]


def test_a_missing_builtin_plugin_fails_the_plugins_step(tmp_path: Path) -> None:
    services = FakeServices()
    services.list_plugins = lambda: [  # type: ignore[method-assign]
        SimpleNamespace(name="tabular", status="failed", error="manifest unreadable",
                        readers=()),
    ]
    report = selftest.run_selftest(tmp_path / "w", services=services)
    plugins = next(s for s in report.steps if s.name == "plugins")
    assert not plugins.ok
    assert "'tabular' is failed: manifest unreadable" in plugins.detail
    assert "'sql' not found" in plugins.detail
    assert report.failed_steps == ("plugins",)


def test_time_limit_cancels_and_skips(tmp_path: Path) -> None:
    import time

    services = FakeServices()

    def slow_train(location: Path, *, cancel: Any = None, **_: Any) -> None:
        while not cancel.cancelled:
            time.sleep(0.01)
        cancel.raise_if_cancelled()

    services.train_models = slow_train  # type: ignore[method-assign]
    report = selftest.run_selftest(tmp_path / "w", services=services, time_limit=0.3)
    steps = {s.name: s for s in report.steps}
    assert steps["train"].status == "failed"
    assert "time limit" in steps["train"].detail
    assert steps["optimise"].status == "skipped"
    assert not report.ok


def test_runtime_step_checks_the_native_parts() -> None:
    """The real runtime step: LightGBM's library, pymoo's compiled kernels, migrations."""
    detail = selftest._runtime(selftest._Context(None, Path("."), selftest.CancelToken()))
    assert "pymoo compiled kernels" in detail and "migration scripts" in detail


def test_temporary_folder_is_removed_unless_kept(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    report = selftest.run_selftest(services=FakeServices())
    assert report.ok and report.folder is None
    assert not list(tmp_path.glob("formix-selftest-*"))
    kept = selftest.run_selftest(services=FakeServices(), keep=True)
    assert kept.folder is not None and Path(kept.folder, "demo", "demo.formix").is_file()
