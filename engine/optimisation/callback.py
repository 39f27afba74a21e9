"""Progress, cancellation and the per-generation front, as a pymoo ``Callback``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pymoo.core.callback import Callback
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from engine.optimisation.archive import FrontArchive
from engine.progress import CancelToken, ProgressCallback


class ProgressCancelCallback(Callback):
    """After each generation: record the feasible front, add the generation's evaluated
    recipes to the archive, report progress, honour cancel.

    ``on_generation(generation, front)`` is called with the same front as ``fronts`` gets (in
    the thread running the optimisation). On cancel it sets ``termination.force_termination``
    and updates the termination, so the algorithm finalises at once and returns its current
    population.

    Attributes:
        fronts: per generation, the population's feasible non-dominated objective values
            (natural units, read-only arrays); cheap enough for a live plot.
        archive: every feasible non-dominated recipe evaluated so far (see
            :mod:`engine.optimisation.archive`).
        cancelled: whether the run was stopped by the token.
    """

    def __init__(self, n_gen: int, signs: np.ndarray, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None,
                 on_generation: Callable[[int, np.ndarray], None] | None = None) -> None:
        super().__init__()
        self.on_generation = on_generation
        self.n_gen = n_gen
        self.signs = np.asarray(signs, dtype=float)
        self.progress = progress
        self.cancel = cancel
        self.fronts: list[np.ndarray] = []
        self.archive = FrontArchive()
        self.cancelled = False

    def notify(self, algorithm: Any) -> None:
        evaluated = algorithm.off  # this generation's offspring (the initial population first)
        if evaluated is not None and len(evaluated):
            self.archive.add(evaluated.get("X"), evaluated.get("F"), _feasible(evaluated))
        pop = algorithm.pop
        F, feasible = pop.get("F"), _feasible(pop)
        front = np.empty((0, len(self.signs)))
        if feasible.any():
            Ff = np.asarray(F)[feasible]
            best = NonDominatedSorting().do(Ff, only_non_dominated_front=True)
            front = Ff[best] * self.signs
        front.setflags(write=False)
        self.fronts.append(front)
        gen = int(algorithm.n_gen)
        if self.on_generation is not None:
            self.on_generation(gen, front)
        if self.progress is not None:
            self.progress(min(gen / self.n_gen, 1.0),
                          f"generation {gen}/{self.n_gen}: {len(front)} feasible on the front")
        if self.cancel is not None and self.cancel.cancelled and gen < self.n_gen:
            self.cancelled = True
            algorithm.termination.force_termination = True
            algorithm.termination.update(algorithm)


def _feasible(population: Any) -> np.ndarray:
    """Which individuals violate no constraint."""
    return np.asarray(population.get("CV")).reshape(-1) <= 0.0
