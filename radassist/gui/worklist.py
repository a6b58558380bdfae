"""The worklist: images found in a folder (or a set of files), listed from their headers only.

Scanning runs on a worker and arrives in batches, so a folder of hundreds of DICOM files lists while
the user already looks at the first image. Files that are not images are counted, not listed. A folder
lists in natural order (person100 before person1000: ``core.worklist.natural_key``); files picked by hand
keep the order given. Each row shows the image's review state and the AI's call once they are known
(set by the assistant from core), and a filter box above the list hides rows by text and by state.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from radassist.core.errors import RadAssistError
from radassist.core.review import UNKNOWN, UNSAVED
from radassist.core.worklist import ALL_STATES, STATE_FILTERS, natural_key, row_matches
from radassist.gui import palette
from radassist.gui.annotations import dicom_date, person_name

#: stop listing after this many files so a mistaken click on "/" cannot run forever
MAX_FILES = 20_000
BATCH = 64


@dataclass(frozen=True)
class WorklistEntry:
    path: Path
    header: Any  # core.io.HeaderSummary


@dataclass(frozen=True)
class ScanResult:
    listed: int
    skipped: int
    truncated: bool
    seconds: float


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given and, for folders, every non-hidden file below them in natural order."""
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted((d for d in dirs if not d.startswith(".")), key=natural_key)
                for name in sorted(files, key=natural_key):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield p


def scan_paths(report: Callable[[list[WorklistEntry]], None], cancelled: Callable[[], bool],
               paths: list[Path]) -> ScanResult:
    """Worker body: header-scan every file, report rows in batches; non-images are skipped and counted."""
    from radassist.core.image import scan_header

    t0 = time.perf_counter()
    batch: list[WorklistEntry] = []
    listed = skipped = seen = 0
    last = time.monotonic()
    truncated = False
    for path in iter_files(paths):
        if cancelled():
            break
        seen += 1
        if seen > MAX_FILES:
            truncated = True
            break
        try:
            header = scan_header(path)
        except RadAssistError:
            skipped += 1
            continue
        batch.append(WorklistEntry(path, header))
        listed += 1
        if len(batch) >= BATCH or time.monotonic() - last > 0.1:
            report(batch)
            batch, last = [], time.monotonic()
    if batch:
        report(batch)
    return ScanResult(listed, skipped, truncated, time.perf_counter() - t0)


def _field(header: Any, name: str) -> str:
    value = getattr(header, name, None)
    return "" if value in (None, "") else str(value)


#: columns of the review state and the AI call (set with ``Worklist.set_row``)
STATE_COL, AI_COL = 1, 2
NOT_OPENED_TEXT = "·"
NOT_OPENED_TIP = str(QT_TRANSLATE_NOOP("Worklist", "Not opened in this session: its review state is known once it is "
                                                "opened"))


class Worklist(QWidget):
    """A list of images; activating one asks the window to open it."""

    open_requested = Signal(object)  # Path
    COLUMNS = (QT_TRANSLATE_NOOP("Worklist", "File"), QT_TRANSLATE_NOOP("Worklist", "State"),
               QT_TRANSLATE_NOOP("Worklist", "AI"), QT_TRANSLATE_NOOP("Worklist", "Patient"),
               QT_TRANSLATE_NOOP("Worklist", "Study date"), QT_TRANSLATE_NOOP("Worklist", "Modality / view"),
               QT_TRANSLATE_NOOP("Worklist", "Size"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.tree.setAccessibleName(self.tr("Worklist images"))
        self.tree.setAccessibleDescription(self.tr("Up and Down select an image and open it; Page Up and Page Down "
                                                   "step through the worklist from anywhere in the window"))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.summary = QLabel(self.tr("No folder open."), self)
        self.summary.setWordWrap(True)
        self.filter_text = QLineEdit(self)
        self.filter_text.setPlaceholderText(self.tr("Filter: file, patient, AI call…"))
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.setAccessibleName(self.tr("Worklist filter"))
        self.filter_text.setAccessibleDescription(self.tr("Shows only the images whose file, patient or AI call "
                                                          "contains this text"))
        self.filter_state = QComboBox(self)
        self.filter_state.addItems(list(STATE_FILTERS))
        self.filter_state.setAccessibleName(self.tr("Worklist state filter"))
        self.filter_state.setAccessibleDescription(self.tr("Shows only the images in this review state"))
        self.filter_text.textChanged.connect(self.apply_filter)
        self.filter_state.currentTextChanged.connect(self.apply_filter)
        filters = QHBoxLayout()
        filters.addWidget(self.filter_text, 1)
        filters.addWidget(self.filter_state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addLayout(filters)
        layout.addWidget(self.tree)
        self.tree.currentItemChanged.connect(self._current_changed)
        self._silent = False
        self._states: dict[Path, str] = {}  # each path's review state once known (this session)
        self._calls: dict[Path, str] = {}

    def clear(self, title: str = "") -> None:
        self._silent = True
        self.tree.clear()
        self._silent = False
        self.summary.setText(title or self.tr("No folder open."))

    def add_entries(self, entries: list[WorklistEntry]) -> None:
        items = []
        for e in entries:
            h = e.header
            rows, cols = _field(h, "rows"), _field(h, "columns")
            what = " ".join(x for x in (_field(h, "modality"), _field(h, "view_position")) if x) or h.format
            patient = (getattr(h, "patient", None) or {}).get("PatientName", "")
            item = QTreeWidgetItem([e.path.name, "", "", person_name(patient), dicom_date(_field(h, "study_date")),
                                    what, f"{cols} × {rows}" if rows and cols and rows != "0" else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, e.path)
            item.setToolTip(0, str(e.path))
            self._show_row(item, e.path)
            items.append(item)
        self.tree.addTopLevelItems(items)
        for item in items:
            item.setHidden(not self._matches(item))
        if self.tree.topLevelItemCount() == len(items):
            for c in range(len(self.COLUMNS) - 1):
                self.tree.resizeColumnToContents(c)

    # --- state, AI call, filter ------------------------------------------------------------------
    def set_row(self, path: Path, *, state: str | None = None, ai: str | None = None) -> None:
        """Show ``path``'s review state (``core.review.review_state``) and/or AI call (``core.worklist.ai_call``)."""
        path = Path(path)
        if state is not None:
            self._states[path] = state
        if ai is not None:
            self._calls[path] = ai
        item = self._item(path)
        if item is not None:
            self._show_row(item, path)
            item.setHidden(not self._matches(item) and item is not self.tree.currentItem())

    def state_of(self, path: Path) -> str:
        """The review state shown for ``path`` ("" when not opened yet in this session)."""
        return self._states.get(Path(path), UNKNOWN)

    def row_text(self, path: Path, column: int) -> str:
        item = self._item(Path(path))
        return item.text(column) if item is not None else ""

    def visible_paths(self) -> list[Path]:
        return [p for p, item in zip(self.paths(), self._items(), strict=True) if not item.isHidden()]

    def apply_filter(self, *_args: object) -> None:
        """Hide the rows that do not match the filter text and state (the selected row stays visible)."""
        current = self.tree.currentItem()
        for item in self._items():
            item.setHidden(not self._matches(item) and item is not current)

    def _matches(self, item: QTreeWidgetItem) -> bool:
        path = item.data(0, Qt.ItemDataRole.UserRole)
        texts = [item.text(c) for c in range(len(self.COLUMNS))]
        return row_matches(texts, self.filter_text.text(), self.state_of(path),
                           self.filter_state.currentText() or ALL_STATES)

    def _show_row(self, item: QTreeWidgetItem, path: Path) -> None:
        state = self._states.get(path, UNKNOWN)
        item.setText(STATE_COL, state or NOT_OPENED_TEXT)
        item.setToolTip(STATE_COL, self.tr(NOT_OPENED_TIP) if not state else self.tr("Review: {state}").format(
            state=state))
        if state == UNSAVED:
            item.setForeground(STATE_COL, QColor(palette.WARNING_TEXT))
        else:
            item.setData(STATE_COL, Qt.ItemDataRole.ForegroundRole, None)
        item.setText(AI_COL, self._calls.get(path, "—"))

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.count())]

    def _item(self, path: Path) -> QTreeWidgetItem | None:
        for item in self._items():
            if item.data(0, Qt.ItemDataRole.UserRole) == path:
                return item
        return None

    def count(self) -> int:
        return self.tree.topLevelItemCount()

    def paths(self) -> list[Path]:
        return [self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def select_path(self, path: Path, *, emit: bool = False) -> None:
        """Mark ``path`` as current (e.g. the file just opened) without asking to open it again."""
        for i in range(self.count()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == path:
                self._silent = not emit
                self.tree.setCurrentItem(item)
                self._silent = False
                return

    def select_relative(self, step: int) -> bool:
        """Move to the previous/next image the filter shows and open it; False at either end or when empty."""
        n = self.count()
        if n == 0:
            return False
        current = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        target = current + step if current >= 0 else (0 if step > 0 else n - 1)
        while 0 <= target < n and self.tree.topLevelItem(target).isHidden():
            target += 1 if step > 0 else -1
        if not 0 <= target < n:
            return False
        previous = self.tree.currentItem()
        self.tree.setCurrentItem(self.tree.topLevelItem(target))
        if previous is not None and not self._matches(previous):
            previous.setHidden(True)  # kept visible only while it was the selected row
        return True

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is not None and not self._silent:
            self.open_requested.emit(item.data(0, Qt.ItemDataRole.UserRole))
