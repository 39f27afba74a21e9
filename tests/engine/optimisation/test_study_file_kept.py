"""``formix optimize STUDY.toml --out DIR`` keeps the user's study file as written."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli import optimise_commands
from engine.optimisation.examples import example_path
from engine.optimisation.study import StudySpec


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="formix")
    optimise_commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def _commented_study(tmp_path: Path) -> Path:
    """The example concrete study with the comments and layout an engineer gives it."""
    text = example_path("concrete_study.toml").read_text(encoding="utf-8")
    study = tmp_path / "my study.toml"
    study.write_bytes(("# w/c capped per EN 206 XC4 — checked by QA\r\n"
                       + text.replace("\n", "   # kept\n", 1)).encode("utf-8"))
    return study


def test_the_study_file_is_copied_byte_for_byte_and_the_run_settings_saved_beside_it(
        tmp_path: Path) -> None:
    study, out = _commented_study(tmp_path), tmp_path / "run"
    assert _run("optimize", str(study), "--fake-predictor", "analytic", "--generations", "4",
                "--population", "16", "--out", str(out), "-k", "1", "--json") == 0
    assert (out / "study.toml").read_bytes() == study.read_bytes()
    as_run = StudySpec.from_toml(out / optimise_commands.PARETO_STUDY)
    assert (as_run.algorithm.generations, as_run.algorithm.population) == (4, 16)
    # Running the copy in its own folder keeps it too.
    assert _run("optimize", str(out / "study.toml"), "--fake-predictor", "analytic",
                "--generations", "2", "--population", "16", "--out", str(out), "-k", "1",
                "--json") == 0
    assert (out / "study.toml").read_bytes() == study.read_bytes()
