"""Cross-validation splits: grouped by recipe (default), random, or time-ordered."""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn.model_selection import GroupKFold, KFold, TimeSeriesSplit

from engine.errors import FormixError

CVKind = Literal["group", "random", "time"]
CV_KINDS: tuple[str, ...] = ("group", "random", "time")

Split = tuple[np.ndarray, np.ndarray]


def cv_splits(
    kind: str,
    n_rows: int,
    folds: int,
    seed: int = 0,
    groups: np.ndarray | None = None,
    order: np.ndarray | None = None,
    strict: bool = True,
) -> list[Split]:
    """Train/test row indices for each fold.

    Args:
        kind: ``group`` (rows of a group never straddle folds), ``random`` (shuffled k-fold)
            or ``time`` (expanding window over rows sorted by ``order``; earliest chunk is
            never tested).
        n_rows: number of rows.
        folds: number of folds.
        seed: shuffling seed (group and random).
        groups: group id per row, required for ``group``.
        order: sort key per row (e.g. timestamps), required for ``time``.
        strict: raise when there are fewer groups/rows than folds; else use fewer folds.

    Raises:
        FormixError: unknown kind, missing groups/order, or too few rows/groups.
    """
    if kind not in CV_KINDS:
        raise FormixError(f"unknown cross-validation {kind!r}; use one of {list(CV_KINDS)}")
    if folds < 2:
        raise FormixError(f"cross-validation needs at least 2 folds, got {folds}")
    rows = np.arange(n_rows)
    if kind == "group":
        if groups is None:
            raise FormixError("grouped cross-validation needs a group per row")
        n_groups = len(np.unique(groups))
        folds = _fit_folds(folds, n_groups, "recipe groups", strict)
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        return [(tr, te) for tr, te in splitter.split(rows, groups=groups)]
    if kind == "random":
        folds = _fit_folds(folds, n_rows, "rows", strict)
        splitter_r = KFold(n_splits=folds, shuffle=True, random_state=seed)
        return [(tr, te) for tr, te in splitter_r.split(rows)]
    if order is None:
        raise FormixError("time-ordered cross-validation needs a time column")
    sorted_rows = np.argsort(np.asarray(order), kind="stable")
    folds = _fit_folds(folds, n_rows - 1, "rows", strict)
    splitter_t = TimeSeriesSplit(n_splits=folds)
    return [(sorted_rows[tr], sorted_rows[te]) for tr, te in splitter_t.split(sorted_rows)]


def _fit_folds(folds: int, available: int, what: str, strict: bool) -> int:
    if available >= folds:
        return folds
    if strict or available < 2:
        raise FormixError(
            f"{folds}-fold cross-validation needs at least {folds} {what}, the data has {available}"
        )
    return available
