"""``formix evaluate``, ``formix train`` and ``formix predict``: property models from the shell."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli._args import location
from engine.cli._output import TerminalProgress, emit_json
from engine.errors import FormixError

if TYPE_CHECKING:  # pandas and LightGBM load only when a model command runs
    import pandas as pd

    from engine.display_units import DisplayUnits

ROLE_HELP = {
    "target": "target column (repeat for several targets)",
    "inputs": "input columns (default: every numeric column except targets/dropped/group/time)",
    "drop": "columns never used as inputs",
    "categorical": "input columns holding labels (routes, plants …)",
    "age": "test-age column: rows equal in all other inputs are one recipe",
}


def register(subparsers: Any) -> None:
    """Add the ``evaluate``, ``train`` and ``predict`` sub-commands."""
    evaluate = subparsers.add_parser(
        "evaluate",
        help="cross-validate property models (grouped by recipe by default)",
        description="Cross-validate LightGBM property models with calibrated intervals. Column "
        "names must match the table's headers after stripping surrounding whitespace.",
    )
    evaluate.add_argument(
        "table", type=location,
        help="CSV or Excel (.xls/.xlsx) file, or a project (.formix): its modelling table",
    )
    _add_model_options(evaluate)
    evaluate.add_argument(
        "--cv",
        choices=("group", "random", "time"),
        default="group",
        help="group (default: whole recipes held out), random or time",
    )
    evaluate.add_argument(
        "--group-by",
        nargs="+",
        action="extend",
        default=[],
        metavar="COL",
        help="columns identifying a recipe (default: all inputs except --age)",
    )
    evaluate.add_argument("--time", metavar="COL", help="time column for --cv time")
    evaluate.add_argument("--folds", type=int, default=10, help="number of folds (10)")
    evaluate.add_argument("--repeats", type=int, default=1, help="repetitions (1)")
    evaluate.add_argument(
        "--oof",
        type=Path,
        metavar="CSV",
        help="write out-of-fold predictions with intervals to this CSV (a project's in its "
        "display units, named in a unit column, as the printed figures)",
    )
    evaluate.set_defaults(handler=run_evaluate)

    train = subparsers.add_parser(
        "train", help="train property models into a project, or on a table into a directory"
    )
    train.add_argument(
        "table", type=location,
        help="a project (.formix): trains on its modelling table and saves a new model version; "
        "or a CSV/Excel file (then --out is required)",
    )
    train.add_argument(
        "--out",
        type=Path,
        metavar="MODEL_DIR",
        help="directory to write the model files to (flat-file training)",
    )
    _add_model_options(train)
    train.add_argument(
        "--group-by",
        nargs="+",
        action="extend",
        default=[],
        metavar="COL",
        help="columns identifying a recipe (default: all inputs except --age)",
    )
    train.add_argument(
        "--cv-folds",
        type=int,
        default=5,
        help="grouped CV folds for the metrics stored with the model (0 skips)",
    )
    train.add_argument(
        "--unit",
        action="append",
        default=[],
        metavar="COL=UNIT",
        help="unit of a column, stored with the model (repeatable)",
    )
    train.set_defaults(handler=run_train)

    predict = subparsers.add_parser(
        "predict", help="predict recipes with a saved model (intervals, domain, contributions)",
        description="Predict recipes with a saved model. Columns are read like imports: "
        "headers with units ('Cement (lb/yd3)', 'Fe (wt%)', 'Age (days)'), or the plant's "
        "own export with --profile. For a project, derived inputs (w/c, w/b, binder, SCM "
        "shares, atomic fractions) are computed from the amounts, and an alloy's balance "
        "element (Fe in a steel) is 100 - the sum of the others where the file leaves it out "
        "(a model directory takes them as columns). Test age: the "
        "file's age column, else --age, else the model's training age when it knows only "
        "one; a model trained on several ages and a file without ages is an error naming "
        "them.",
    )
    predict.add_argument(
        "model", type=location,
        help="a project (.formix; its latest model) or a model directory from `formix train`",
    )
    predict.add_argument(
        "--in",
        dest="input",
        type=Path,
        required=True,
        metavar="TABLE",
        help="recipes to predict (CSV or Excel)",
    )
    predict.add_argument(
        "--out", type=Path, required=True, metavar="CSV", help="predictions CSV to write"
    )
    predict.add_argument(
        "--profile", type=Path, metavar="TOML",
        help="import profile (as for `formix import --profile`) mapping the file's columns to "
        "materials, settings and test age, with its reader options",
    )
    predict.add_argument(
        "--age", type=float, metavar="DAYS",
        help="test age to predict at when the file has no age column (written to the output "
        "as 'Age (days)')",
    )
    predict.add_argument(
        "--top", type=int, default=3, help="top contributions per target as text (0 to skip)"
    )
    predict.add_argument("--json", action="store_true", help="print a JSON summary")
    predict.set_defaults(handler=run_predict)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", action="append", metavar="COL",
        help=ROLE_HELP["target"] + " (required for files; a project's default: all properties)",
    )
    parser.add_argument(
        "--inputs", nargs="+", action="extend", metavar="COL", help=ROLE_HELP["inputs"]
    )
    parser.add_argument(
        "--drop", nargs="+", action="extend", default=[], metavar="COL", help=ROLE_HELP["drop"]
    )
    parser.add_argument(
        "--categorical",
        nargs="+",
        action="extend",
        default=[],
        metavar="COL",
        help=ROLE_HELP["categorical"],
    )
    parser.add_argument("--age", metavar="COL", help=ROLE_HELP["age"])
    parser.add_argument(
        "--ratio",
        nargs=3,
        action="append",
        default=[],
        metavar=("NAME", "NUMERATOR", "DENOMINATOR"),
        help="derived feature NAME = Σ NUMERATOR / Σ DENOMINATOR; join several "
        "columns with '+' (repeatable), e.g. --ratio w/b Water Cement+Slag",
    )
    parser.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="COL",
        help="derived feature log(COL) (repeatable)",
    )
    parser.add_argument(
        "--linear",
        action="append",
        default=[],
        metavar="FEATURE",
        help="input or derived feature (e.g. 'log(Age)') of a linear baseline that boosting "
        "starts from; captures smooth trends trees only approximate (repeatable)",
    )
    parser.add_argument(
        "--increasing",
        action="append",
        default=[],
        metavar="COL",
        help="prediction must not decrease when COL increases (repeatable)",
    )
    parser.add_argument(
        "--decreasing",
        action="append",
        default=[],
        metavar="COL",
        help="prediction must not increase when COL increases (repeatable)",
    )
    parser.add_argument("--coverage", type=float, default=0.9, help="interval coverage (0.9)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--rounds", type=int, help="boosting rounds (default 1000)")
    parser.add_argument(
        "--calibration-folds",
        type=int,
        help="cross-conformal folds (default: 10, 5 above 20,000 rows)",
    )
    parser.add_argument(
        "--tune",
        action="store_true",
        help="pick among a few parameter sets by CV inside the training data",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def _feature_options(args: argparse.Namespace, frame: pd.DataFrame) -> dict[str, Any]:
    from engine.models.features import DerivedFeature, parse_columns_expression

    columns = list(frame.columns)
    derived = [
        DerivedFeature(
            name,
            "ratio",
            parse_columns_expression(top, columns),
            parse_columns_expression(bottom, columns),
        )
        for name, top, bottom in args.ratio
    ]
    derived += [
        DerivedFeature(f"log({col})", "log", parse_columns_expression(col, columns))
        for col in args.log
    ]
    monotone = {c: 1 for c in args.increasing}
    for column in args.decreasing:
        if column in monotone:
            raise FormixError(f"{column!r} cannot be both --increasing and --decreasing")
        monotone[column] = -1
    options: dict[str, Any] = {}
    if args.rounds is not None:
        options["num_boost_round"] = args.rounds
    if args.calibration_folds is not None:
        options["calibration_folds"] = args.calibration_folds
    if args.tune:
        options["tune"] = True
    if args.linear:
        options["linear"] = list(args.linear)
    return {
        "derived": derived,
        "monotone": monotone or None,
        "model_options": options,
        "categorical": args.categorical or None,
    }


def _read(path: Path) -> pd.DataFrame:
    from engine.models.dataset import read_flat_table

    return read_flat_table(path)


def _read_training_file(args: argparse.Namespace) -> pd.DataFrame:
    """The table of ``formix train/evaluate FILE``; says which columns default inputs skip."""
    import sys

    from engine.models.dataset import row_number_columns

    frame = _read(args.table)
    if args.inputs is None:
        for column in row_number_columns(frame):
            first, last = frame[column].iloc[[0, -1]]
            print(f"note: {Path(args.table).name}: column {column!r} numbers the rows "
                  f"({first:g}…{last:g}), so it is not an input (name it in --inputs to use "
                  "it)", file=sys.stderr)
    return frame


def _is_project(path: Path | str) -> bool:
    from engine.storage import PROJECT_SUFFIX

    return isinstance(path, str) or path.suffix.lower() == PROJECT_SUFFIX


def _project_table(path: Path | str, args: argparse.Namespace) -> Any:
    """A project's modelling table; its own targets when none are named."""
    from engine import services

    table, _report = services.modelling_table(path)
    if not args.target:
        args.target = list(table.target_columns)
    if args.inputs is None:
        args.inputs = services.model_inputs(table)
    return table


def run_evaluate(args: argparse.Namespace) -> int:
    """Handler of ``formix evaluate``."""
    from engine.models.service import evaluate_models

    if args.folds < 2 or args.repeats < 1:
        raise FormixError("--folds must be ≥ 2 and --repeats ≥ 1")
    table = _project_table(args.table, args) if _is_project(args.table) else None
    if not args.target:
        raise FormixError("name at least one --target column")
    frame = table.frame if table is not None else _read_training_file(args)
    progress = TerminalProgress(enabled=not args.quiet)
    results = evaluate_models(
        table if table is not None else frame,
        args.target,
        args.inputs,
        drop=args.drop,
        cv=args.cv,
        group_by=args.group_by,
        age_column=args.age,
        time_column=args.time,
        folds=args.folds,
        repeats=args.repeats,
        seed=args.seed,
        coverage=args.coverage,
        progress=progress,
        **_project_defaults(table, args, _feature_options(args, frame)),
    )
    shown = _shown_units(table, args.table) if table is not None else {}
    if args.oof is not None:
        import pandas as pd

        parts = [_shown_oof(r.predictions.assign(target=t), *shown[t]) if t in shown
                 else r.predictions.assign(target=t) for t, r in results.items()]
        pd.concat(parts, ignore_index=True).to_csv(args.oof, index=False)
    rows = [_shown_metrics(r.metrics, *shown[t]) if t in shown else r.metrics
            for t, r in results.items()]
    if args.json:
        emit_json(rows)
    else:
        _print_table(rows, args)
    return 0


ERROR_KEYS = ("rmse", "rmse_std", "mae", "mae_std", "mean_interval_width",
              "constant_width_conformal_width")
"""Cross-validation figures in the target's unit (differences: scaled, never offset)."""
OOF_VALUES = ("observed", "predicted", "lower", "upper")
"""Columns of the out-of-fold file holding values of the target."""


def _shown_units(table: Any,
                 project: Path | str) -> dict[str, tuple[DisplayUnits, str, float | None]]:
    """Per target of a project's table: its display units, stored unit and typical (median
    measured) value, which decides e.g. psi or ksi, as ``formix train`` shows them."""
    from engine import services

    shown = services.display_units(project)
    return {target: (shown, table.units.get(target) or "", _median(table.frame[target]))
            for target in table.target_columns}


def _median(values: pd.Series) -> float | None:
    median = values.median()
    return None if median != median else float(median)


def _shown_metrics(metrics: dict[str, Any], shown: DisplayUnits, stored: str,
                   typical: float | None) -> dict[str, Any]:
    """A target's CV figures in its display unit, which ``unit`` names."""
    converted = {key: shown.change(metrics[key], stored, typical)
                 for key in ERROR_KEYS if key in metrics}
    return {**metrics, **converted, "unit": shown.unit(stored, typical)}


def _shown_oof(frame: pd.DataFrame, shown: DisplayUnits, stored: str,
               typical: float | None) -> pd.DataFrame:
    """Out-of-fold predictions of a target in its display unit, which ``unit`` names."""
    converted = {column: shown.value(frame[column], stored, typical) for column in OOF_VALUES}
    halfwidth = shown.change(frame["constant_halfwidth"], stored, typical)
    return frame.assign(**converted, constant_halfwidth=halfwidth,
                        unit=shown.unit(stored, typical))


def _print_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    first = rows[0]
    print(
        f"{first['cv']} CV, {first['folds']} folds × {first['repeats']} repeat(s), "
        f"{max(row['n_groups'] for row in rows)} recipe groups, "
        f"nominal coverage {args.coverage:.0%}"
    )
    header = (
        f"{'target':<40} {'unit':<6} {'RMSE':>8} {'MAE':>8} {'R²':>6} {'coverage':>8} "
        f"{'width':>8} {'const.w':>8} {'rows':>6}"
    )
    print(header)
    print("-" * len(header))
    for m in rows:
        print(
            f"{m['target'][:40]:<40} {m.get('unit', ''):<6} {m['rmse']:8.3f} {m['mae']:8.3f} "
            f"{m['r2']:6.3f} {m['coverage']:8.3f} {m['mean_interval_width']:8.3f} "
            f"{m['constant_width_conformal_width']:8.3f} {m['n_rows']:6d}"
        )
    units = "RMSE, MAE, width and const.w in the unit shown; " if "unit" in first else ""
    print(
        f"{units}width: mean {args.coverage:.0%} interval width; const.w: width of a "
        "constant-width conformal interval calibrated on the same residuals"
    )


def run_train(args: argparse.Namespace) -> int:
    """Handler of ``formix train``."""
    from engine.models.persistence import save_model_dir
    from engine.models.service import train_models

    if _is_project(args.table):
        return _train_project(args)
    if args.out is None or not args.target:
        raise FormixError("training on a file needs --target and --out MODEL_DIR")
    frame = _read_training_file(args)
    group_column = None
    if len(args.group_by) == 1:
        group_column = args.group_by[0]
    elif args.group_by:
        missing = [c for c in args.group_by if c not in frame.columns]
        if missing:
            raise FormixError(f"unknown group-by column(s) {missing}")
        group_column = "__recipe_group__"
        frame = frame.assign(
            **{group_column: frame[args.group_by].astype(str).agg("|".join, axis=1)}
        )
    from engine.models.dataset import HEADER_UNITS_ATTR

    units = dict(frame.attrs.get(HEADER_UNITS_ATTR, {}))  # "cement [lb/yd³]": lb/yd³
    for item in args.unit:
        column, sep, unit = item.rpartition("=")
        if not sep or not column:
            raise FormixError(f"--unit expects COL=UNIT, got {item!r}")
        units[column.strip()] = unit.strip()
    progress = TerminalProgress(enabled=not args.quiet)
    model_set = train_models(
        frame,
        args.target,
        args.inputs,
        drop=[*args.drop, *args.group_by],
        group_column=group_column,
        age_column=args.age,
        units=units,
        coverage=args.coverage,
        cv_folds=args.cv_folds,
        seed=args.seed,
        progress=progress,
        **_feature_options(args, frame),
    )
    save_model_dir(model_set, args.out)
    summary = {
        "model_dir": str(args.out),
        "targets": model_set.targets,
        "inputs": model_set.inputs,
        "training_rows": model_set.training_rows,
        "training_fingerprint": model_set.training_fingerprint,
        "cv_metrics": model_set.cv_metrics,
    }
    if args.json:
        emit_json(summary)
    else:
        print(f"saved {len(model_set.targets)} model(s) to {args.out}")
        print(f"  inputs ({len(model_set.inputs)}): {', '.join(model_set.inputs)}")
        for target, metrics in model_set.cv_metrics.items():
            print(
                f"  {target}: grouped CV RMSE {metrics['rmse']:.3f}, coverage "
                f"{metrics['coverage']:.3f}, mean width {metrics['mean_interval_width']:.3f}"
            )
    return 0


def _project_defaults(table: Any, args: argparse.Namespace, options: dict[str, Any]) -> dict:
    """A project evaluated with no feature options gets the model set-up `train` uses."""
    if table is None or options["derived"] or options["model_options"]:
        return options
    from engine.model_services import age_baseline

    age = table.age_column if table.age_column in (args.inputs or ()) else None
    return {**options, **age_baseline(age)}


def _train_project(args: argparse.Namespace) -> int:
    from engine import services

    report = services.train_models(
        args.table,
        targets=args.target or None,
        inputs=args.inputs,
        coverage=args.coverage,
        seed=args.seed,
        progress=TerminalProgress(enabled=not args.quiet),
    )
    rows = report.cv.to_dict("records")
    if args.json:
        emit_json({"project": str(args.table), "name": report.name, "version": report.version,
                   "targets": list(report.targets), "inputs": list(report.inputs),
                   "cv_metrics": rows})
        return 0
    print(f"saved model '{report.name}' version {report.version} in {args.table}")
    shown = services.display_units(args.table)
    for row in rows:
        stored = report.units.get(row["target"]) or ""
        measured = report.predictions.get(row["target"])
        typical = None if measured is None else float(measured["measured"].median())
        unit = shown.unit(stored, typical)

        def figure(x: float, stored: str = stored, typical: Any = typical,
                   unit: str = unit) -> str:
            value = shown.change(float(x), stored, typical)
            return f"{value:.{0 if abs(value) >= 100 else 3}f}{' ' + unit if unit else ''}"

        print(f"  {row['target']}: grouped CV RMSE {figure(row['rmse'])}, coverage "
              f"{row['coverage']:.3f} (nominal {report.nominal_coverage:.2f}), mean width "
              f"{figure(row['mean_interval_width'])}, {row['n_groups']} recipes")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Handler of ``formix predict``."""
    import pandas as pd

    from engine.ingest.mapping import load_profile
    from engine.models.dataset import read_typed_table
    from engine.models.persistence import load_model_dir

    profile = load_profile(args.profile) if args.profile else None
    frame = read_typed_table(args.input, profile)
    if _is_project(args.model):
        from engine import services

        model_set = services.load_model_set(args.model)
        table = services.predict(args.model, frame, top_contributions=max(args.top, 0),
                                 source=args.input.name, profile=profile, age=args.age)
    else:  # a model directory: no catalogue, so derived inputs must be columns of the file
        from engine.prediction_table import (
            AGE_HEADER,
            complete_inputs,
            model_input_frame,
            profile_columns,
            require_inputs,
        )

        model_set = load_model_dir(args.model)
        inputs = model_input_frame(frame, model_set.inputs, model_set.units, args.input.name,
                                   model_set.model.encoder_.categorical,
                                   profile_columns(profile) if profile else None)
        inputs, age = complete_inputs(inputs, model_set, args.input.name, age=args.age)
        require_inputs(inputs, model_set.inputs, args.input.name, frame.columns,
                       model_set.units)
        table = model_set.predict_table(inputs, top_contributions=max(args.top, 0))
        if age is not None:
            table.insert(0, AGE_HEADER, age)
    output = pd.concat([frame.reset_index(drop=True), table.reset_index(drop=True)], axis=1)
    output.to_csv(args.out, index=False)
    counts = table["domain"].value_counts().to_dict()
    domain = {k: int(counts.get(k, 0)) for k in ("inside", "edge", "outside")}
    summary = {
        "rows": len(frame),
        "out": str(args.out),
        "targets": model_set.targets,
        "domain": domain,
    }
    if args.json:
        emit_json(summary)
    else:
        print(
            f"wrote {len(frame)} predictions to {args.out} "
            f"(domain: {domain['inside']} inside, {domain['edge']} edge, "
            f"{domain['outside']} outside)"
        )
    return 0
