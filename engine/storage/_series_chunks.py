"""Columnar chunks of historian samples: the storage format of ``process_chunks``.

A chunk holds up to ``CHUNK_SAMPLES`` samples of one tag from one import as little-endian
numpy arrays; writing and reading millions of samples is then a few hundred blob rows
instead of millions of SQL rows. Samples keep their order within a tag.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

CHUNK_SAMPLES = 65_536
NO_BATCH = -1


def encode_chunks(
    tag_ids: np.ndarray,
    times_us: np.ndarray,
    values: np.ndarray,
    source_rows: np.ndarray,
    batch_ids: pd.Series | None,
    import_id: int,
) -> Iterator[dict[str, Any]]:
    """Rows of ``process_chunks`` for one import's samples (any tag order on input)."""
    order = np.argsort(tag_ids, kind="stable")
    sorted_tags = tag_ids[order]
    bounds = np.flatnonzero(np.diff(sorted_tags)) + 1
    batch_codes: np.ndarray | None = None
    batch_names: np.ndarray | None = None
    if batch_ids is not None and batch_ids.notna().any():
        codes, names = pd.factorize(batch_ids.astype("string"), use_na_sentinel=True)
        batch_codes, batch_names = codes.astype(np.int32), np.asarray(names, dtype=object)
    for group in np.split(order, bounds):
        for start in range(0, len(group), CHUNK_SAMPLES):
            rows = group[start:start + CHUNK_SAMPLES]
            chunk_times = times_us[rows].astype("<i8")
            chunk: dict[str, Any] = {
                "tag_id": int(tag_ids[rows[0]]),
                "import_id": import_id,
                "n_samples": len(rows),
                "t_min_us": int(chunk_times.min()),
                "t_max_us": int(chunk_times.max()),
                "times_us": chunk_times.tobytes(),
                "values": values[rows].astype("<f8").tobytes(),
                "source_rows": source_rows[rows].astype("<i8").tobytes(),
                "batch_codes": None,
                "batch_ids_json": None,
            }
            if batch_codes is not None and batch_names is not None:
                codes = batch_codes[rows]
                used = np.unique(codes[codes != NO_BATCH])
                if len(used):
                    local = np.full(len(batch_names), NO_BATCH, dtype=np.int32)
                    local[used] = np.arange(len(used), dtype=np.int32)
                    chunk["batch_codes"] = np.where(codes == NO_BATCH, NO_BATCH,
                                                    local[codes]).astype("<i4").tobytes()
                    chunk["batch_ids_json"] = json.dumps([str(b) for b in batch_names[used]])
            yield chunk


def decode_chunks(
    chunks: Sequence[Any], tag_names: dict[int, str], tag_units: dict[int, str | None]
) -> pd.DataFrame:
    """Concatenate chunks (rows with the ``process_chunks`` columns) into the canonical frame.

    ``tag``, ``unit`` and ``batch_id`` come back as categoricals; ``time`` as UTC.
    """
    if not chunks:
        return pd.DataFrame({
            "tag": pd.Categorical([]), "time": pd.Series(dtype="datetime64[ns, UTC]"),
            "value": pd.Series(dtype=float), "unit": pd.Categorical([]),
            "batch_id": pd.Categorical([]), "import_id": pd.Series(dtype=np.int64),
            "source_row": pd.Series(dtype=np.int64),
        })
    counts = np.array([c.n_samples for c in chunks], dtype=np.int64)
    times = np.concatenate([np.frombuffer(c.times_us, dtype="<i8") for c in chunks])
    values = np.concatenate([np.frombuffer(c.values, dtype="<f8") for c in chunks])
    rows = np.concatenate([np.frombuffer(c.source_rows, dtype="<i8") for c in chunks])
    tag_ids = sorted(tag_names)
    tag_codes = np.repeat(np.searchsorted(tag_ids, [c.tag_id for c in chunks]), counts)
    tags = pd.Categorical.from_codes(tag_codes, categories=[tag_names[i] for i in tag_ids])
    unit_names = sorted({u for u in tag_units.values() if u is not None})
    unit_of_tag = np.array([unit_names.index(u) if (u := tag_units[i]) is not None else -1
                            for i in tag_ids] or [-1], dtype=np.int64)
    units = pd.Categorical.from_codes(unit_of_tag[tag_codes], categories=unit_names)
    return pd.DataFrame({
        "tag": tags,
        "time": pd.to_datetime(times * 1000, unit="ns", utc=True),
        "value": values,
        "unit": units,
        "batch_id": _batch_ids(chunks, counts),
        "import_id": np.repeat([c.import_id for c in chunks], counts),
        "source_row": rows,
    })


def _batch_ids(chunks: Sequence[Any], counts: np.ndarray) -> pd.Categorical:
    names: dict[str, int] = {}
    parts = []
    for chunk, count in zip(chunks, counts, strict=True):
        if chunk.batch_codes is None:
            parts.append(np.full(count, NO_BATCH, dtype=np.int64))
            continue
        local = [names.setdefault(name, len(names)) for name in json.loads(chunk.batch_ids_json)]
        mapping = np.asarray(local, dtype=np.int64)
        codes = np.frombuffer(chunk.batch_codes, dtype="<i4").astype(np.int64)
        parts.append(np.where(codes == NO_BATCH, NO_BATCH, mapping[np.maximum(codes, 0)]))
    return pd.Categorical.from_codes(np.concatenate(parts), categories=list(names))
