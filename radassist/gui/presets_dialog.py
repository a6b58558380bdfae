"""The named window presets: the user's edits saved beside settings.json, and the table that edits them.

What a preset means (brightness percentiles of the image's own histogram) and what a valid one is are
``core.display``'s rules (``WindowPreset``, ``named_windows``, ``presets_from_json``); this module reads
and writes the file and shows the table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from radassist.gui import palette

if TYPE_CHECKING:  # numpy (via core.display) loads with the first image, not at start-up
    from radassist.core.display import WindowPreset

log = logging.getLogger(__name__)

PRESETS_FILE = "window-presets.json"
COLUMNS = (QT_TRANSLATE_NOOP("PresetsDialog", "Name"), QT_TRANSLATE_NOOP("PresetsDialog", "Centre (%)"),
           QT_TRANSLATE_NOOP("PresetsDialog", "Width (%)"))


def presets_path() -> Path:
    from radassist.config import app_paths

    return app_paths().config_dir / PRESETS_FILE


def load_window_presets(path: Path | None = None) -> tuple[WindowPreset, ...]:
    """The user's presets; the defaults when there is no file, and (with a logged warning) when it is bad."""
    from radassist.core.display import DEFAULT_PRESETS, presets_from_json

    path = presets_path() if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return DEFAULT_PRESETS
    except OSError as exc:
        log.warning("could not read the window presets (%s); using the defaults", exc)
        return DEFAULT_PRESETS
    try:
        return presets_from_json(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        log.warning("ignoring the window presets in %s (%s); using the defaults", path.name, exc)
        return DEFAULT_PRESETS


def save_window_presets(presets: Sequence[WindowPreset], path: Path | None = None) -> Path:
    """Write the presets (0600, atomically); OSError when the folder cannot be written."""
    from radassist.config import make_private_dir, write_private_text
    from radassist.core.display import presets_to_json

    path = presets_path() if path is None else path
    make_private_dir(path.parent)
    write_private_text(path, json.dumps(presets_to_json(presets), indent=2) + "\n")
    return path


def _number(text: str) -> Any:
    """The cell as a number when it is one; otherwise the text, for ``presets_from_json`` to refuse."""
    try:
        return float(text.strip().rstrip("%").replace(",", "."))
    except ValueError:
        return text


class PresetsDialog(QDialog):
    """An editable table (name, centre, width in percent); OK checks it with core and refuses bad rows."""

    def __init__(self, presets: Sequence[WindowPreset], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Window presets"))
        self.resize(520, 380)
        self._result: tuple[WindowPreset, ...] = tuple(presets)
        intro = QLabel(self.tr("Each preset is a window on the image's own histogram, from its darkest (0 %) to its "
                               "brightest (100 %) pixels as shown: Lung 30 / 50 spans the 5th to the 55th "
                               "percentile. CR and DX pixel values have no fixed unit, so this fits every plate and "
                               "exposure."), self)
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(str(c)) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAccessibleName(self.tr("Window presets"))
        self.table.setAccessibleDescription(self.tr("Each row: name, centre and width in percent; F2 edits a cell"))
        self.add_button = QPushButton(self.tr("&Add"), self)
        self.remove_button = QPushButton(self.tr("&Remove"), self)
        self.defaults_button = QPushButton(self.tr("Restore &Defaults"), self)
        self.add_button.setAccessibleName(self.tr("Add a preset"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected preset"))
        self.defaults_button.setAccessibleName(self.tr("Restore the default presets"))
        self.add_button.clicked.connect(lambda: self._add_row(self.tr("New preset"), 50.0, 50.0))
        self.remove_button.clicked.connect(self._remove_selected)
        self.defaults_button.clicked.connect(self._restore_defaults)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {palette.ERROR_TEXT};")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.defaults_button):
            row.addWidget(b)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.table)
        lay.addLayout(row)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.set_presets(presets)

    def set_presets(self, presets: Sequence[WindowPreset]) -> None:
        self.table.setRowCount(0)
        for p in presets:
            self._add_row(p.name, p.center, p.width)

    def _add_row(self, name: str, center: float, width: float) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, value in enumerate((name, f"{center:g}", f"{width:g}")):
            self.table.setItem(r, c, QTableWidgetItem(value))

    def _remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(r)

    def _restore_defaults(self) -> None:
        from radassist.core.display import DEFAULT_PRESETS

        self.set_presets(DEFAULT_PRESETS)

    def _cell(self, r: int, c: int) -> str:
        item = self.table.item(r, c)
        return item.text() if item is not None else ""

    def table_json(self) -> dict[str, Any]:
        """The table in the saved form, unchecked."""
        rows = [{"name": self._cell(r, 0), "center": _number(self._cell(r, 1)), "width": _number(self._cell(r, 2))}
                for r in range(self.table.rowCount())]
        return {"version": 1, "presets": rows}

    def presets(self) -> tuple[WindowPreset, ...]:
        """What OK accepted (the presets given, before that)."""
        return self._result

    def accept(self) -> None:
        from radassist.core.display import presets_from_json

        try:
            self._result = presets_from_json(self.table_json())
        except ValueError as exc:
            self.error.setText(self.tr("Not saved: {reason}.").format(reason=exc))
            return
        super().accept()
