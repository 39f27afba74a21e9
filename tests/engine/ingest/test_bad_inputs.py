"""The bad-input corpus: every malformed file is rejected with file, row, column and reason.

Each case runs twice: at the ``normalise`` level (reader → profile → normalise, no database)
and through ``engine.services.import_files`` into a fresh project, whose database file must be
byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import importlib.util
import tomllib
from pathlib import Path
from typing import Any

import pytest

from engine.errors import Finding, ImportRejected, ReaderError, errors_in
from engine.ingest import ImportProfile, default_registry, normalise, suggest_profile
from engine.progress import no_progress
from engine.schema import DatasetKind

CORPUS = Path(__file__).resolve().parents[2] / "data" / "bad_inputs"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text("utf-8"))["case"]


def _profile(case: dict[str, Any]) -> ImportProfile | None:
    """The case's profile: given whole, or the guessed one with overrides; None = guess."""
    if "profile" in case:
        return ImportProfile.model_validate(case["profile"])
    overrides = case.get("overrides")
    if not overrides:
        return None
    path = CORPUS / case["file"]
    options = overrides.get("reader_options", {})
    try:
        table = default_registry().reader_for(path, options).read(path, no_progress).tables[0]
    except ReaderError:
        return ImportProfile.model_validate({"kind": case["kind"], **overrides})
    guessed = suggest_profile(table, DatasetKind(case["kind"])).model_dump()
    return ImportProfile.model_validate({**guessed, **overrides})


def _normalise_findings(case: dict[str, Any]) -> list[Finding]:
    path = CORPUS / case["file"]
    profile = _profile(case)
    options = profile.reader_options.model_dump(exclude_none=True) if profile else {}
    try:
        table = default_registry().reader_for(path, options).read(path, no_progress).tables[0]
    except ReaderError as error:
        return [error.finding]
    profile = profile or suggest_profile(table, DatasetKind(case["kind"]))
    return errors_in(normalise(table, profile, path.name).findings)


def _expected(case: dict[str, Any], findings: list[Finding]) -> None:
    reason = case["reason"].lower()
    for finding in findings:
        if (finding.file == case["file"] and finding.row == case.get("row")
                and finding.column == case.get("column") and reason in finding.reason.lower()):
            return
    listing = "\n".join(str(f) for f in findings) or "(no findings)"
    pytest.fail(f"expected row {case.get('row')}, column {case.get('column')!r}, reason "
                f"{case['reason']!r}; got:\n{listing}")


def _id(case: dict[str, Any]) -> str:
    return case["file"]


def test_the_corpus_is_large_and_every_file_has_a_case() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.suffix not in {".py", ".toml"}
             and not p.name.startswith((".", "__"))}
    listed = [case["file"] for case in CASES]
    assert len(listed) == len(set(listed))
    assert set(listed) == files
    assert len(files) >= 35


def test_the_committed_files_match_make_corpus() -> None:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = {name: text.encode("utf-8") for name, text in module.TEXT_FILES.items()}
    expected.update(module.binary_files())
    stale = [name for name, data in expected.items() if (CORPUS / name).read_bytes() != data]
    assert stale == [], "re-run tests/data/bad_inputs/make_corpus.py"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rejected_at_normalise_level(case: dict[str, Any]) -> None:
    if case.get("project"):
        pytest.skip("this check needs the project database (importer cross-check)")
    _expected(case, _normalise_findings(case))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rejected_by_the_import_service(case: dict[str, Any], tmp_path: Path) -> None:
    if importlib.util.find_spec("engine.services") is None:
        pytest.skip("engine.services is not written yet")
    from engine import services

    project = tmp_path / "project.formix"
    services.create_project(project)
    before = _sha256(project)
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, [CORPUS / case["file"]], kind=case["kind"],
                              profile=_profile(case))
    _expected(case, errors_in(rejected.value.findings))
    assert _sha256(project) == before, "a rejected import changed the project file"
