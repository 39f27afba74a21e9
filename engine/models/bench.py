"""``formix bench models``: accuracy against scikit-learn on the same folds, and scoring speed.

1. Same folds (grouped by mix, and random k-fold × repeats) on UCI concrete: Formix's point
   model vs RandomForestRegressor and HistGradientBoostingRegressor on the same features —
   RMSE and training-time ratios.
2. Scoring N recipes (default 1,000,000) with intervals and domain labels: rows/s and the
   overhead over raw ``Booster.predict`` of the same boosters (target ≤ 25 %).

Without the shared UCI file a synthetic concrete-like table is used (and reported as such).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.models.dataset import read_flat_table, recipe_groups
from engine.models.features import DerivedFeature, FeatureEncoder, ratio
from engine.models.lightgbm_model import PointTrainer, PropertyModel, point_predict
from engine.models.params import DEFAULT_NUM_BOOST_ROUND, POINT_PARAMS, resolve_params
from engine.models.splits import cv_splits
from engine.models.validation import regression_metrics

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
UCI = SHARED / "datasets" / "uci_concrete_compressive_strength" / "Concrete_Data.xls"
# UCI column order: cement, slag, fly ash, water, superplasticizer, coarse, fine, age, strength.
UCI_ROLES = ("cement", "slag", "ash", "water", "sp", "coarse", "fine", "age")
LOG_AGE = "log(age)"  # boosting starts from a linear baseline in log(age)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``formix bench models``."""
    parser.add_argument("--data", type=Path, default=UCI, help="UCI Concrete_Data.xls")
    parser.add_argument("--rows", type=int, default=1_000_000, help="recipes to score")
    parser.add_argument("--folds", type=int, default=10, help="CV folds (10)")
    parser.add_argument("--repeats", type=int, default=5, help="random-CV repeats (5)")
    parser.add_argument(
        "--timing-repeats", type=int, default=2, help="interleaved timing runs; min is kept"
    )
    parser.add_argument("--skip-accuracy", action="store_true", help="skip the CV comparison")
    parser.add_argument("--skip-scoring", action="store_true", help="skip the scoring test")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks and print the figures."""
    from engine.cli._output import emit_json

    frame, inputs, target, derived, source = load_benchmark_data(args.data)
    age = inputs[-1]
    report: dict[str, Any] = {"data": source, "rows": len(frame)}
    if not args.skip_accuracy:
        report["accuracy"] = compare_baselines(
            frame, inputs, target, derived, age, args.folds, args.repeats
        )
    if not args.skip_scoring:
        report["scoring"] = scoring_speed(
            frame, inputs, target, derived, age, args.rows, timing_repeats=args.timing_repeats
        )
    if args.json:
        emit_json(report)
    else:
        _print(report)
    return 0


def load_benchmark_data(
    path: Path,
) -> tuple[pd.DataFrame, list[str], str, list[DerivedFeature], str]:
    """UCI concrete (or a synthetic stand-in) with its inputs, target and ratio features."""
    if Path(path).is_file():
        frame = read_flat_table(path)
        source = str(path)
    else:
        frame = synthetic_concrete()
        source = "synthetic (UCI file not found)"
    columns = list(frame.columns)
    inputs, target = columns[:8], columns[8]
    c = dict(zip(UCI_ROLES, inputs, strict=True))
    binder = [c["cement"], c["slag"], c["ash"]]
    aggregate = [c["coarse"], c["fine"]]
    derived = [
        DerivedFeature(LOG_AGE, "log", (c["age"],)),
        ratio("water/binder", [c["water"]], binder),
        ratio("cement/binder", [c["cement"]], binder),
        ratio("aggregate/binder", aggregate, binder),
        ratio("fine/aggregate", [c["fine"]], aggregate),
        ratio("superplasticizer/binder", [c["sp"]], binder),
    ]
    return frame, inputs, target, derived, source


def synthetic_concrete(n_mixes: int = 400, seed: int = 0) -> pd.DataFrame:
    """A concrete-like table: mixes tested at several ages, strength from an Abrams-type law."""
    rng = np.random.default_rng(seed)
    mix = pd.DataFrame(
        {
            "cement": rng.uniform(100, 540, n_mixes),
            "slag": rng.choice([0, 1], n_mixes) * rng.uniform(0, 350, n_mixes),
            "ash": rng.choice([0, 1], n_mixes) * rng.uniform(0, 200, n_mixes),
            "water": rng.uniform(120, 247, n_mixes),
            "sp": rng.uniform(0, 30, n_mixes),
            "coarse": rng.uniform(800, 1150, n_mixes),
            "fine": rng.uniform(590, 990, n_mixes),
        }
    )
    frame = mix.loc[mix.index.repeat(3)].reset_index(drop=True)
    frame["age"] = np.tile([7.0, 28.0, 90.0], n_mixes)
    binder = frame["cement"] + 0.8 * frame["slag"] + 0.5 * frame["ash"]
    strength = 90 * np.exp(-1.6 * frame["water"] / binder) * np.log1p(frame["age"]) / 3.5
    frame["strength"] = strength + rng.normal(0, 3, len(frame))
    return frame


def compare_baselines(
    frame: pd.DataFrame,
    inputs: list[str],
    target: str,
    derived: list[DerivedFeature],
    age: str,
    folds: int,
    repeats: int,
) -> dict[str, Any]:
    """RMSE and fit time of Formix's point model vs RF and HGB on identical folds/features."""
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor

    encoder = FeatureEncoder(tuple(inputs), (), tuple(derived)).fit(frame)
    matrix = encoder.transform(frame)
    linear_index = [encoder.feature_names.index(LOG_AGE)]
    y = frame[target].to_numpy(np.float64)
    groups = recipe_groups(frame, inputs, age)
    params = resolve_params(POINT_PARAMS, None, len(y), 0, 1)

    def formix(seed: int) -> Any:
        return _LightGBM({**params, "seed": seed}, linear_index)

    makers = {
        "formix_lightgbm": formix,
        "random_forest": lambda seed: RandomForestRegressor(random_state=seed, n_jobs=1),
        "hist_gradient_boosting": lambda seed: HistGradientBoostingRegressor(random_state=seed),
    }
    out: dict[str, Any] = {}
    for protocol, n_repeats in (("group", 1), ("random", repeats)):
        rmse: dict[str, list[float]] = {name: [] for name in makers}
        seconds = dict.fromkeys(makers, 0.0)
        for repeat in range(n_repeats):
            splits = cv_splits(protocol, len(y), folds, repeat, groups=groups)
            oof = {name: np.empty(len(y)) for name in makers}
            for train, test in splits:
                for name, make in makers.items():
                    model = make(repeat)
                    start = time.perf_counter()
                    model.fit(matrix[train], y[train])
                    seconds[name] += time.perf_counter() - start
                    oof[name][test] = model.predict(matrix[test])
            for name in makers:
                rmse[name].append(regression_metrics(y, oof[name])["rmse"])
        result: dict[str, Any] = {
            name: {"rmse": float(np.mean(values)), "fit_seconds": seconds[name]}
            for name, values in rmse.items()
        }
        for name in ("random_forest", "hist_gradient_boosting"):
            result[f"rmse_ratio_formix_to_{name}"] = (
                result["formix_lightgbm"]["rmse"] / result[name]["rmse"]
            )
            result[f"time_ratio_formix_to_{name}"] = (
                result["formix_lightgbm"]["fit_seconds"] / result[name]["fit_seconds"]
            )
        result["folds"], result["repeats"] = folds, n_repeats
        out[protocol] = result
    return out


class _LightGBM:
    """The point model exactly as PropertyModel trains it, with a fit/predict face."""

    def __init__(self, params: dict[str, Any], linear_index: list[int]) -> None:
        self.params = params
        self.train = PointTrainer([], None, linear_index, [0] * len(linear_index))

    def fit(self, X: np.ndarray, y: np.ndarray) -> _LightGBM:
        self.booster, self.linear = self.train(self.params, X, y, DEFAULT_NUM_BOOST_ROUND)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return point_predict(self.booster, self.linear, X, 1)


def scoring_speed(
    frame: pd.DataFrame,
    inputs: list[str],
    target: str,
    derived: list[DerivedFeature],
    age: str,
    n_rows: int,
    seed: int = 0,
    timing_repeats: int = 2,
) -> dict[str, Any]:
    """Score ``n_rows`` jittered recipes: full pipeline vs raw Booster.predict of its boosters."""
    model = PropertyModel(
        inputs=inputs, derived=derived, linear=[LOG_AGE], age_column=age, seed=seed
    )
    start = time.perf_counter()
    model.fit(frame[inputs], frame[[target]])
    fit_seconds = time.perf_counter() - start
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(frame), n_rows)
    candidates = frame[inputs].iloc[picks].reset_index(drop=True)
    for column in inputs:
        candidates[column] = candidates[column].to_numpy() * rng.uniform(0.85, 1.15, n_rows)
    model.predict_table(candidates.head(1000))  # warm-up

    matrix = model.transform(candidates)
    distance = model.domain_distance(matrix)
    spread_matrix = np.column_stack([matrix, distance])
    part = model.targets_[target]
    threads = model.num_threads or _threads(n_rows)

    def raw() -> float:  # LightGBM alone: the two boosters, nothing else
        begin = time.perf_counter()
        part.booster.predict(matrix, num_threads=threads)
        part.spread_booster.predict(spread_matrix, num_threads=threads)
        return time.perf_counter() - begin

    def pipeline() -> tuple[float, pd.DataFrame]:  # what a caller gets: intervals + domain
        begin = time.perf_counter()
        table = model.predict_table(candidates)
        return time.perf_counter() - begin, table

    # Interleaved and repeated; the minimum is robust to other processes on the machine.
    raw_times, full_times = [], []
    for _ in range(max(1, timing_repeats)):
        raw_times.append(raw())
        seconds, table = pipeline()
        full_times.append(seconds)
    raw_seconds, full = min(raw_times), min(full_times)
    begin = time.perf_counter()
    model.domain_distance(matrix)
    domain_seconds = time.perf_counter() - begin
    labels = table["domain"].value_counts(normalize=True).to_dict()
    return {
        "rows": n_rows,
        "threads": threads,
        "timing_repeats": timing_repeats,
        "raw_seconds_all": raw_times,
        "full_seconds_all": full_times,
        "model_fit_seconds": fit_seconds,
        "full_seconds": full,
        "raw_booster_seconds": raw_seconds,
        "domain_seconds": domain_seconds,
        "rows_per_second": n_rows / full,
        "raw_rows_per_second": n_rows / raw_seconds,
        "overhead": full / raw_seconds - 1.0,
        "domain_points": len(model.domain_.points),
        "domain_share": {k: float(v) for k, v in labels.items()},
    }


def _threads(n_rows: int) -> int:
    from engine.models.params import prediction_threads

    return prediction_threads(n_rows)


def _print(report: dict[str, Any]) -> None:
    print(f"data: {report['data']} ({report['rows']} rows)")
    for protocol, result in report.get("accuracy", {}).items():
        print(f"\n{protocol} CV, {result['folds']} folds × {result['repeats']}:")
        for name in ("formix_lightgbm", "random_forest", "hist_gradient_boosting"):
            r = result[name]
            print(f"  {name:<24} RMSE {r['rmse']:7.3f}   fit {r['fit_seconds']:7.2f} s")
        for name in ("random_forest", "hist_gradient_boosting"):
            print(
                f"  formix / {name}: RMSE ×{result[f'rmse_ratio_formix_to_{name}']:.3f}, "
                f"time ×{result[f'time_ratio_formix_to_{name}']:.2f}"
            )
    scoring = report.get("scoring")
    if scoring:
        print(
            f"\nscoring {scoring['rows']:,} recipes ({scoring['threads']} threads): "
            f"{scoring['rows_per_second']:,.0f} rows/s with intervals + domain; raw boosters "
            f"{scoring['raw_rows_per_second']:,.0f} rows/s; overhead "
            f"{scoring['overhead']:+.1%} (target ≤ 25 %); domain check "
            f"{scoring['domain_seconds']:.2f} s on {scoring['domain_points']} points"
        )
