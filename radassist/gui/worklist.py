"""The worklist: images found in a folder (or a set of files), listed from their headers only.

Scanning runs on a worker and arrives in batches, so a folder of hundreds of DICOM files lists while
the user already looks at the first image. Files that are not images are counted, not listed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from radassist.core.errors import RadAssistError
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
    """Files as given and, for folders, every non-hidden file below them in a stable order."""
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
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


class Worklist(QWidget):
    """A list of images; activating one asks the window to open it."""

    open_requested = Signal(object)  # Path
    COLUMNS = ("File", "Patient", "Study date", "Modality / view", "Size")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels(self.COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.summary = QLabel("No folder open.", self)
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)
        self.tree.currentItemChanged.connect(self._current_changed)
        self._silent = False

    def clear(self, title: str = "") -> None:
        self._silent = True
        self.tree.clear()
        self._silent = False
        self.summary.setText(title or "No folder open.")

    def add_entries(self, entries: list[WorklistEntry]) -> None:
        items = []
        for e in entries:
            h = e.header
            rows, cols = _field(h, "rows"), _field(h, "columns")
            what = " ".join(x for x in (_field(h, "modality"), _field(h, "view_position")) if x) or h.format
            patient = (getattr(h, "patient", None) or {}).get("PatientName", "")
            item = QTreeWidgetItem([e.path.name, person_name(patient), dicom_date(_field(h, "study_date")), what,
                                    f"{cols} × {rows}" if rows and cols and rows != "0" else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, e.path)
            item.setToolTip(0, str(e.path))
            items.append(item)
        self.tree.addTopLevelItems(items)
        if self.tree.topLevelItemCount() == len(items):
            for c in range(len(self.COLUMNS) - 1):
                self.tree.resizeColumnToContents(c)

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
        """Move to the previous/next image and open it; False at either end or when empty."""
        n = self.count()
        if n == 0:
            return False
        current = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        target = current + step if current >= 0 else (0 if step > 0 else n - 1)
        if not 0 <= target < n:
            return False
        self.tree.setCurrentItem(self.tree.topLevelItem(target))
        return True

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is not None and not self._silent:
            self.open_requested.emit(item.data(0, Qt.ItemDataRole.UserRole))
