"""``formix bench link``: import + link a synthetic historian log, wall time and peak memory.

Each phase runs in a fresh (spawned) child process, so its peak RSS (``getrusage``
high-water mark) is its own: generate (writes the CSV files; excluded from the target),
import (through ``engine.services``) and link. Targets: import + link ≤ 60 s and ≤ 4 GB.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

TARGET_SECONDS = 60.0
TARGET_BYTES = 4 * 1024**3
_IMPORT_ORDER = ("materials", "recipes", "batches", "process_series", "lab_results")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``formix bench link``."""
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="historian rows (default 10,000,000)")
    parser.add_argument("--batches", type=int, default=100_000,
                        help="batches (default 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--keep", metavar="DIR", type=Path, default=None,
                        help="write the generated files (and project) here and keep them")
    parser.add_argument("--in-memory", action="store_true",
                        help="skip the import; link canonical frames held in memory")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; exit code 0 when the measured phases meet the targets, else 1."""
    if args.rows < 1 or args.batches < 1:
        print("formix bench link: --rows and --batches must be at least 1", file=sys.stderr)
        return 2
    if args.keep is not None:
        result = run_benchmark(args.rows, args.batches, args.seed, Path(args.keep),
                               in_memory=args.in_memory)
    else:
        with tempfile.TemporaryDirectory(prefix="formix-bench-link-") as directory:
            result = run_benchmark(args.rows, args.batches, args.seed, Path(directory),
                                   in_memory=args.in_memory)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_result(result))
    return 0 if result["targets_met"] else 1


def run_benchmark(rows: int, batches: int, seed: int, directory: Path, *,
                  in_memory: bool = False) -> dict[str, Any]:
    """Generate, import and link; each phase in its own child process.

    The import and the link go through ``engine.services`` when it offers them and
    ``in_memory`` is False; otherwise the link phase links in-memory canonical frames.

    Returns:
        A JSON-ready dict: sizes, per-phase seconds and peak RSS bytes, totals, targets.
    """
    directory.mkdir(parents=True, exist_ok=True)
    phases: dict[str, dict[str, Any]] = {}
    phases["generate"] = _in_child(_generate_phase, rows, batches, seed, str(directory))
    files = phases["generate"].pop("files")
    project = directory / "bench.formix"
    if not in_memory and _services_ready():
        phases["import"] = _in_child(_measured_import, str(project), files)
        phases["link"] = _in_child(_link_phase_services, str(project))
    else:
        phases["import"] = {"skipped": "--in-memory" if in_memory else (
            "engine.services (create_project, import_files, modelling_table) not available")}
        phases["link"] = _in_child(_link_phase_in_memory, rows, batches, seed)
    measured = [p for name, p in phases.items() if name != "generate" and "seconds" in p]
    total_seconds = sum(p["seconds"] for p in measured)
    total_peak = max((p["peak_rss_bytes"] for p in measured), default=0)
    return {
        "benchmark": "link", "rows": rows, "batches": batches, "seed": seed,
        "phases": phases,
        "total_seconds": total_seconds, "total_peak_rss_bytes": total_peak,
        "target_seconds": TARGET_SECONDS, "target_peak_rss_bytes": TARGET_BYTES,
        "targets_met": total_seconds <= TARGET_SECONDS and total_peak <= TARGET_BYTES,
        "measured_phases": [n for n, p in phases.items() if n != "generate" and "seconds" in p],
    }


def format_result(result: dict[str, Any]) -> str:
    """The result as a small text table."""
    lines = [f"formix bench link: {result['rows']:,} historian rows × {result['batches']:,} "
             f"batches (seed {result['seed']})",
             f"{'phase':<10}{'wall s':>9}{'peak RSS MB':>14}"]
    for name, phase in result["phases"].items():
        if "seconds" not in phase:
            lines.append(f"{name:<10}{'-':>9}{'-':>14}   skipped: {phase.get('skipped')}")
            continue
        note = "   (excluded from the target)" if name == "generate" else ""
        lines.append(f"{name:<10}{phase['seconds']:>9.2f}"
                     f"{phase['peak_rss_bytes'] / 2**20:>14,.0f}{note}")
    met = "met" if result["targets_met"] else "MISSED"
    if "cpu_seconds" in result["phases"].get("link", {}):
        lines.append(f"link CPU time {result['phases']['link']['cpu_seconds']:.2f} s "
                     f"(wall time grows when other processes share the cores)")
    lines.append(f"{'total':<10}{result['total_seconds']:>9.2f}"
                 f"{result['total_peak_rss_bytes'] / 2**20:>14,.0f}   target ≤ "
                 f"{TARGET_SECONDS:.0f} s and ≤ {TARGET_BYTES / 2**20:,.0f} MB: {met}")
    link = result["phases"].get("link", {})
    if "counts" in link:
        counts = link["counts"]
        lines.append(f"linked: {counts.get('rows', 0):,} table rows; process rows "
                     f"{counts.get('series_linked_by_window', 0):,} in a window, "
                     f"{counts.get('series_unlinked', 0):,} in none")
    return "\n".join(lines)


def bench_options() -> Any:
    """The link options the benchmark uses: ±2 min windows, every feature."""
    from engine.linking.options import PROCESS_FEATURES, LinkOptions

    return LinkOptions(lead=timedelta(minutes=2), lag=timedelta(minutes=2),
                       features=PROCESS_FEATURES, thresholds={"mixer_temp": 25.0})


# ---- phases: module-level functions so a spawned child can import them --------------------

def _generate_phase(rows: int, batches: int, seed: int, directory: str) -> dict[str, Any]:
    from engine.linking._bench_data import generate_frames, write_csvs

    start = time.perf_counter()
    frames = generate_frames(rows, batches, seed)
    paths = write_csvs(frames, Path(directory) / "files")
    return {"seconds": time.perf_counter() - start, "peak_rss_bytes": _peak_rss_bytes(),
            "files": {kind: str(path) for kind, path in paths.items()}}


def _link_phase_in_memory(rows: int, batches: int, seed: int) -> dict[str, Any]:
    """Link canonical frames held in memory (generated here, before the measurement)."""
    from engine.linking._bench_data import generate_frames
    from engine.linking.modelling_table import build_modelling_table

    frames = generate_frames(rows, batches, seed)
    reset = _reset_peak_rss()
    baseline = _current_rss_bytes()
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    table, report = build_modelling_table(frames, bench_options())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_seconds": _cpu_seconds() - cpu_start,
            "peak_rss_bytes": _peak_rss_bytes(),
            "inputs_rss_bytes": baseline, "peak_includes_generation": not reset,
            "source": "in-memory canonical frames", "counts": dict(report.counts),
            "columns": len(table.frame.columns)}


def _import_phase(project_path: str, files: dict[str, str]) -> None:
    """Import the generated files into a new project in one transaction (``engine.services``).

    The long historian and lab files get their column mapping spelled out (a site saves such a
    profile once); the small wide files use the mapping Formix suggests from their headers,
    with kg/m³ as the default unit of the material columns (the bench files name no units).
    """
    from engine.ingest.mapping import ColumnMapping, ImportProfile
    from engine.schema import DatasetKind
    from engine.types import ImportSource

    services = importlib.import_module("engine.services")
    services.create_project(project_path)
    explicit = {
        "process_series": ImportProfile(kind=DatasetKind.PROCESS_SERIES, columns=[
            ColumnMapping(name, name) for name in ("tag", "time", "value", "unit")]),
        "lab_results": ImportProfile(kind=DatasetKind.LAB_RESULTS, columns=[
            ColumnMapping("batch_id", "batch_id"), ColumnMapping("property", "property"),
            ColumnMapping("test_age_days", "test_age", "day"), ColumnMapping("value", "value"),
            ColumnMapping("unit", "unit"), ColumnMapping("replicate", "replicate")]),
    }
    sources = []
    for kind in _IMPORT_ORDER:
        path = Path(files[kind])
        profile = explicit.get(kind)
        if profile is None:
            _table, profile = services.preview_file(path, DatasetKind(kind))
            defaults = profile.defaults.model_copy(update={"unit": "kg/m^3"})
            profile = profile.model_copy(update={"defaults": defaults})
        sources.append(ImportSource(path, DatasetKind(kind), profile))
    services.import_sources(project_path, sources)


def _measured_import(project_path: str, files: dict[str, str]) -> dict[str, Any]:
    start = time.perf_counter()
    _import_phase(project_path, files)
    return {"seconds": time.perf_counter() - start, "peak_rss_bytes": _peak_rss_bytes()}


def _link_phase_services(project_path: str) -> dict[str, Any]:
    """LEAD: link an imported project through ``engine.services.modelling_table``."""
    services = importlib.import_module("engine.services")
    start = time.perf_counter()
    result = services.modelling_table(project_path, bench_options())
    seconds = time.perf_counter() - start
    table, report = result if isinstance(result, tuple) else (result, None)
    counts = dict(report.counts) if report is not None else {}
    return {"seconds": seconds, "peak_rss_bytes": _peak_rss_bytes(),
            "source": "engine.services.modelling_table", "counts": counts,
            "columns": len(table.frame.columns)}


def _services_ready() -> bool:
    try:
        services = importlib.import_module("engine.services")
    except ImportError:
        return False
    return all(callable(getattr(services, name, None))
               for name in ("create_project", "import_files", "modelling_table"))


def _in_child(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run ``function(*args)`` in a fresh spawned process and return its result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def _cpu_seconds() -> float:
    """User + system CPU time of this process: less sensitive than wall time to a busy host."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_bytes() -> int:
    """This process's RSS high-water mark (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _reset_peak_rss() -> bool:
    """Reset the RSS high-water mark (Linux ≥ 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _current_rss_bytes() -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
