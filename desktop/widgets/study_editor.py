"""Forms for an optimisation study, edited as the plain dict that mirrors its TOML file.

Tabs: *Variables* (bounds, fixed values, choices, baseline recipe, price and CO₂ per
material: the study's own values, else the project catalogue's in grey italics), *Mixture &
ratios* (``[[mixture]]``, ``[[ratio]]``, ``[[linear]]``, ``[[count]]``), *Goals & limits*
(``[[objectives]]`` with their statistic, ``[[constraints]]`` on predicted properties, cost or
CO₂) and *Settings* (risk level, domain mode, population, generations, seed). The engine
checks the study when it runs or saves; the forms only parse numbers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.message_line import ERROR_COLOUR
from desktop.widgets.record_table import Column, RecordTable

__all__ = ["DOMAIN_MODES", "RISK_LEVELS", "StudyEditor"]

RISK_LEVELS: tuple[tuple[str, float | None], ...] = (
    ("as the model was calibrated", None),
    ("80 % interval — 1 batch in 10 below the lower bound", 0.8),
    ("90 % interval — 1 batch in 20 below the lower bound", 0.9),
    ("95 % interval — 1 batch in 40 below the lower bound", 0.95),
)
"""Risk level = the coverage of the interval whose lower/upper bound goals and limits use."""
DOMAIN_MODES: tuple[tuple[str, str], ...] = (
    ("inside", "Stay inside the plant's data (safest)"),
    ("edge", "Allow the edge of the data"),
    ("explore", "Explore beyond the data (predictions less certain)"),
)
VARIABLE_TYPES = ("continuous", "integer", "categorical", "fixed")
OBJECTIVE_KINDS = ("target", "cost", "co2", "uncertainty")
STATISTICS = ("mean", "lower", "upper")
_BASELINE, _PRICE, _CO2, _CONTENT = "baseline_value", "price", "co2", "content"
_MISSING_BACKGROUND = QColor(214, 69, 69, 70)  # readable on light and dark palettes


def _variable_columns() -> list[Column]:
    return [
        Column("name", "Variable", tooltip="A model input: a material amount or a setting"),
        Column("type", "Type", "choice", VARIABLE_TYPES, default="continuous"),
        Column("lower", "Lower", "number", tooltip="Smallest amount allowed"),
        Column("upper", "Upper", "number", tooltip="Largest amount allowed"),
        Column(_BASELINE, "Current\nrecipe", "value",
               tooltip="The production recipe recommendations are compared with"),
        Column(_PRICE, "Price\nper unit", "number",
               tooltip="e.g. €/kg for amounts in kg/m³. Grey italics: from the project's "
                       "materials catalogue; a value typed here is used by this study only"),
        Column(_CO2, "CO₂\nper unit", "number",
               tooltip="e.g. kg CO₂e/kg. Grey italics: from the project's materials "
                       "catalogue; a value typed here is used by this study only"),
        Column("unit", "Unit"),
        Column("resolution", "Resolution", "number",
               tooltip="Amounts closer than this are the same recipe to the plant (e.g. the "
                       "scale's 1 kg); results keep one of them. Empty: 1/1000 of the range"),
        Column("value", "Fixed value", "value", tooltip="For type 'fixed' (e.g. test age 28)"),
        Column("choices", "Choices", "names", tooltip="For type 'categorical', comma-separated"),
        Column("material", "Material", "bool",
               tooltip="Counts in cost and CO₂ (price and CO₂ per unit)"),
        Column(_CONTENT, "Contains", "weights",
               tooltip="What a unit of the material contains, e.g. its XRF analysis in wt %: "
                       "CaO=52, SiO2=4. Ratios and limits may then name CaO like a variable "
                       "(every material must give it, 0 if none)"),
        Column("description", "Note"),
    ]


class StudyEditor(QWidget):
    """Edit a study dict in forms; ``study()`` returns the edited dict and parse problems.

    Signals:
        edited(): anything was changed.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._study: dict[str, Any] = {}
        self._targets: list[str] = []
        self._factors: dict[str, dict[str, Any]] | None = None  # see set_material_factors
        self._factor_currency = ""

        self.variables = RecordTable(_variable_columns(), "Variables", self)
        self.mixtures = RecordTable([
            Column("name", "Mixture"),
            Column("basis", "Basis", "choice", ("mass", "volume"), default="mass",
                   tooltip="mass: amounts sum to the total; volume: Σ amount/density + air "
                           "= total (m³)"),
            Column("components", "Components", "names"),
            Column("total", "Total", "number"),
            Column("balance", "Balance (fills up)"),
            Column("air", "Air", "number"),
            Column("specific_gravities", "Specific gravities", "weights",
                   tooltip="name=specific gravity, … (volume basis): density relative to "
                           "water, the same in any units (cement=3.15)"),
            Column("densities", "Densities", "weights",
                   tooltip="Instead of a specific gravity: name=density, … in the amounts' "
                           "unit (cement=3150 for kg/m³ amounts, 5309.5 for lb/yd³)"),
        ], "Mixtures", self)
        self.ratios = RecordTable([
            Column("name", "Ratio"),
            Column("numerator", "Numerator", "weights", tooltip="names, or name=weight pairs"),
            Column("denominator", "Denominator", "weights",
                   tooltip="names, or name=weight pairs (k-values: fly_ash=0.4)"),
            Column("min", "Min", "number"),
            Column("max", "Max", "number"),
        ], "Ratios", self)
        self.linear = RecordTable([
            Column("name", "Limit"),
            Column("coefficients", "Sum of", "weights", tooltip="name=coefficient, …"),
            Column("min", "Min", "number"),
            Column("max", "Max", "number"),
            Column("equal", "Equal to", "number"),
        ], "Linear limits", self)
        self.counts = RecordTable([
            Column("name", "Rule"),
            Column("components", "Of these", "names"),
            Column("max_nonzero", "At most … used", "int"),
            Column("min_amount", "Minimum amount when used", "number"),
        ], "Counts", self)
        self.objectives = RecordTable(self._objective_columns(), "Goals", self)
        self.constraints = RecordTable(self._constraint_columns(), "Limits", self)

        self.name_edit = QLineEdit(self)
        self.description_edit = QLineEdit(self)
        self.currency_edit = QLineEdit(self)
        self.currency_edit.setMaximumWidth(80)
        self.risk_combo = QComboBox(self)
        for text, value in RISK_LEVELS:
            self.risk_combo.addItem(text, value)
        self.risk_combo.setToolTip(
            "Goals and limits on a property's lower (or upper) bound use this interval: a "
            "wider interval is a larger safety margin")
        self.domain_combo = QComboBox(self)
        for mode, text in DOMAIN_MODES:
            self.domain_combo.addItem(text, mode)
        for combo in (self.risk_combo, self.domain_combo):  # long texts: do not widen the page
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        self.population_spin = QSpinBox(self)
        self.population_spin.setRange(8, 2000)
        self.population_spin.setSingleStep(10)
        self.population_spin.setToolTip("Recipes per generation")
        self.generations_spin = QSpinBox(self)
        self.generations_spin.setRange(1, 5000)
        self.generations_spin.setSingleStep(10)
        self.seed_spin = QSpinBox(self)
        self.seed_spin.setRange(-1, 2**31 - 1)
        self.seed_spin.setSpecialValueText("random")
        self.seed_spin.setToolTip("The same seed repeats the same run; 'random' draws one")
        settings = QWidget(self)
        form = QFormLayout(settings)
        form.addRow("Study name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Currency", self.currency_edit)
        form.addRow("Risk level", self.risk_combo)
        form.addRow("Domain", self.domain_combo)
        form.addRow("Population", self.population_spin)
        form.addRow("Generations", self.generations_spin)
        form.addRow("Seed", self.seed_spin)
        hint = QLabel("Run time grows with population × generations (the demo: 60 × 40 "
                      "takes a few seconds).", settings)
        hint.setWordWrap(True)
        form.addRow(hint)

        self.tabs = QTabWidget(self)
        self.tabs.setUsesScrollButtons(True)  # the page may be narrower than the four tabs
        self.materials_note = QLabel(self)
        self.materials_note.setWordWrap(True)
        self.materials_note.setVisible(False)
        variables_tab = QWidget(self)
        variables_layout = QVBoxLayout(variables_tab)
        variables_layout.setContentsMargins(0, 0, 0, 0)
        variables_layout.addWidget(self.variables, 1)
        variables_layout.addWidget(self.materials_note)
        self.tabs.addTab(variables_tab, "Variables")
        self.tabs.addTab(self._stacked((self.mixtures, self.ratios, self.linear, self.counts)),
                         "Mixture && ratios")
        self.tabs.addTab(self._stacked((self.objectives, self.constraints)), "Goals && limits")
        self.tabs.addTab(settings, "Settings")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        for table in self.tables():
            table.edited.connect(self.edited)
        for table in (self.variables, self.objectives, self.constraints):
            table.edited.connect(self._show_material_factors)
        for edit in (self.name_edit, self.description_edit, self.currency_edit):
            edit.textEdited.connect(lambda _t: self.edited.emit())
        for combo in (self.risk_combo, self.domain_combo):
            combo.currentIndexChanged.connect(lambda _i: self.edited.emit())
        for spin in (self.population_spin, self.generations_spin, self.seed_spin):
            spin.valueChanged.connect(lambda _v: self.edited.emit())

    def _stacked(self, tables: Sequence[RecordTable]) -> QWidget:
        """Tables one above the other; scrolls when the window is too low for all of them."""
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        for table in tables:
            box = QGroupBox(table.title, splitter)
            QVBoxLayout(box).addWidget(table)
            splitter.addWidget(box)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(splitter)
        return scroll

    def _objective_columns(self) -> list[Column]:
        return [
            Column("kind", "Goal on", "choice", OBJECTIVE_KINDS, default="target",
                   tooltip="target: a predicted property; cost, co2; uncertainty: interval "
                           "width"),
            Column("target", "Property", "choice", ("", *self._targets), editable=True),
            Column("statistic", "Statistic", "choice", STATISTICS, default="mean",
                   tooltip="mean: expected value; lower: the safe-side bound at the risk level"),
            Column("sense", "Direction", "choice", ("", "maximize", "minimize"),
                   tooltip="Empty: the engine's default (maximise properties, minimise cost)"),
            Column("name", "Label (optional)"),
        ]

    def _constraint_columns(self) -> list[Column]:
        return [
            Column("kind", "Limit on", "choice", OBJECTIVE_KINDS, default="target"),
            Column("target", "Property", "choice", ("", *self._targets), editable=True),
            Column("statistic", "Statistic", "choice", STATISTICS, default="mean"),
            Column("min", "At least", "number"),
            Column("max", "At most", "number"),
            Column("unit", "Unit", tooltip="Of the limits: psi, MPa, USD/yd³, lb CO₂e/yd³ … "
                   "Empty: the unit the property is shown in; cost and CO₂ per the amounts' "
                   "basis (per yd³ for lb/yd³)"),
            Column("name", "Name (optional)"),
        ]

    def tables(self) -> tuple[RecordTable, ...]:
        """Every record table of the editor."""
        return (self.variables, self.mixtures, self.ratios, self.linear, self.counts,
                self.objectives, self.constraints)

    # -- dict ↔ forms ------------------------------------------------------------------------
    def set_targets(self, targets: Sequence[str]) -> None:
        """The properties the model predicts (offered in the goal and limit drop-downs)."""
        self._targets = list(dict.fromkeys([*(str(t) for t in targets), *self._targets]))
        objectives, _ = self.objectives.records()
        constraints, _ = self.constraints.records()
        self.objectives.columns = tuple(self._objective_columns())
        self.constraints.columns = tuple(self._constraint_columns())
        self.objectives.set_records(objectives)
        self.constraints.set_records(constraints)

    def set_study(self, study: Mapping[str, Any]) -> None:
        """Fill the forms from a study dict (as read from TOML)."""
        self._study = copy.deepcopy(dict(study))
        named = [str(item["target"]) for item in (*self._study.get("objectives", []),
                                                  *self._study.get("constraints", []))
                 if item.get("target")]
        for target in named:  # the study's properties are offered in the drop-downs too
            if target not in self._targets:
                self._targets.append(target)
        self.objectives.columns = tuple(self._objective_columns())
        self.constraints.columns = tuple(self._constraint_columns())
        baseline = dict((self._study.get("baseline") or {}).get("values", {}))
        materials = dict(self._study.get("materials") or {})
        variables = []
        for variable in self._study.get("variables", []):
            record = dict(variable)
            name = record.get("name")
            if name in baseline:
                record[_BASELINE] = baseline[name]
            factors = materials.get(name) or {}
            if factors.get("price") is not None:
                record[_PRICE] = factors["price"]
            if factors.get("co2") is not None:
                record[_CO2] = factors["co2"]
            if factors.get(_CONTENT):
                record[_CONTENT] = factors[_CONTENT]
            variables.append(record)
        self.variables.set_records(variables)
        self._show_material_factors()
        self.mixtures.set_records(self._study.get("mixture", []))
        self.ratios.set_records(self._study.get("ratio", []))
        self.linear.set_records(self._study.get("linear", []))
        self.counts.set_records(self._study.get("count", []))
        self.objectives.set_records(self._study.get("objectives", []))
        self.constraints.set_records(self._study.get("constraints", []))
        self.name_edit.setText(str(self._study.get("name", "")))
        self.description_edit.setText(str(self._study.get("description", "")))
        self.currency_edit.setText(str(self._study.get("currency", "EUR")))
        coverage = next((item.get("coverage") for item in (
            *self._study.get("objectives", []), *self._study.get("constraints", []))
            if item.get("coverage") is not None), None)
        self.risk_combo.setCurrentIndex(max(self.risk_combo.findData(coverage), 0))
        domain = self._study.get("domain") or {}
        mode = "explore" if domain.get("explore") else domain.get("mode", "edge")
        self.domain_combo.setCurrentIndex(max(self.domain_combo.findData(mode), 0))
        algorithm = self._study.get("algorithm") or {}
        self.population_spin.setValue(int(algorithm.get("population", 100)))
        self.generations_spin.setValue(int(algorithm.get("generations", 200)))
        seed = algorithm.get("seed")
        self.seed_spin.setValue(-1 if seed is None else int(seed))

    # -- prices and CO₂ factors ------------------------------------------------------------------
    def set_material_factors(self, factors: Mapping[str, Any] | None) -> None:
        """What the project's catalogue says about the study's materials.

        ``factors`` is ``engine.services.material_factors``' answer (None: unknown). Empty
        price and CO₂ cells then show the catalogue's value in grey italics (the value the
        optimisation uses); a price or CO₂ factor a goal or limit needs but neither the study
        nor the catalogue has is flagged in red.
        """
        if factors is None:
            self._factors, self._factor_currency = None, ""
        else:
            self._factors = {str(k): dict(v) for k, v in dict(factors.get("materials")
                                                                or {}).items()}
            self._factor_currency = str(factors.get("currency") or "")
        self._show_material_factors()
        for key in (_PRICE, _CO2):
            col = self._column(key)
            self.variables.table.resizeColumnToContents(col)
            width = self.variables.table.columnWidth(col)
            self.variables.table.setColumnWidth(col, min(max(width, 56), 240))

    def material_variables(self) -> tuple[tuple[str, str], ...]:
        """(name, unit) of each material variable in the forms: what the factors depend on."""
        table = self.variables
        found = []
        for row in range(table.row_count()):
            name = _text(table, row, self._column("name"))
            if name and table.cell_value(row, self._column("material")):
                found.append((name, _text(table, row, self._column("unit"))))
        return tuple(found)

    def missing_factors(self) -> dict[str, list[str]]:
        """Materials without the price ("price") or CO₂ factor ("co2") a goal or limit needs.

        Empty until the catalogue's factors are known (``set_material_factors``).
        """
        missing: dict[str, list[str]] = {_PRICE: [], _CO2: []}
        if self._factors is None:
            return missing
        needed = self._needed_factors()
        for row in range(self.variables.row_count()):
            name = _text(self.variables, row, self._column("name"))
            for key in (_PRICE, _CO2):
                if name and self._lacks_factor(row, key, needed):
                    missing[key].append(name)
        return missing

    def _lacks_factor(self, row: int, key: str, needed: set[str]) -> bool:
        """Whether a material row's price/CO₂ cell is empty (neither the study's own value nor
        the catalogue's) while a goal or limit needs it; False until the factors are known."""
        table = self.variables
        if self._factors is None or key not in needed \
                or not table.cell_value(row, self._column("material")):
            return False
        item = table.item(row, key)
        return item is None or not item.text().strip()

    def _needed_factors(self) -> set[str]:
        """"price" when cost, "co2" when CO₂ is a goal or a limit."""
        kinds = set()
        for table in (self.objectives, self.constraints):
            column = [c.key for c in table.columns].index("kind")
            for row in range(table.row_count()):
                kinds.add(table.cell_value(row, column))
        return {key for key, kind in ((_PRICE, "cost"), (_CO2, "co2")) if kind in kinds}

    def _column(self, key: str) -> int:
        return [c.key for c in self.variables.columns].index(key)

    def _show_material_factors(self) -> None:
        """Catalogue values in empty price/CO₂ cells, tooltips saying where each value comes
        from, and missing ones flagged (called after every edit: goals may have changed)."""
        table = self.variables
        factors = self._factors
        currency = self._factor_currency or self.currency_edit.text().strip() or "currency"
        needed = self._needed_factors()
        blocked = table.table.blockSignals(True)
        try:
            for row in range(table.row_count()):
                name = _text(table, row, self._column("name"))
                material = bool(table.cell_value(row, self._column("material")))
                info = (factors or {}).get(name) if material else None
                per = (info or {}).get("per") or (
                    _text(table, row, self._column("unit")).split("/")[0].strip() or "unit")
                for key in (_PRICE, _CO2):
                    unit = f"{currency} per {per}" if key == _PRICE else f"kg CO₂e per {per}"
                    catalogue = (info or {}).get(f"catalogue_{key}")
                    table.set_inherited(row, key, catalogue,
                                        _catalogue_tip(info, catalogue, unit) if info else "")
                    item = table.item(row, key)
                    if item is None:
                        continue
                    own = not table.is_inherited(row, key) and bool(item.text().strip())
                    missing = self._lacks_factor(row, key, needed)
                    item.setBackground(_MISSING_BACKGROUND if missing else QColor(0, 0, 0, 0))
                    if missing:
                        item.setToolTip(_missing_tip(name, key, unit))
                    elif own:
                        was = (f": replaces the catalogue's {_number(catalogue)} {unit}"
                               if catalogue is not None else
                               " (the project's catalogue has none)" if factors is not None
                               else "")
                        item.setToolTip(f"Set in this study{was}. Clear the cell to use the "
                                        "catalogue's value.")
                    elif not material:
                        item.setToolTip("")
        finally:
            table.table.blockSignals(blocked)
        self._show_materials_note(currency)

    def _show_materials_note(self, currency: str) -> None:
        if self._factors is None:
            self.materials_note.setVisible(False)
            return
        parts = []
        if any(self.variables.is_inherited(row, key) for row in range(self.variables.row_count())
               for key in (_PRICE, _CO2)):
            pers = {str(info.get("per")) for info in (self._factors or {}).values()}
            per = f" per {pers.pop()}" if len(pers) == 1 else ""
            parts.append(f"Prices ({currency}{per}) and CO₂ factors (kg CO₂e{per}) in "
                         "<i>grey italics</i> come from the project's materials catalogue; a "
                         "value typed over one is used by this study only.")
        missing = self.missing_factors()
        for key, what, goal in ((_PRICE, "price", "cost"), (_CO2, "CO₂ factor", "CO₂")):
            if missing[key]:
                names = ", ".join(missing[key])
                parts.append(f"<span style='color:{ERROR_COLOUR}'><b>No {what} for {names}</b>: "
                             f"{goal} is a goal or limit of this study, so the optimisation "
                             f"cannot run. Enter the {what} in the red cells or add the "
                             "material to the project's materials catalogue.</span>")
        self.materials_note.setText("<br>".join(parts))
        self.materials_note.setVisible(bool(parts))

    def study(self) -> tuple[dict[str, Any], list[str]]:
        """The edited study dict, and the values that could not be read (empty: fine)."""
        study = copy.deepcopy(self._study)
        problems: list[str] = []
        variables, found = self.variables.records()
        problems += found
        baseline_values: dict[str, Any] = {}
        materials: dict[str, dict[str, Any]] = {}
        plain_variables = []
        for record in variables:
            name = record.get("name")
            value = record.pop(_BASELINE, None)
            price, co2 = record.pop(_PRICE, None), record.pop(_CO2, None)
            content = record.pop(_CONTENT, None)
            if name and value is not None:
                baseline_values[str(name)] = value
            if name and (price is not None or co2 is not None or content):
                old = dict((self._study.get("materials") or {}).get(name, {}))
                for key in (_PRICE, _CO2, _CONTENT):
                    old.pop(key, None)
                given = {_PRICE: price, _CO2: co2, _CONTENT: content or None}
                materials[str(name)] = {**old, **{k: v for k, v in given.items() if v is not None}}
            plain_variables.append(record)
        study["variables"] = plain_variables
        if baseline_values:
            study["baseline"] = {**(study.get("baseline") or {"name": "current recipe"}),
                                 "values": baseline_values}
        else:
            study.pop("baseline", None)
        if materials:
            study["materials"] = materials
        else:
            study.pop("materials", None)
        for key, table in (("mixture", self.mixtures), ("ratio", self.ratios),
                           ("linear", self.linear), ("count", self.counts),
                           ("objectives", self.objectives), ("constraints", self.constraints)):
            records, found = table.records()
            problems += found
            if records or key in ("objectives",):
                study[key] = records
            else:
                study.pop(key, None)
        coverage = self.risk_combo.currentData()
        for item in (*study.get("objectives", []), *study.get("constraints", [])):
            item.pop("coverage", None)
            if coverage is not None and item.get("statistic") in ("lower", "upper"):
                item["coverage"] = float(coverage)
        for key, edit in (("name", self.name_edit), ("description", self.description_edit),
                          ("currency", self.currency_edit)):
            text = edit.text().strip()
            if text:
                study[key] = text
            else:
                study.pop(key, None)
        domain = dict(study.get("domain") or {})
        domain.pop("explore", None)
        domain["mode"] = self.domain_combo.currentData()
        study["domain"] = domain
        algorithm = dict(study.get("algorithm") or {})
        algorithm["population"] = self.population_spin.value()
        algorithm["generations"] = self.generations_spin.value()
        if self.seed_spin.value() < 0:
            algorithm.pop("seed", None)
        else:
            algorithm["seed"] = self.seed_spin.value()
        study["algorithm"] = algorithm
        return study, problems


def _text(table: RecordTable, row: int, col: int) -> str:
    try:
        value = table.cell_value(row, col)
    except ValueError:
        return ""
    return "" if value is None else str(value).strip()


def _number(value: Any) -> str:
    return f"{float(value):.6g}"


def _catalogue_tip(info: Mapping[str, Any], value: Any, unit: str) -> str:
    if value is None:
        return ""
    name = info.get("catalogue_name") or ""
    source = info.get("catalogue_source") or ""
    about = "; ".join(part for part in (name, f"source: {source}" if source else "") if part)
    return (f"{_number(value)} {unit}, from the project's materials catalogue"
            f"{f' ({about})' if about else ''}. Type a value to use another one in this "
            "study only.")


def _missing_tip(name: str, key: str, unit: str) -> str:
    what, goal = ("price", "cost") if key == _PRICE else ("CO₂ factor", "CO₂")
    return (f"No {what} for {name}: {goal} is a goal or limit of this study, so the "
            f"optimisation cannot run. Enter the {what} here ({unit}) or add {name} to the "
            "project's materials catalogue (Data page: import a materials catalogue).")
