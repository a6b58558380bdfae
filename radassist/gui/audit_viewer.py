"""The audit viewer: the trail filtered by date, user, image and event type, and a chain check.

It only reads (``store.query`` / ``store.verify``); opening it is itself audited by the assistant
(an ``audit_viewed`` event is appended before the dialog first queries, so it lists its own opening).
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt
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
#: the event-type filter's first entry (the others are event type names, which are data, not translated)
ALL_EVENTS = str(QT_TRANSLATE_NOOP("AuditViewer", "All events"))


def decision_text(event: Any) -> str:
    """A short reading of an event's decision/details for the table."""
    d = event.decision or {}
    if "label" in d:
        text = f"{d['label']}: {d.get('value', '')}"
        if d.get("ai_value") and d.get("ai_value") != d.get("value"):
            text += " " + QCoreApplication.translate("AuditViewer", "(AI {value})").format(value=d["ai_value"])
        return text
    if "findings" in d:
        return QCoreApplication.translate("AuditViewer", "signed off:") + " " + ", ".join(f"{k} {v}" for k, v in d["findings"].items())
    details = event.details or {}
    if details:
        return ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in details.items())[:200]
    return ""


class AuditViewer(QDialog):
    """A table over ``store.query`` with filters; ``current_sha`` fills "This image".

    Keyboard: every filter has an Alt mnemonic, Enter applies the filters (the default button), Tab runs
    filters -> table -> actions, Esc closes."""

    def __init__(self, store: Any, parent: QWidget | None = None, *, current_sha: str = "",
                 on_error: Callable[[BaseException], None] | None = None,
                 on_export: Callable[[dict], None] | None = None) -> None:
        """``on_export(details)`` records an ``export`` audit event after the trail was written to a file."""
        super().__init__(parent)
        self.store = store
        self.current_sha = current_sha
        self._on_error = on_error
        self._on_export = on_export
        self.setWindowTitle(self.tr("Audit trail"))
        self.resize(1100, 600)
        today = QDate.currentDate()
        self.use_since = QCheckBox(self.tr("&From"), self)
        self.use_since.setAccessibleName(self.tr("Filter from a date"))
        self.since = QDateEdit(today.addDays(-7), self)
        self.since.setCalendarPopup(True)
        self.since.setAccessibleName(self.tr("From date"))
        self.use_until = QCheckBox(self.tr("&To (inclusive)"), self)
        self.use_until.setAccessibleName(self.tr("Filter up to a date (inclusive)"))
        self.until = QDateEdit(today, self)
        self.until.setCalendarPopup(True)
        self.until.setAccessibleName(self.tr("To date (inclusive)"))
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleDescription(self.tr("Used when its check box is ticked"))
        self.user = QLineEdit(self)
        self.user.setPlaceholderText(self.tr("any user"))
        self.user.setAccessibleName(self.tr("User filter"))
        self.image = QLineEdit(self)
        self.image.setPlaceholderText(self.tr("any image (pixel SHA-256)"))
        self.image.setAccessibleName(self.tr("Image filter (pixel SHA-256)"))
        self.this_image = QPushButton(self.tr("T&his image"), self)
        self.this_image.setToolTip(self.tr("Show only the records of the image on screen"))
        self.this_image.setEnabled(bool(current_sha))
        self.this_image.clicked.connect(lambda: (self.image.setText(self.current_sha), self.refresh()))
        self.event_type = QComboBox(self)
        from radassist.core.audit.events import EVENT_TYPES

        self.event_type.addItems([self.tr(ALL_EVENTS), *EVENT_TYPES])
        self.event_type.setAccessibleName(self.tr("Event type filter"))
        self.apply = QPushButton(self.tr("&Apply filters"), self)
        self.apply.setDefault(True)  # Enter in any filter field applies them
        self.apply.clicked.connect(self.refresh)
        self.event_type.currentIndexChanged.connect(lambda _i: self.refresh())
        for cb in (self.use_since, self.use_until):
            cb.toggled.connect(lambda _on: self.refresh())
        self.verify_button = QPushButton(self.tr("&Verify chain"), self)
        self.verify_button.setToolTip(self.tr("Check that no record was changed, removed or inserted"))
        self.verify_button.clicked.connect(self.verify)
        self.older_button = QPushButton(self.tr("&Older records"), self)
        self.older_button.setToolTip(self.tr("Load the next {n} older records").format(n=PAGE_SIZE))
        self.older_button.clicked.connect(self.load_older)
        self.page_size = PAGE_SIZE
        self.has_older = False
        self.export_button = QPushButton(self.tr("E&xport…"), self)
        self.export_button.setToolTip(self.tr("Write the records matching the filters to a CSV or JSON Lines file"))
        self.export_button.clicked.connect(self.choose_export)
        columns = ("#", self.tr("Time"), self.tr("Event"), self.tr("User"), self.tr("Workstation"),
                   self.tr("Image (SHA-256)"), self.tr("Model"), self.tr("Decision"), self.tr("Reason"))
        self.table = QTableWidget(0, len(columns), self)
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setAccessibleName(self.tr("Audit records"))
        self.table.setAccessibleDescription(self.tr("Newest first; one row per audit record"))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons; arrows move inside
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAccessibleName(self.tr("Audit trail status"))
        labels = {}
        for key, text, buddy in (("event", self.tr("&Event"), self.event_type), ("user", self.tr("&User"), self.user),
                                 ("image", self.tr("&Image"), self.image)):
            labels[key] = QLabel(text, self)
            labels[key].setBuddy(buddy)  # Alt+letter focuses the field
        grid = QGridLayout()
        grid.addWidget(self.use_since, 0, 0)
        grid.addWidget(self.since, 0, 1)
        grid.addWidget(self.use_until, 0, 2)
        grid.addWidget(self.until, 0, 3)
        grid.addWidget(labels["event"], 0, 4)
        grid.addWidget(self.event_type, 0, 5)
        grid.addWidget(labels["user"], 1, 0)
        grid.addWidget(self.user, 1, 1)
        grid.addWidget(labels["image"], 1, 2)
        grid.addWidget(self.image, 1, 3)
        grid.addWidget(self.this_image, 1, 4)
        grid.addWidget(self.apply, 1, 5)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.older_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.verify_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)  # Esc too (QDialog.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        order = (self.use_since, self.since, self.use_until, self.until, self.event_type, self.user, self.image,
                 self.this_image, self.apply, self.table, self.older_button, self.verify_button, self.export_button,
                 self.close_button)
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
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
        if self.event_type.currentIndex() > 0:  # the first entry is "All events"
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
            self._show_problem(self.tr("Cannot read the audit trail: {error}"), exc)
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
                    item.setToolTip(self.tr("{time} (UTC)").format(time=e.timestamp))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.has_older = len(page) == self.page_size
        self.older_button.setEnabled(self.has_older)
        summary = (self.tr("{n} record(s), newest first — more are older: “Older records” loads them. Store: {store}")
                   if self.has_older else self.tr("{n} record(s), newest first. Store: {store}"))
        self.summary.setText(summary.format(n=len(self.records), store=html.escape(self.store.location)))
        return len(page)

    def verify(self) -> Any:
        try:
            result = self.store.verify()
        except Exception as exc:  # noqa: BLE001
            self._show_problem(self.tr("Cannot verify: {error}"), exc)
            return None
        if result.ok:
            self.summary.setText(self.tr("<b>Chain intact:</b> {n} record(s) verified.").format(n=result.count))
        else:
            self.summary.setText(f"<span style='color:{palette.ERROR_TEXT}'>"
                                 + self.tr("<b>Chain broken</b> at record {sequence}: {reason}").format(
                                     sequence=result.first_bad_sequence, reason=html.escape(result.reason))
                                 + "</span>")
        return result

    def _show_problem(self, template: str, exc: BaseException) -> None:
        """``template`` (translated, with ``{error}``) in the error colour."""
        self.summary.setText(f"<span style='color:{palette.ERROR_TEXT}'>"
                             + template.format(error=html.escape(str(exc))) + "</span>")

    def choose_export(self) -> None:
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        out, chosen = QFileDialog.getSaveFileName(self, self.tr("Export audit trail"), str(Path.home() / "audit.csv"),
                                                  self.tr("CSV (*.csv);;JSON Lines (*.jsonl)"))
        if out:
            self.export_to(out, "jsonl" if out.endswith(".jsonl") or "jsonl" in chosen else "csv")

    def export_to(self, path: Any, fmt: str = "csv") -> int | None:
        """Write the records matching the filters (all of them, no row limit); returns how many."""
        filters = self.filters()  # oldest first, every matching record
        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                n = self.store.export(out, fmt, **filters)
        except Exception as exc:  # noqa: BLE001 - disk or store problems are shown in words
            self._show_problem(self.tr("Export failed: {error}"), exc)
            return None
        self.summary.setText(self.tr("Exported {n} record(s) to {path}.").format(n=n, path=html.escape(str(path))))
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
