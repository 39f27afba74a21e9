"""``formix bench NAME``: benchmarks that report speed and memory (ratios against baselines).

Each benchmark lives beside the code it measures, as a module with
``add_arguments(parser)`` and ``run(args) -> int``; it is imported only when chosen.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

# name -> (module, one-line help)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "link": ("engine.linking.bench", "import + link a synthetic historian log (10 M rows)"),
    "models": ("engine.models.bench", "accuracy, training-time and scoring-speed benchmarks"),
    "optimise": ("engine.optimisation.bench", "NSGA-II against random search and Optuna"),
    "closed-loop": ("engine.recommendation.simulation",
                    "explore-mode trials against random trials on UCI concrete"),
}


def register(subparsers: Any) -> None:
    """Add ``formix bench``."""
    parser = subparsers.add_parser("bench", help="run a benchmark")
    names = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    for name, (module_name, help_text) in BENCHMARKS.items():
        sub = names.add_parser(name, help=help_text)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            sub.set_defaults(handler=_missing(name))
            continue
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)


def _missing(name: str) -> Any:
    def handler(args: argparse.Namespace) -> int:
        print(f"formix: benchmark {name!r} is not available in this build")
        return 2

    return handler
