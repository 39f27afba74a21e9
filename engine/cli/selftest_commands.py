"""``formix selftest``: check an installation end to end on the demo data, headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli._output import emit_json

_MARK = {"ok": "ok", "failed": "FAIL", "skipped": "skip"}


def register(subparsers: Any) -> None:
    """Add the ``selftest`` sub-command."""
    parser = subparsers.add_parser(
        "selftest",
        help="check this installation: import, link, train, optimise, recommend on the demo",
        description="Run the whole workflow on the bundled demo data in a temporary folder, "
        "headless, and print a timed checklist. Exits 1 when any step fails, naming it.",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--folder", type=Path, metavar="DIR",
                        help="work in this folder (kept) instead of a temporary one")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder and print where it is")
    parser.add_argument("--time-limit", type=float, default=600.0, metavar="SECONDS",
                        help="stop the running step after this many seconds in all (600)")
    parser.set_defaults(handler=run_selftest_command)


def run_selftest_command(args: argparse.Namespace, services: Any = None) -> int:
    """Run the self-test; 0 when every step passed, 1 otherwise."""
    from engine.selftest import run_selftest

    def started(name: str) -> None:
        if not args.json and sys.stdout.isatty():
            print(f"  [....] {name:<10}", end="\r", flush=True)

    def finished(step: Any) -> None:
        if not args.json:
            seconds = f"{step.seconds:6.2f} s" if step.status != "skipped" else " " * 8
            print(f"  [{_MARK[step.status]:>4}] {step.name:<10} {seconds}  {step.detail}",
                  flush=True)

    if not args.json:
        print("formix selftest: the demo project, headless, in a temporary folder")
    report = run_selftest(args.folder, services=services, on_step=finished, on_start=started,
                          time_limit=args.time_limit, keep=args.keep)
    if args.json:
        emit_json(report.to_dict())
    else:
        where = f"; files kept in {report.folder}" if report.folder else ""
        if report.ok:
            print(f"formix selftest: all {len(report.steps)} steps passed in "
                  f"{report.seconds:.1f} s{where}")
        else:
            print(f"formix selftest: FAILED at {', '.join(report.failed_steps)} "
                  f"({report.seconds:.1f} s){where}")
    if not report.ok:
        print(f"formix selftest: failed step(s): {', '.join(report.failed_steps)}",
              file=sys.stderr)
    return 0 if report.ok else 1
