"""Project and data commands: ``init``, ``import``, ``imports``, ``table``, ``demo``,
``info``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import services
from engine.cli._output import TerminalProgress, emit_json
from engine.errors import FormixError, ImportRejected
from engine.schema import DatasetKind

if TYPE_CHECKING:
    from engine.ingest.mapping import ImportProfile


def register(subparsers: Any) -> None:
    """Add the data commands."""
    init = subparsers.add_parser("init", help="create an empty project")
    init.add_argument("project", help="project file (.formix) or SQLAlchemy URL")
    init.add_argument("--json", action="store_true", help="machine-readable output")
    init.set_defaults(handler=_init)

    info = subparsers.add_parser("info", help="show what a project holds")
    info.add_argument("project")
    info.add_argument("--json", action="store_true")
    info.set_defaults(handler=_info)

    units = subparsers.add_parser(
        "units", help="show or set the units results are shown in (SI or US customary)")
    units.add_argument("project")
    units.add_argument("system", nargs="?", type=str.upper, choices=("SI", "US"),
                       help="SI (kg/m³, MPa, °C, mm) or US (lb/yd³, psi, °F, in, oz/cwt)")
    units.add_argument("--json", action="store_true")
    units.set_defaults(handler=_units)

    imp = subparsers.add_parser(
        "import", help="import plant files into a project (all or nothing)",
        description="Import recipes, batches, historian logs, lab results or flat mix tables. "
        "Every file is validated first; any error rejects the whole import and lists each "
        "problem with file, row, column and reason.",
    )
    imp.add_argument("project")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--kind", choices=[k.value for k in DatasetKind],
                     help="what the files hold (guessed from the headers if omitted)")
    imp.add_argument("--profile", type=Path, help="a saved import profile (column mapping)")
    imp.add_argument("--save-profile", type=Path,
                     help="save the (suggested or given) mapping of the first file for reuse")
    imp.add_argument("--dry-run", action="store_true",
                     help="validate only: show each file's mapping and run every check of the "
                     "import (same errors, warnings and exit code), then write nothing")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=_import)

    _register_imports(subparsers)

    table = subparsers.add_parser("table", help="export the linked modelling table")
    table.add_argument("project")
    table.add_argument("--out", type=Path, required=True, help="a .csv or .parquet file")
    table.add_argument("--lead", type=float, help="minutes before a batch start to include")
    table.add_argument("--lag", type=float, help="minutes after a batch end to include")
    table.add_argument("--json", action="store_true")
    table.set_defaults(handler=_table)

    demo = subparsers.add_parser(
        "demo", help="create the demo project (real UCI concrete data) and show what it holds"
    )
    demo.add_argument("--folder", type=Path, help="where to create it (default: user data)")
    demo.add_argument("--force", action="store_true", help="recreate it")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(handler=_demo)


def _init(args: argparse.Namespace) -> int:
    summary = services.create_project(args.project)
    if args.json:
        emit_json(summary.to_dict())
    else:
        print(f"created project {summary.location}")
    return 0


def _info(args: argparse.Namespace) -> int:
    summary = services.project_summary(args.project)
    if args.json:
        emit_json(summary.to_dict())
    else:
        print(summary.location)
        for name, count in summary.counts.items():
            print(f"  {name:<16}{count:>12,}")
    return 0


def _units(args: argparse.Namespace) -> int:
    from engine.display_units import SYSTEMS

    if args.system is None:
        shown = services.display_units(args.project)
    else:
        shown = services.set_display_units(args.project, args.system)
    if args.json:
        emit_json({"project": str(args.project), "system": shown.system})
        return 0
    print(f"{args.project}: results shown in {SYSTEMS[shown.system]} units")
    return 0


def _import(args: argparse.Namespace) -> int:
    profile = services.load_profile(args.profile) if args.profile else None
    mappings = _mappings(args, profile) if args.save_profile or args.dry_run else []
    shown = {"dry_run": args.dry_run, "mappings": [_mapping_dict(*m) for m in mappings]}
    progress = TerminalProgress(enabled=not args.json)
    try:
        result = services.import_files(args.project, args.files, kind=args.kind,
                                       profile=profile, progress=progress,
                                       dry_run=args.dry_run)
    except ImportRejected as rejected:
        if args.json:
            emit_json({"ok": False, **shown, "findings": [f.to_dict() for f in rejected.findings]})
        else:
            print(str(rejected), file=sys.stderr)
        return 1
    if args.json:
        emit_json({"ok": True, **shown, **result.to_dict()})
        return 0
    verb = "would import" if args.dry_run else "imported"
    for item in result.files:
        counts = ", ".join(f"{n} {name}" for name, n in item.counts.items())
        number = "" if item.import_id is None else f" (import {item.import_id})"
        print(f"{verb} {item.file} as {item.kind}{number}: {counts}")
    for warning in result.warnings:
        print(warning)
    if args.dry_run:
        print("dry run: the import would succeed; nothing was written")
    return 0


def _register_imports(subparsers: Any) -> None:
    imports = subparsers.add_parser(
        "imports", help="list a project's imports, or remove one (to import its file again)")
    actions = imports.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every import: id, file, kind, time, rows")
    listing.add_argument("project")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_imports_list)
    remove = actions.add_parser(
        "remove", help="remove everything one import added, in one transaction",
        description="Remove the recipes, batches, lab results, historian samples and catalogue "
        "materials an import added (materials other imports use stay), so its file can be "
        "imported again, e.g. with a corrected --profile. Refused, naming each dependent "
        "import and how many rows depend, when other imports' batches, lab results or "
        "historian samples refer to its recipes or batches (unless --with-dependents), and "
        "when trials were recorded on its batches (remove them first: formix trials remove). "
        "Saved models stay as they are.")
    remove.add_argument("project")
    remove.add_argument("import_id", type=int, metavar="IMPORT_ID",
                        help="the import's id (formix imports list)")
    remove.add_argument("--with-dependents", action="store_true",
                        help="also remove the imports whose rows refer to it (import their "
                        "files again afterwards)")
    remove.add_argument("--dry-run", action="store_true",
                        help="show what would be removed and what depends on it; change nothing")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(handler=_imports_remove)


def _imports_list(args: argparse.Namespace) -> int:
    entries = services.list_imports(args.project)
    if args.json:
        emit_json({"project": str(args.project), "imports": [e.to_dict() for e in entries]})
        return 0
    if not entries:
        print(f"{args.project}: no imports yet (formix import {args.project} FILE…)")
        return 0
    print(f"{'id':>4}  {'imported (UTC)':<16}  {'kind':<14} {'rows':>7}  file: what it holds")
    for entry in entries:
        stamp = entry.to_dict()["imported_at"][:16].replace("T", " ")
        print(f"{entry.import_id:>4}  {stamp:<16}  {entry.kind:<14} {entry.n_rows:>7,}  "
              f"{entry.file_name}: {entry.holds()}")
    return 0


def _imports_remove(args: argparse.Namespace) -> int:
    from engine.storage import ImportRemovalRefused

    try:
        if args.dry_run:
            plan = services.plan_import_removal(args.project, args.import_id,
                                                with_dependents=args.with_dependents)
            if plan.blocked:
                raise ImportRemovalRefused(plan)
        else:
            plan = services.remove_import(args.project, args.import_id,
                                          with_dependents=args.with_dependents)
    except ImportRemovalRefused as refused:
        if args.json:
            emit_json({"ok": False, "dry_run": args.dry_run, "error": str(refused),
                       **refused.plan.to_dict()})
        else:
            print(f"formix: {refused}", file=sys.stderr)
        return 1
    if args.json:
        emit_json({"ok": True, "dry_run": args.dry_run, **plan.to_dict()})
        return 0
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} from {args.project}:")
    for line in plan.summary():
        print(f"  {line}")
    files = ", ".join(entry.file_name for entry in plan.imports)
    if args.dry_run:
        print("dry run: nothing was removed")
    else:
        print(f"{files} can be imported again (e.g. with a corrected --profile).")
    return 0


def _mappings(args: argparse.Namespace, profile: ImportProfile | None
              ) -> list[tuple[Path, ImportProfile]]:
    """The mapping of each file a dry run checks (of the first file for --save-profile),
    printed unless --json. A file that cannot be read is left out: the import reports it."""
    kind = DatasetKind(args.kind) if args.kind else None
    mappings = []
    for path in args.files if args.dry_run else args.files[:1]:
        try:
            _table, mapping = services.preview_file(path, kind, profile)
        except FormixError:
            continue
        mappings.append((path, mapping))
    if args.save_profile and mappings and mappings[0][0] == args.files[0]:
        services.save_profile(mappings[0][1], args.save_profile)
        if not args.json:
            print(f"saved import profile {args.save_profile}")
    if not args.json:
        for path, mapping in mappings:
            _print_mapping(path, mapping)
    return mappings


def _print_mapping(path: Path, mapping: ImportProfile) -> None:
    dates = any(m.field in ("time", "start_time", "end_time") for m in mapping.columns)
    order = f"; dates read {'day' if mapping.dayfirst else 'month'} first" if dates else ""
    print(f"{path.name}: {mapping.kind}{order}")
    for column in mapping.columns:
        unit = f" [{column.unit}]" if column.unit else ""
        age = f" at {column.test_age_days:g} d" if column.test_age_days is not None else ""
        print(f"  {column.source!r:<50} → {column.field}{unit}{age}")


def _mapping_dict(path: Path, mapping: ImportProfile) -> dict[str, Any]:
    return {"file": path.name, **mapping.model_dump(mode="json", exclude_none=True)}


def _table(args: argparse.Namespace) -> int:
    options = services.link_options(args.project)
    if args.lead is not None:
        options = dataclasses.replace(options, lead=timedelta(minutes=args.lead))
    if args.lag is not None:
        options = dataclasses.replace(options, lag=timedelta(minutes=args.lag))
    table, report = services.export_table(
        args.project, args.out, options, progress=TerminalProgress(enabled=not args.json)
    )
    if args.json:
        emit_json({
            "out": str(args.out),
            "rows": len(table.frame),
            "columns": len(table.frame.columns),
            "inputs": list(table.input_columns),
            "targets": list(table.target_columns),
            "link_report": report.to_dict(),
        })
    else:
        print(f"wrote {args.out}: {len(table.frame):,} rows × {len(table.frame.columns)} columns")
        print(report.summary())
    return 0


def _demo(args: argparse.Namespace) -> int:
    path, summary, created = services.create_demo(
        args.folder, force=args.force, progress=TerminalProgress(enabled=not args.json)
    )
    if args.json:
        emit_json({"project": str(path), "created": created, **summary.to_dict()})
        return 0
    print(("created" if created else "found") + f" the demo project: {path}")
    for name, count in summary.counts.items():
        print(f"  {name:<16}{count:>12,}")
    print(f"Real: recipes ({summary.counts['recipes']} UCI mixes) and compressive strengths "
          "(Yeh 1998, UCI).")
    print("Synthetic (seeded, labelled): batches and the mixer historian log.")
    print(f"Next: formix table {path} --out table.csv   |   formix evaluate …")
    return 0
