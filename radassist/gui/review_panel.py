"""The clinician's review of the image on screen: accept or correct each finding, add a note, sign off.

Keyboard first (a reader reviews dozens of films in a row): A accepts every undecided finding, P / N mark
the selected finding present / absent, Ctrl+Enter signs off, and the viewer's next/previous image keys
step through the worklist. Disagreeing with the AI needs a reason: the reason field is used, and when it
is empty the decision is refused (``core.review`` decides) and the field asks for one; Enter in the field
then records it. The history lists every decision ever made on this image; later ones supersede earlier
ones, which stay visible. A decision the audit store could not take stays listed as "not yet saved".

A signed-off review is read-only ("Signed off by … at …"): a later change is an addendum with a reason
(Add addendum…). Sign-off asks once per image for confirmation, naming the file and the calls, unless the
setting ``confirm_sign_off`` is off.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from radassist.gui import palette

log = logging.getLogger(__name__)

UNSAVED_TEXT = str(QT_TRANSLATE_NOOP("ReviewPanel", "not yet saved"))
UNSAVED_COLOUR = QColor(palette.WARNING_TEXT)
ERROR_STYLE = palette.ERROR_STYLE
INFO_STYLE = "color: palette(text);"


def local_time(timestamp: str) -> str:
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return timestamp


def describe(decision: Any) -> str:
    """One history line for a core.review.Decision."""
    from radassist.core.audit import events as ev

    who = f"{local_time(decision.timestamp)}  {getattr(decision, 'signer', decision.user)}: "
    label, value = decision.label, decision.value
    if decision.kind == ev.FINDING_ACCEPTED:
        text = QCoreApplication.translate("ReviewPanel", "{label} {value} (accepted the AI's call)").format(
            label=label, value=value)
    elif decision.kind == ev.FINDING_CORRECTED:
        text = QCoreApplication.translate("ReviewPanel", "{label} {value} (corrected; AI said {ai})").format(
            label=label, value=value, ai=decision.ai_value)
    elif decision.kind == ev.SIGNED_OFF:
        text = QCoreApplication.translate("ReviewPanel", "signed off")
    elif decision.kind == ev.ADDENDUM:
        was = (decision.previous or {}).get("value", "")
        text = QCoreApplication.translate("ReviewPanel", "ADDENDUM: {label} {value}").format(label=label, value=value)
        if was:
            text += QCoreApplication.translate("ReviewPanel", " (was {was})").format(was=was)
    else:
        text = QCoreApplication.translate("ReviewPanel", "note")
    if decision.reason:
        text += QCoreApplication.translate("ReviewPanel", " — reason: {reason}").format(reason=decision.reason)
    if decision.note:
        text += QCoreApplication.translate("ReviewPanel", " — note: {note}").format(note=decision.note)
    if decision.superseded:
        text += QCoreApplication.translate("ReviewPanel", "  [superseded]")
    if not decision.saved:
        text += f"  [{unsaved()}]"
    return who + text


def unsaved() -> str:
    """"not yet saved", translated."""
    return QCoreApplication.translate("ReviewPanel", UNSAVED_TEXT)


def signed_off_text(decision: Any) -> str:
    """'Signed off by <display name> (<login>) at <local time>' for a sign-off Decision."""
    text = QCoreApplication.translate("ReviewPanel", "Signed off by {signer} at {time}").format(
        signer=decision.signer, time=local_time(decision.timestamp))
    return text if decision.saved else f"{text} ({unsaved()})"


def sign_off_question(review: Any, file_name: str) -> tuple[str, str]:
    """The confirmation's question and its details: the file, then each finding's call in force."""
    name = file_name or QCoreApplication.translate("ReviewPanel", "this image")
    question = QCoreApplication.translate("ReviewPanel", "Sign off this review of {file}?").format(file=name)
    lines = []
    for label, d in review.current().items():
        ai = review.ai_value(label)
        call = (QCoreApplication.translate("ReviewPanel", "(agrees with the AI)") if d.value == ai else
                QCoreApplication.translate("ReviewPanel", "(AI said {ai})").format(ai=ai))
        lines.append(f"{label}: {d.value} " + call)
    return question, "\n".join(lines) or QCoreApplication.translate("ReviewPanel", "No AI findings: your reading only.")


def confirm_sign_off(parent: QWidget | None, question: str, details: str) -> bool:
    """Ask before a sign-off is recorded; True to sign off. (The UI boundary tests answer.)"""
    box = QMessageBox(QMessageBox.Icon.Question, QCoreApplication.translate("ReviewPanel", "Sign off"), question,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText(details)
    yes = box.addButton(QCoreApplication.translate("ReviewPanel", "&Sign off"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    box.exec()
    return box.clickedButton() is yes


class AddendumDialog(QDialog):
    """Asks for an addendum: which finding, its new value, and the reason (required: OK stays off without)."""

    def __init__(self, review: Any, parent: QWidget | None = None, label: str = "") -> None:
        super().__init__(parent)
        from radassist.core.review import ABSENT, PRESENT

        self.setWindowTitle(self.tr("Add addendum"))
        self.review = review
        self.finding = QComboBox(self)
        self.finding.addItems(list(review.findings))
        if label in review.findings:
            self.finding.setCurrentText(label)
        self.value = QComboBox(self)
        self.value.addItems([PRESENT, ABSENT])
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("Why the signed-off review changes (required)"))
        self.finding.setAccessibleName(self.tr("Finding to amend"))
        self.value.setAccessibleName(self.tr("New value"))
        self.reason.setAccessibleName(self.tr("Reason for the addendum"))
        self.current = QLabel(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("This review is signed off. An addendum is recorded beside it; nothing is erased."),
                           self))
        form.addRow(self.tr("Finding:"), self.finding)
        form.addRow("", self.current)
        form.addRow(self.tr("New value:"), self.value)
        form.addRow(self.tr("Reason:"), self.reason)
        form.addRow(self.buttons)
        self.finding.currentTextChanged.connect(self._finding_changed)
        self.reason.textChanged.connect(self._update_ok)
        self._finding_changed(self.finding.currentText())

    def _finding_changed(self, label: str) -> None:
        from radassist.core.review import ABSENT, PRESENT

        d = self.review.current().get(label)
        now = d.value if d is not None else (self.review.ai_value(label) if label else "")
        self.current.setText(self.tr("now: {value}").format(value=now) if now else "")
        self.value.setCurrentText(ABSENT if now == PRESENT else PRESENT)  # an addendum changes the value
        self._update_ok()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.reason.text().strip()))

    def values(self) -> tuple[str, str, str]:
        return self.finding.currentText(), self.value.currentText(), self.reason.text().strip()


class ReviewPanel(QWidget):
    """Drives a ``core.review.Review``; every rule (reasons, sign-off) stays in core."""

    #: an audit write failed (AuditWriteError): the assistant shows the pending indicator and retries
    write_failed = Signal(object)
    #: something was recorded (or attempted): the assistant refreshes its indicator
    changed = Signal()

    COLUMNS = (QT_TRANSLATE_NOOP("ReviewPanel", "Finding"), QT_TRANSLATE_NOOP("ReviewPanel", "AI"),
               QT_TRANSLATE_NOOP("ReviewPanel", "Decision"), QT_TRANSLATE_NOOP("ReviewPanel", "Saved"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: Any = None
        self._pending_mark: tuple[str, str] | None = None
        self.reviewer_label = QLabel(self)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setAccessibleName(self.tr("Findings to review"))
        self.table.setAccessibleDescription(self.tr("Select a finding, then P marks it present and N absent"))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.btn_accept_all = QPushButton(self.tr("Accept all (A)"), self)
        self.btn_present = QPushButton(self.tr("Present (P)"), self)
        self.btn_absent = QPushButton(self.tr("Absent (N)"), self)
        self.btn_accept_all.setAccessibleName(self.tr("Accept all findings"))
        self.btn_accept_all.setAccessibleDescription(self.tr("Accepts the AI's call for every undecided finding; "
                                                             "shortcut A"))
        self.btn_present.setAccessibleName(self.tr("Mark selected finding present"))
        self.btn_present.setAccessibleDescription(self.tr("Shortcut P"))
        self.btn_absent.setAccessibleName(self.tr("Mark selected finding absent"))
        self.btn_absent.setAccessibleDescription(self.tr("Shortcut N"))
        self.btn_accept_all.clicked.connect(self.accept_all)
        self.btn_present.clicked.connect(lambda: self.mark_selected(True))
        self.btn_absent.clicked.connect(lambda: self.mark_selected(False))
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("Reason (required when you disagree with the AI)"))
        self.reason.setAccessibleName(self.tr("Reason"))
        self.reason.setAccessibleDescription(self.tr("Required when you disagree with the AI; Enter records the "
                                                     "decision"))
        self.reason.setClearButtonEnabled(True)
        self.reason.returnPressed.connect(self._reason_entered)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("Note for this study (optional, saved with the sign-off)"))
        self.note.setAccessibleName(self.tr("Note for this study"))
        self.btn_sign_off = QPushButton(self.tr("Sign off (Ctrl+Enter)"), self)
        self.btn_sign_off.setAccessibleName(self.tr("Sign off"))
        self.btn_sign_off.setAccessibleDescription(self.tr("Shortcut Ctrl+Enter"))
        self.btn_sign_off.clicked.connect(self.sign_off)
        self.signed_label = QLabel(self)
        self.signed_label.setWordWrap(True)
        self.btn_addendum = QPushButton(self.tr("Add addendum…"), self)
        self.btn_addendum.setToolTip(self.tr("Change a finding of this signed-off review; a reason is required"))
        self.btn_addendum.setAccessibleName(self.tr("Add addendum"))
        self.btn_addendum.setAccessibleDescription(self.tr("Change a finding of this signed-off review; a reason is "
                                                           "required; shortcut Ctrl+Shift+D"))
        self.btn_addendum.clicked.connect(self.add_addendum)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.history = QListWidget(self)
        self.history.setAccessibleName(self.tr("History of this image"))
        self.history.setWordWrap(True)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setMinimumHeight(90)
        buttons = QHBoxLayout()
        for b in (self.btn_accept_all, self.btn_present, self.btn_absent):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the window's shortcuts
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.reviewer_label)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.reason)
        layout.addWidget(self.note)
        layout.addWidget(self.btn_sign_off)
        layout.addWidget(self.signed_label)
        layout.addWidget(self.btn_addendum)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(self.tr("History of this image:"), self))
        layout.addWidget(self.history, 1)
        self.actions_: dict[str, QAction] = {}
        #: asks for the OS password when the review requires it; None = cancelled (replaced in tests)
        self.ask_password = self._ask_password
        #: asks for an addendum: (label, value, reason), or None when cancelled (replaced in tests)
        self.ask_addendum = self._ask_addendum
        #: whether a sign-off asks for confirmation (the assistant reads the setting ``confirm_sign_off``)
        self.should_confirm: Callable[[], bool] = lambda: True
        #: the file on screen, named in the sign-off confirmation (set by the assistant)
        self.file_name = ""
        self._confirmed: set[str] = set()  # images whose sign-off was confirmed: asked once per image
        self.set_review(None)

    # --- keyboard ------------------------------------------------------------------------------------
    def create_actions(self, parent: QWidget) -> list[QAction]:
        """The review's shortcuts as window actions (A, P, N, Ctrl+Enter), for a "Review" menu."""
        specs = (("accept_all", self.tr("&Accept All Findings"), "A", self.accept_all),
                 ("present", self.tr("Mark Selected Finding &Present"), "P", lambda: self.mark_selected(True)),
                 ("absent", self.tr("Mark Selected Finding &Absent"), "N", lambda: self.mark_selected(False)),
                 ("sign_off", self.tr("&Sign Off"), ["Ctrl+Return", "Ctrl+Enter"], self.sign_off),
                 ("addendum", self.tr("Add Adden&dum…"), ["Ctrl+Shift+D"], self.add_addendum))
        out = []
        for key, text, shortcut, slot in specs:
            act = QAction(text, parent)
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _c=False, s=slot: s())
            parent.addAction(act)
            self.actions_[key] = act
            out.append(act)
        self._update_enabled()
        return out

    # --- state ---------------------------------------------------------------------------------------
    def set_review(self, review: Any, *, message: str = "", error: bool = False) -> None:
        """Show ``review`` (a core.review.Review), or nothing to review (None: every action disabled)."""
        self.review = review
        self._pending_mark = None
        self.reason.clear()
        self.note.clear()
        self._set_message(message, error=error)
        self.refresh()

    def refresh(self) -> None:
        review = self.review
        self.table.setRowCount(0)
        self.history.clear()
        if review is None:
            self.reviewer_label.setText(self.tr("Nothing to review yet."))
            self.signed_label.clear()
            self.signed_label.hide()
            self._update_enabled()
            return
        signed = review.sign_off_decision
        self.signed_label.setVisible(signed is not None)
        self.signed_label.setText(self.tr("<b>{signed}</b> — read-only; a change is an addendum.").format(
            signed=html.escape(signed_off_text(signed))) if signed is not None else "")
        self.reviewer_label.setText(self.tr("Reviewer: <b>{name}</b>").format(name=html.escape(review.reviewer))
                                    + (self.tr("  — <b>signed off</b>") if self.closed else ""))
        decisions = review.decisions
        current = review.current()
        labels = list(review.findings)
        selected = self.selected_label()
        self.table.setRowCount(len(labels))
        for row, label in enumerate(labels):
            d = current.get(label)
            decision = "—" if d is None else (f"{d.value} ✓" if d.value == review.ai_value(label) else f"{d.value} ✎")
            saved = "" if d is None else (self.tr("saved") if d.saved else unsaved())
            for col, text in enumerate((label, review.ai_value(label), decision, saved)):
                item = QTableWidgetItem(text)
                if col == 3 and d is not None and not d.saved:
                    item.setForeground(UNSAVED_COLOUR)
                self.table.setItem(row, col, item)
        if labels:
            self.table.selectRow(labels.index(selected) if selected in labels else 0)
        self.table.resizeColumnsToContents()
        from radassist.gui.findings_panel import fit_table_height

        fit_table_height(self.table)
        for d in reversed(decisions):  # newest first
            item = QListWidgetItem(describe(d))
            if d.superseded:
                font = QFont(item.font())
                font.setStrikeOut(True)
                item.setFont(font)
                item.setForeground(QColor(130, 130, 130))
            if not d.saved:
                item.setForeground(UNSAVED_COLOUR)
            self.history.addItem(item)
        if not decisions:
            self.history.addItem(QListWidgetItem(self.tr("No decisions recorded for this image yet.")))
        self._update_enabled()
        self.changed.emit()

    @property
    def closed(self) -> bool:
        """Signed off in this session (also when the sign-off itself is not yet saved)."""
        return self.review is not None and self.review.signed_off

    def _update_enabled(self) -> None:
        open_ = self.review is not None and not self.closed
        has_findings = open_ and bool(self.review.findings)
        can_amend = self.closed and bool(self.review.findings)
        for w in (self.btn_accept_all, self.btn_present, self.btn_absent, self.reason):
            w.setEnabled(has_findings)
        self.note.setEnabled(open_)
        self.btn_sign_off.setEnabled(open_)
        self.btn_addendum.setEnabled(can_amend)
        self.btn_addendum.setVisible(self.closed)
        enabled = {"sign_off": open_, "addendum": can_amend}
        for key, act in self.actions_.items():
            act.setEnabled(enabled.get(key, has_findings))

    def _set_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.message.setText(text)

    def selected_label(self) -> str:
        row = self.table.currentRow()
        item = self.table.item(row if row >= 0 else 0, 0)
        return item.text() if item is not None else ""

    def select_label(self, label: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == label:
                self.table.selectRow(row)

    # --- decisions -----------------------------------------------------------------------------------
    def accept_all(self) -> int:
        """Accept the AI's call for every undecided finding; returns how many were recorded."""
        if not self._usable():
            return 0
        done = failed = 0
        for label in self.review.undecided():
            ok = self._record(lambda lb=label: self.review.accept(lb))
            done += ok is True
            failed += ok is None
        if done or failed:
            self._set_message(self.tr("Accepted {count} finding(s).").format(count=done + failed) if not failed else
                              self.tr("Accepted {count} finding(s); {failed} {unsaved} (retrying).").format(
                                  count=done + failed, failed=failed, unsaved=unsaved()),
                              error=bool(failed))
        else:
            self._set_message(self.tr("Every finding already has a decision."))
        self.refresh()
        return done + failed

    def mark_selected(self, present: bool) -> bool:
        label = self.selected_label()
        return bool(label) and self.mark(label, present)

    def mark(self, label: str, present: bool | str) -> bool:
        """Record ``label`` present/absent with the reason field's text; refused (message) without one."""
        if not self._usable():
            return False
        from radassist.core.errors import ReviewError
        from radassist.core.review import ABSENT, PRESENT

        value = present if isinstance(present, str) else (PRESENT if present else ABSENT)
        current = self.review.current().get(label)
        if current is not None and current.value == value and not self.reason.text().strip():
            self._set_message(self.tr("{label} is already marked {value}.").format(  # a repeated key press
                label=html.escape(label), value=value))
            return True
        reason = self.reason.text().strip()
        try:
            ok = self._record(lambda: self.review.decide(label, value, reason), raise_review=True)
        except ReviewError as exc:
            self._pending_mark = (label, value)
            self._set_message(self.tr("{message} Type it in the reason field and press Enter.").format(
                message=html.escape(exc.message)), error=True)
            self.reason.setStyleSheet(f"border: 2px solid {palette.ERROR_TEXT};")
            self.reason.setFocus()
            self.refresh()
            return False
        self._pending_mark = None
        self.reason.clear()
        self.reason.setStyleSheet("")
        kind = self.tr("agrees with the AI") if value == self.review.ai_value(label) else self.tr("corrects the AI")
        self._set_message(self.tr("{label}: {value} ({kind}).").format(label=html.escape(label), value=value, kind=kind)
                          if ok else self.tr("{label}: {value} recorded but {unsaved} (retrying).").format(
                              label=html.escape(label), value=value, unsaved=unsaved()), error=not ok)
        self.select_label(label)
        self.refresh()
        return True

    def _reason_entered(self) -> None:
        if self._pending_mark is not None and self.reason.text().strip():
            label, value = self._pending_mark
            self.mark(label, value)

    def sign_off(self) -> bool:
        if self.review is None or self.closed:
            return False
        from radassist.core.errors import ReviewError

        note = self.note.text().strip()
        sha = self.review.identity["pixel_sha256"]
        # nothing is asked while findings are undecided: core refuses that sign-off and says why
        ready = not self.review.undecided()
        if ready and self.should_confirm() and sha not in self._confirmed:
            question, details = sign_off_question(self.review, self.file_name)
            if not confirm_sign_off(self, question, details):
                self._set_message(self.tr("Not signed off."))
                return False
            self._confirmed.add(sha)
        password = None
        if ready and getattr(self.review, "require_password", False):
            password = self.ask_password(self.review.os_user)
            if password is None:
                self._set_message(self.tr("Not signed off."))
                return False
        try:
            ok = self._record(lambda: self.review.sign_off(note, password=password), raise_review=True)
        except ReviewError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            self._set_message(html.escape(exc.message + hint), error=True)
            return False
        self.note.clear()
        self._set_message(self.tr("Signed off by {name}.").format(name=html.escape(self.review.reviewer)) if ok else
                          self.tr("Signed off, but the sign-off is {unsaved} (retrying).").format(unsaved=unsaved()),
                          error=not ok)
        self.refresh()
        return True

    def add_addendum(self) -> bool:
        """Amend the signed-off review: asks for the finding, its new value and the reason (core requires one)."""
        if self.review is None or not self.closed:
            self._set_message(self.tr("An addendum amends a signed-off review.") if self.review is not None
                              else self.tr("Open an analysed image first."), error=True)
            return False
        from radassist.core.errors import ReviewError

        asked = self.ask_addendum(self.review)
        if asked is None:
            self._set_message(self.tr("No addendum recorded."))
            return False
        label, value, reason = asked
        try:
            ok = self._record(lambda: self.review.addendum(label, value, reason), raise_review=True)
        except ReviewError as exc:
            self._set_message(html.escape(exc.message + (f" {exc.hint}" if exc.hint else "")), error=True)
            return False
        self._set_message(self.tr("Addendum: {label} {value}.").format(label=html.escape(label), value=value) if ok
                          else self.tr("Addendum: {label} {value} recorded but {unsaved} (retrying).").format(
                              label=html.escape(label), value=value, unsaved=unsaved()),
                          error=not ok)
        self.select_label(label)
        self.refresh()
        return True

    # --- internals -----------------------------------------------------------------------------------
    def _ask_addendum(self, review: Any) -> tuple[str, str, str] | None:
        dlg = AddendumDialog(review, self, self.selected_label())
        return dlg.values() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def _ask_password(self, login: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(self, self.tr("Sign off"),
                                        self.tr("Password of {login} (your operating-system login):").format(
                                            login=login), QLineEdit.EchoMode.Password)
        return text if ok else None

    def _usable(self) -> bool:
        if self.review is None:
            self._set_message(self.tr("Open an analysed image first."), error=True)
            return False
        if self.closed:
            self._set_message(self.tr("This review is signed off: use Add addendum… to change it."), error=True)
            return False
        return True

    def _record(self, step, *, raise_review: bool = False) -> bool | None:
        """Run one review step: True saved, None taken but not yet saved (the write failed, or is still
        under way on a slow store). ReviewError propagates."""
        from radassist.core.errors import AuditWriteError

        try:
            taken = step()
        except AuditWriteError as exc:
            log.warning("review step not yet saved: %s", exc.message)
            self.write_failed.emit(exc)
            return None
        return None if getattr(taken, "saved", True) is False else True

    # --- for tests -------------------------------------------------------------------------------------
    def history_lines(self) -> list[str]:
        return [self.history.item(i).text() for i in range(self.history.count())]

    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""
