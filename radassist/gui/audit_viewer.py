"""The audit viewer: the trail filtered by date, user, image and event type, and a chain check.

It only reads (``store.query`` / ``store.verify``); opening it is itself audited by the assistant
(an ``audit_viewed`` event is appended before the dialog first queries, so it lists its own opening).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from radassist.gui import palette
from radassist.gui.review_panel import local_time

#: records fetched per page (newest first); "Older records" fetches the next page
PAGE_SIZE = 1000
ALL_EVENTS = "All events"
COLUMNS = ("#", "Time", "Event", "User", "Workstation", "Image (SHA-256)", "Model", "Decision", "Reason")


def decision_text(event: Any) -> str:
    """A short reading of an event's decision/details for the table."""
    d = event.decision or {}
    if "label" in d:
        text = f"{d['label']}: {d.get('value', '')}"
        if d.get("ai_value") and d.get("ai_value") != d.get("value"):
            text += f" (AI {d['ai_value']})"
        return text
    if "findings" in d:
        return "signed off: " + ", ".join(f"{k} {v}" for k, v in d["findings"].items())
    details = event.details or {}
    if details:
        return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in details.items())[:200]
    return ""


class AuditViewer(QDialog):
    """A table over ``store.query`` with filters; ``current_sha`` fills "This image"."""

    def __init__(self, store: Any, parent: QWidget | None = None, *, current_sha: str = "",
                 on_error: Callable[[BaseException], None] | None = None,
                 on_export: Callable[[dict], None] | None = None) -> None:
        """``on_export(details)`` records an ``export`` audit event after the trail was written to a file."""
        super().__init__(parent)
        self.store = store
        self.current_sha = current_sha
        self._on_error = on_error
        self._on_export = on_export
        self.setWindowTitle("Audit trail")
        self.resize(1100, 600)
        today = QDate.currentDate()
        self.use_since = QCheckBox("From", self)
        self.since = QDateEdit(today.addDays(-7), self)
        self.since.setCalendarPopup(True)
        self.use_until = QCheckBox("To (inclusive)", self)
        self.until = QDateEdit(today, self)
        self.until.setCalendarPopup(True)
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.user = QLineEdit(self)
        self.user.setPlaceholderText("any user")
        self.image = QLineEdit(self)
        self.image.setPlaceholderText("any image (pixel SHA-256)")
        self.this_image = QPushButton("This image", self)
        self.this_image.setEnabled(bool(current_sha))
        self.this_image.clicked.connect(lambda: (self.image.setText(self.current_sha), self.refresh()))
        self.event_type = QComboBox(self)
        from radassist.core.audit.events import EVENT_TYPES

        self.event_type.addItems([ALL_EVENTS, *EVENT_TYPES])
        self.apply = QPushButton("Apply filters", self)
        self.apply.setDefault(True)
        self.apply.clicked.connect(self.refresh)
        for w in (self.user, self.image):
            w.returnPressed.connect(self.refresh)
        self.event_type.currentIndexChanged.connect(lambda _i: self.refresh())
        for cb in (self.use_since, self.use_until):
            cb.toggled.connect(lambda _on: self.refresh())
        self.verify_button = QPushButton("Verify chain", self)
        self.verify_button.clicked.connect(self.verify)
        self.older_button = QPushButton("Older records", self)
        self.older_button.setToolTip(f"Load the next {PAGE_SIZE} older records")
        self.older_button.clicked.connect(self.load_older)
        self.page_size = PAGE_SIZE
        self.has_older = False
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Write the records matching the filters to a CSV or JSON Lines file")
        self.export_button.clicked.connect(self.choose_export)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        grid = QGridLayout()
        grid.addWidget(self.use_since, 0, 0)
        grid.addWidget(self.since, 0, 1)
        grid.addWidget(self.use_until, 0, 2)
        grid.addWidget(self.until, 0, 3)
        grid.addWidget(QLabel("Event", self), 0, 4)
        grid.addWidget(self.event_type, 0, 5)
        grid.addWidget(QLabel("User", self), 1, 0)
        grid.addWidget(self.user, 1, 1)
        grid.addWidget(QLabel("Image", self), 1, 2)
        grid.addWidget(self.image, 1, 3)
        grid.addWidget(self.this_image, 1, 4)
        grid.addWidget(self.apply, 1, 5)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.older_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.verify_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.records: list[Any] = []
        self.refresh()

    # --- filtering -----------------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        """The ``store.query`` filters the controls describe (dates are local calendar days)."""
        f: dict[str, Any] = {}
        if self.use_since.isChecked():
            f["since"] = _day_start_utc(self.since.date())
        if self.use_until.isChecked():
            f["until"] = _day_start_utc(self.until.date()) + timedelta(days=1)
        if self.user.text().strip():
            f["user"] = self.user.text().strip()
        if self.image.text().strip():
            f["pixel_sha256"] = self.image.text().strip().lower()
        if self.event_type.currentText() != ALL_EVENTS:
            f["event_types"] = (self.event_type.currentText(),)
        return f

    def refresh(self) -> None:
        """Query again with the current filters: the newest page first."""
        self.records = []
        self.table.setRowCount(0)
        self.load_older()

    def load_older(self) -> int:
        """Append the next page of older records; returns how many arrived."""
        before = self.records[-1].sequence if self.records else None
        try:
            page = self.store.query(**self.filters(), newest_first=True, limit=self.page_size,
                                    before_sequence=before)
        except Exception as exc:  # noqa: BLE001 - a RadAssistError (store unreachable) is shown in words
            self.summary.setText(f"<span style='color:{palette.ERROR_TEXT}'>Cannot read the audit trail: "
                                 f"{html.escape(str(exc))}</span>")
            if self._on_error is not None:
                self._on_error(exc)
            return 0
        start = len(self.records)
        self.records.extend(page)
        self.table.setRowCount(len(self.records))
        for row, rec in enumerate(page, start):
            e = rec.event
            model = e.model or {}
            cells = (str(rec.sequence), local_time(e.timestamp), e.event_type, e.user, e.workstation,
                     e.pixel_sha256[:16] + ("…" if e.pixel_sha256 else ""),
                     " ".join(str(model.get(k, "")) for k in ("id", "version") if model.get(k)),
                     decision_text(e), e.reason)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 5 and e.pixel_sha256:
                    item.setToolTip(e.pixel_sha256)
                if col == 1:
                    item.setToolTip(e.timestamp + " (UTC)")
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.has_older = len(page) == self.page_size
        self.older_button.setEnabled(self.has_older)
        more = " — more are older: “Older records” loads them" if self.has_older else ""
        self.summary.setText(f"{len(self.records)} record(s), newest first{more}. "
                             f"Store: {html.escape(self.store.location)}")
        return len(page)

    def verify(self) -> Any:
        try:
            result = self.store.verify()
        except Exception as exc:  # noqa: BLE001
            self.summary.setText(f"<span style='color:{palette.ERROR_TEXT}'>Cannot verify: {html.escape(str(exc))}</span>")
            return None
        if result.ok:
            self.summary.setText(f"<b>Chain intact:</b> {result.count} record(s) verified.")
        else:
            self.summary.setText(f"<span style='color:{palette.ERROR_TEXT}'><b>Chain broken</b> at record "
                                 f"{result.first_bad_sequence}: {html.escape(result.reason)}</span>")
        return result

    def choose_export(self) -> None:
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        out, chosen = QFileDialog.getSaveFileName(self, "Export audit trail", str(Path.home() / "audit.csv"),
                                                  "CSV (*.csv);;JSON Lines (*.jsonl)")
        if out:
            self.export_to(out, "jsonl" if out.endswith(".jsonl") or "jsonl" in chosen else "csv")

    def export_to(self, path: Any, fmt: str = "csv") -> int | None:
        """Write the records matching the filters (all of them, no row limit); returns how many."""
        filters = self.filters()  # oldest first, every matching record
        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                n = self.store.export(out, fmt, **filters)
        except Exception as exc:  # noqa: BLE001 - disk or store problems are shown in words
            self.summary.setText(f"<span style='color:{palette.ERROR_TEXT}'>Export failed: {html.escape(str(exc))}</span>")
            return None
        self.summary.setText(f"Exported {n} record(s) to {html.escape(str(path))}.")
        if self._on_export is not None:
            self._on_export({"what": "audit_trail", "format": fmt, "records": n,
                             "filters": {k: (v if isinstance(v, str | tuple) else str(v)) for k, v in filters.items()}})
        return n

    # --- for tests -------------------------------------------------------------------------------------
    def column(self, col: int) -> list[str]:
        return [self.table.item(r, col).text() for r in range(self.table.rowCount())]


def _day_start_utc(qdate: QDate) -> datetime:
    """Local midnight of a calendar day, as a UTC datetime."""
    local = datetime(qdate.year(), qdate.month(), qdate.day()).astimezone()
    return local.astimezone(UTC)
