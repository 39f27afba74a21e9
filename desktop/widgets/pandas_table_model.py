"""A read-only Qt table model over a pandas DataFrame that stays smooth at 100,000+ rows.

Nothing is created per cell up front: each column is kept as one numpy array, and a cell is
formatted only when the view asks for it (only the visible cells are). Filtering and sorting
replace one integer array of visible row positions, computed with vectorised pandas/numpy.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PandasTableModel", "SearchIndex", "format_cell", "rows_matching"]

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _cell_values(column: pd.Series) -> Any:
    """A column's values, indexable per cell without converting the whole column.

    Plain numpy dtypes give their array; strings, categoricals and time-zone-aware times
    keep their pandas array (``to_numpy`` would build 100,000 Python objects up front).
    """
    if isinstance(column.dtype, np.dtype) and column.dtype.kind != "O":
        return column.to_numpy()
    return column.array


def format_cell(value: Any) -> str:
    """Text of one cell: floats with up to 4 significant decimals, missing values empty."""
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        magnitude = abs(float(value))
        if magnitude != 0 and (magnitude >= 1e7 or magnitude < 1e-3):
            return f"{value:.4g}"
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, np.datetime64):
        return str(value)[:19].replace("T", " ")
    if hasattr(value, "strftime") and hasattr(value, "tzinfo"):  # Timestamp, datetime
        return "" if value != value else value.strftime("%Y-%m-%d %H:%M:%S")  # NaT != NaT
    text = str(value)
    return "" if text in ("NaT", "<NA>", "nan") else text


_CHUNK_ROWS = 8192


def _column_text(column: pd.Series) -> np.ndarray:
    """Lower-case text of a column as a numpy string array (vectorised, no per-cell objects).

    Converted in chunks: each numpy call holds the GIL, and a chunk of a few thousand rows
    keeps every hold to a few milliseconds, so the UI thread never waits long for it.
    """
    parts = []
    for start in range(0, len(column), _CHUNK_ROWS):
        chunk = column.iloc[start:start + _CHUNK_ROWS]
        values = chunk.to_numpy()
        if values.dtype.kind == "f":
            parts.append(np.round(values, 4).astype(str))
        elif values.dtype.kind in "iub":
            parts.append(values.astype(str))
        elif hasattr(chunk, "dt"):
            parts.append(chunk.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("").to_numpy().astype(str))
        else:
            parts.append(np.strings.lower(chunk.astype(str).to_numpy().astype(str)))
    return np.concatenate(parts) if parts else np.array([], dtype=str)


class SearchIndex:
    """Text of every cell, built once per frame, to filter rows fast.

    Building costs about a second per 100,000 rows × 20 columns, so do it on a worker;
    ``rows_matching`` then takes tens of milliseconds. Thread-safe once built (read-only).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.n_rows = len(frame)
        self._texts = [_column_text(frame.iloc[:, i]) for i in range(frame.shape[1])]

    def rows_matching(self, text: str) -> np.ndarray:
        """Positions of rows where any cell contains ``text`` (case-insensitive)."""
        needle = text.strip().lower()
        if not needle:
            return np.arange(self.n_rows)
        mask = np.zeros(self.n_rows, dtype=bool)
        for texts in self._texts:
            for start in range(0, self.n_rows, _CHUNK_ROWS * 4):
                stop = start + _CHUNK_ROWS * 4
                mask[start:stop] |= np.strings.find(texts[start:stop], needle) >= 0
        return np.flatnonzero(mask)


def rows_matching(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Positions of the rows where any cell's text contains ``text`` (case-insensitive)."""
    return SearchIndex(frame).rows_matching(text)


class PandasTableModel(QAbstractTableModel):
    """Shows a DataFrame (or a subset of its rows) in a QTableView.

    Args:
        frame: the data; not copied, never modified.
        units: optional unit per column, shown in the header ("cement\\n[kg/m³]").
        row_labels: optional label per frame row for the vertical header (e.g. file rows).
    """

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        units: dict[str, str] | None = None,
        row_labels: np.ndarray | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._values: list[np.ndarray] = []
        self._numeric: list[bool] = []
        self._rows = np.arange(0)
        self._units: dict[str, str] = {}
        self._row_labels: np.ndarray | None = None
        self._frame: pd.DataFrame | None = None
        self._header_notes: dict[str, str] = {}
        if frame is not None:
            self.set_frame(frame, units, row_labels)

    # -- data ---------------------------------------------------------------------------------
    def set_frame(
        self,
        frame: pd.DataFrame,
        units: dict[str, str] | None = None,
        row_labels: np.ndarray | None = None,
    ) -> None:
        """Show another frame (all rows)."""
        self.beginResetModel()
        self._frame = frame
        self._columns = [str(c) for c in frame.columns]
        self._values = [_cell_values(frame.iloc[:, i]) for i in range(frame.shape[1])]
        self._numeric = [v.dtype.kind in "fiu" for v in self._values]
        self._rows = np.arange(len(frame))
        self._units = {
            str(name): "UTC" for name, dtype in frame.dtypes.items()
            if str(getattr(dtype, "tz", None)) == "UTC"
        }
        self._units.update(units or {})
        self._row_labels = row_labels
        self.endResetModel()

    def clear(self) -> None:
        """Show nothing (needs no pandas, so an empty page costs nothing at start-up)."""
        self.beginResetModel()
        self._frame = None
        self._columns, self._values, self._numeric = [], [], []
        self._rows = np.arange(0)
        self._units, self._row_labels, self._header_notes = {}, None, {}
        self.endResetModel()

    def set_header_notes(self, notes: dict[str, str]) -> None:
        """Tooltips of column headers (e.g. "model input", "measured property")."""
        self._header_notes = dict(notes)
        if self._columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._columns) - 1)

    @property
    def frame(self) -> pd.DataFrame | None:
        """The frame shown (all rows, unfiltered)."""
        return self._frame

    @property
    def visible_rows(self) -> np.ndarray:
        """Frame row positions in display order."""
        return self._rows

    def set_visible_rows(self, positions: np.ndarray) -> None:
        """Show only these frame row positions, in this order (a filter or sort result)."""
        self.beginResetModel()
        self._rows = np.asarray(positions, dtype=np.int64)
        self.endResetModel()

    def column_index(self, name: str) -> int:
        """The position of a column by name, or -1."""
        try:
            return self._columns.index(name)
        except ValueError:
            return -1

    def row_of_position(self, position: int) -> int:
        """The display row of a frame row position, or -1 when it is filtered out."""
        hits = np.flatnonzero(self._rows == position)
        return int(hits[0]) if len(hits) else -1

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return format_cell(self._values[index.column()][self._rows[index.row()]])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self._numeric[index.column()] else _LEFT
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section >= len(self._columns):
                return None
            name = self._columns[section]
            unit = self._units.get(name)
            text = f"{name} [{unit}]" if unit else name
            if role == Qt.ItemDataRole.ToolTipRole and name in self._header_notes:
                return f"{text}: {self._header_notes[name]}"
            return text
        if section >= len(self._rows):
            return None
        position = int(self._rows[section])
        if self._row_labels is not None:
            return str(self._row_labels[position])
        return str(position + 1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the visible rows by one column (stable; missing values last)."""
        if not 0 <= column < len(self._columns):
            return
        import pandas as pd

        values = pd.Series(self._values[column][self._rows])
        ascending = order == Qt.SortOrder.AscendingOrder
        try:
            ordered = values.sort_values(ascending=ascending, kind="stable", na_position="last")
        except TypeError:  # mixed types in an object column: sort by the text shown
            ordered = values.map(format_cell).sort_values(ascending=ascending, kind="stable")
        order_positions = ordered.index.to_numpy()
        self.layoutAboutToBeChanged.emit()
        self._rows = self._rows[order_positions]
        self.layoutChanged.emit()
