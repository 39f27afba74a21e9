"""One recipe explained: what changes against the current recipe, predicted properties with
their intervals and a domain badge, cost and CO₂ with their changes, why the prediction moved
(a waterfall of contribution changes), and which limits it sits on.

Renders the plain dict of an explained recommendation (``ExplainedRecommendation.to_dict()``:
``changes``, ``properties``, ``attributions``, ``binding``, ``cost``/``co2`` and deltas,
``domain_label`` …); keys that are missing are skipped, so a recipe with fewer details (a Pareto
point that was not recommended) still shows what it has. Figures are shown as the dict gives
them, with its units (``cost_unit``, ``co2_unit``): the page converts a recommendation to the
display units first (``engine.services.shown_recommendations``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.theme import DOMAIN_TEXT, domain_colors
from desktop.widgets.contribution_chart import ContributionChart

__all__ = ["WHOLE_UNITS", "RecommendationCard", "number_text", "signed_text"]


WHOLE_UNITS = frozenset({"psi"})
"""Units whose figures read as whole numbers (a US engineer writes 4,350 psi, not 4,351.13)."""


def number_text(value: Any, digits: int = 3, unit: str = "") -> str:
    """A number with ``digits`` significant digits (no scientific notation for plant values);
    in a unit of :data:`WHOLE_UNITS`, rounded to a whole number."""
    if value is None:
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "–"
    if unit in WHOLE_UNITS:
        number = float(round(number))
    magnitude = abs(number)
    if magnitude >= 10 ** digits or number == int(number):
        return f"{number:,.0f}"
    decimals = max(digits - 1 - math.floor(math.log10(magnitude)), 0) if magnitude else 0
    return f"{number:,.{min(decimals, 4)}f}"


def money_text(value: Any) -> str:
    """A cost to the cent ("10.94", "1,067.20"): costs close together read apart."""
    return "–" if value is None else f"{float(value):,.2f}"


def signed_text(value: Any, digits: int = 3, unit: str = "",
                fmt: Callable[[Any], str] | None = None) -> str:
    """A change with its sign ("+3.2", "−8.6", "±0"); ``fmt`` formats its size (e.g.
    :func:`money_text`) instead of ``digits`` significant digits."""
    if value is None:
        return ""
    number = float(value)
    if unit in WHOLE_UNITS:
        number = float(round(number))
    if number == 0:
        return "±0"
    text = fmt(abs(number)) if fmt is not None else number_text(abs(number), digits, unit)
    return f"+{text}" if number > 0 else f"−{text}"


def _cost_unit(rec: Mapping[str, Any]) -> str:
    """What the recipe's cost is given in ("USD/m³", "USD/yd³"; the currency when unknown)."""
    return str(rec.get("cost_unit") or rec.get("currency") or "")


def _co2_unit(rec: Mapping[str, Any]) -> str:
    return str(rec.get("co2_unit") or "kg CO₂e")


def _binding_text(binding: Mapping[str, Any], rec: Mapping[str, Any]) -> str:
    """A limit the recipe sits on; cost and CO₂ limits with the recipe's cost and CO₂ units."""
    unit = {"cost": _cost_unit(rec), "co2": _co2_unit(rec)}.get(str(binding.get("measure")))
    if unit and binding.get("value") is not None and binding.get("limit") is not None:
        return (f"{binding.get('label')} {binding.get('side')}: "
                f"{number_text(binding['value'])} (limit {number_text(binding['limit'])} "
                f"{unit})")
    return str(binding.get("text") or binding.get("label"))


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(f"<b>{html.escape(title)}</b>", parent)
    label.setContentsMargins(0, 8, 0, 0)
    return label


class RecommendationCard(QWidget):
    """The card of one recipe; ``show_recommendation(None)`` shows a hint instead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recommendation: dict[str, Any] | None = None
        self._attributions: dict[str, Mapping[str, Any]] = {}
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.badge = QLabel(self)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)

        self.properties = QLabel(self)
        self.properties.setWordWrap(True)
        self.properties.setTextFormat(Qt.TextFormat.RichText)
        self.cost = QLabel(self)
        self.cost.setWordWrap(True)
        self.changes = QTableWidget(0, 4, self)
        self.changes.setHorizontalHeaderLabels(["Material / setting", "Current", "This recipe",
                                                "Change"])
        self.changes.verticalHeader().setVisible(False)
        self.changes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.changes.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        columns = self.changes.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # long catalogue names are elided (full name in the tooltip), the figures stay in view
        columns.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.changes.verticalHeader().setDefaultSectionSize(22)
        self.why_target = QComboBox(self)
        self.why_target.currentTextChanged.connect(self._show_why)
        self.why = ContributionChart(self)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        self.binding = QLabel(self)
        self.binding.setWordWrap(True)

        self.details = QWidget(self)
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        predicted_title = _section("Predicted properties", self)
        details.addWidget(predicted_title)
        details.addWidget(self.properties)
        details.addWidget(_section("Cost and CO₂", self))
        details.addWidget(self.cost)
        details.addWidget(_section("Recipe against the current recipe", self))
        details.addWidget(self.changes)
        why_row = QHBoxLayout()
        why_title = _section("Why the prediction changes", self)
        why_row.addWidget(why_title)
        why_row.addStretch(1)
        why_row.addWidget(self.why_target)
        details.addLayout(why_row)
        details.addWidget(self.why)
        details.addWidget(self.explanation)
        details.addWidget(_section("Limits it sits on", self))
        details.addWidget(self.binding)
        details.addStretch(1)
        # what a study without models (cost, CO₂ and limits only) has nothing to show for
        self._model_widgets = (predicted_title, self.properties, why_title, self.why,
                               self.explanation)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.hint)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addWidget(self.details, 1)
        self.show_recommendation(None)

    def show_recommendation(self, rec: Mapping[str, Any] | None, hint: str = "") -> None:
        """Show a recipe's dict (see the module docstring); None: nothing selected."""
        self.recommendation = dict(rec) if rec is not None else None
        self.details.setVisible(rec is not None)
        self.badge.setVisible(rec is not None)
        if rec is None:
            self.title.setText("<h3>No recipe selected</h3>")
            self.hint.setText(hint or "Click a point of the front or a row of the table.")
            self.hint.setVisible(True)
            return
        rank = rec.get("rank")
        kind = rec.get("kind")
        selected = kind == "selection" or not rank  # a clicked point, not a recommendation
        reasons = () if selected else rec.get("reasons") or ()
        what = "Trial recipe" if kind == "exploration" else "Recommendation"
        heading = "Recipe from the front" if selected else f"{what} #{rank}"
        ident = f" <span style='color:gray'>(id {html.escape(str(rec['id']))})</span>" \
            if rec.get("id") is not None else ""
        lines = [f"<h3>{heading}{ident}</h3>"]
        if reasons:
            lines.append(f"Picked as: {html.escape(', '.join(str(r) for r in reasons))}")
        if rec.get("baseline_name"):
            lines.append(f"Compared with: {html.escape(str(rec['baseline_name']))}")
        if rec.get("dominates_baseline"):
            lines.append("<b>Better than the current recipe in every goal.</b>")
        self.title.setText("<br>".join(lines))
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self._show_badge(str(rec.get("domain_label") or ""))
        predicted = rec.get("properties") != []  # [] : the study reads no model output
        self.badge.setVisible(predicted)
        self._show_properties(rec.get("properties") or [])
        self._show_cost(rec)
        self._show_changes(rec)
        attributions = {str(a.get("target")): a for a in rec.get("attributions") or []}
        self._attributions = attributions
        self.why_target.blockSignals(True)
        self.why_target.clear()
        self.why_target.addItems(list(attributions))
        self.why_target.blockSignals(False)
        self.why_target.setVisible(len(attributions) > 1)
        self._show_why(self.why_target.currentText())
        if not predicted:
            for widget in self._model_widgets:
                widget.setVisible(False)
        else:
            for widget in self._model_widgets[:3]:
                widget.setVisible(True)
        binding = rec.get("binding")
        if binding is None:
            self.binding.setText("<i>Explained for recommended recipes only.</i>")
        elif binding:
            self.binding.setText("<br>".join(
                f"• {html.escape(_binding_text(b, rec))}" for b in binding))
        else:
            self.binding.setText("None: every limit has room to spare.")

    # -- sections ----------------------------------------------------------------------------
    def _show_badge(self, domain: str) -> None:
        colour = domain_colors().get(domain, domain_colors()[""])
        self.badge.setText(DOMAIN_TEXT.get(domain, domain or "domain unknown"))
        self.badge.setStyleSheet(
            f"QLabel {{ background: {colour.name()}; color: white; border-radius: 9px; "
            "padding: 3px 10px; font-weight: bold; }")
        self.badge.setToolTip("Whether the recipe lies among the recipes the model learned "
                              "from (inside), near their edge, or beyond them (outside: treat "
                              "the prediction with care)")

    def _show_properties(self, properties: list[Mapping[str, Any]]) -> None:
        rows = []
        for p in properties:
            name = str(p.get("unit") or "")
            unit = f"&nbsp;{html.escape(name)}" if name else ""  # a figure keeps its unit
            coverage = f"{float(p['coverage']):.0%} " if p.get("coverage") else ""
            interval = (f"{coverage}interval {number_text(p.get('lower'), unit=name)}&nbsp;to"
                        f"&nbsp;{number_text(p.get('upper'), unit=name)}{unit}"  # one line
                        if p.get("lower") is not None else "")
            base = p.get("baseline_mean")
            change = ""
            if base is not None and p.get("mean") is not None:
                change = (f"current {number_text(base, unit=name)}{unit} → "
                          f"<b>{signed_text(float(p['mean']) - float(base), unit=name)}</b>")
            rows.append(
                f"<tr><td>{html.escape(str(p.get('target', '')))}&nbsp;&nbsp;</td>"
                f"<td align='right'><b>{number_text(p.get('mean'), unit=name)}</b>{unit}"
                "&nbsp;&nbsp;</td>"
                f"<td>{interval}&nbsp;&nbsp;</td><td>{change}</td></tr>")
        self.properties.setText(f"<table>{''.join(rows)}</table>" if rows else "–")

    def _show_cost(self, rec: Mapping[str, Any]) -> None:
        parts = []
        for key, name, unit, fmt in (("cost", "Cost", _cost_unit(rec), money_text),
                                     ("co2", "CO₂", _co2_unit(rec), number_text)):
            if rec.get(key) is None:
                continue
            delta = rec.get(f"{key}_delta")
            change = f" ({signed_text(delta, fmt=fmt)} against the current recipe)" \
                if delta is not None else ""
            parts.append(f"{name}: <b>{fmt(rec[key])}</b> {html.escape(unit)}{change}")
        self.cost.setText("<br>".join(parts) if parts else "–")

    def _show_changes(self, rec: Mapping[str, Any]) -> None:
        changes = rec.get("changes")
        if not changes:
            recipe = rec.get("recipe") or {}
            changes = [{"name": k, "value": v} for k, v in recipe.items()]
        self.changes.setRowCount(len(changes))
        for row, change in enumerate(changes):
            name = str(change.get("unit") or "")
            unit = f" {name}" if name else ""
            delta = change.get("delta")
            cells = [
                str(change.get("label") or change.get("name", "")),
                "" if change.get("baseline") is None
                else number_text(change["baseline"], unit=name) + unit,
                number_text(change.get("value"), unit=name) + unit,
                "" if delta is None else signed_text(delta, unit=name),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not col:
                    item.setToolTip(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                         | Qt.AlignmentFlag.AlignVCenter)
                if col == 3 and delta is not None and abs(float(delta)) > 1e-9:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.changes.setItem(row, col, item)
        height = self.changes.horizontalHeader().height() + 22 * len(changes) + 6
        self.changes.setFixedHeight(min(height, 320))

    def _show_why(self, target: str) -> None:
        attribution = self._attributions.get(target)
        if not attribution or not attribution.get("drivers"):
            self.why.setVisible(False)
            self.explanation.setText("<i>Explained for recommended recipes only.</i>"
                                     if not self._attributions else "")
            self.explanation.setVisible(not self._attributions)
            return
        drivers = attribution["drivers"]
        effects = {str(d.get("label") or d.get("feature")): float(d["effect"]) for d in drivers}
        other = attribution.get("other")
        prediction: Mapping[str, Any] = next(
            (p for p in (self.recommendation or {}).get("properties") or []
             if p.get("target") == target), {})
        self.why.setVisible(True)
        self.why.set_contributions(effects, target, str(attribution.get("unit") or ""),
                                   prediction.get("baseline_mean"), prediction.get("mean"),
                                   other=None if other is None else float(other))
        self.explanation.setText("<br>".join(html.escape(str(d.get("text"))) for d in drivers
                                             if d.get("text")))
        self.explanation.setVisible(True)
