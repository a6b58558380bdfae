"""The review panel: accept / correct with a reason / sign off, history, and writes that fail and retry."""

from __future__ import annotations

import pytest

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from radassist.core.audit.outbox import Outbox
from radassist.core.review import ABSENT, PRESENT, Review
from radassist.gui import review_panel as rp
from radassist.gui.review_panel import UNSAVED_TEXT, ReviewPanel
from tests.gui.assistant_fixtures import analysis_record


@pytest.fixture(scope="module")
def record() -> dict:
    return analysis_record()


@pytest.fixture
def store(radassist_home):
    s = open_store(radassist_home / "audit.sqlite3")
    yield s
    s.close()


@pytest.fixture(autouse=True)
def confirmations(monkeypatch) -> list:
    """The sign-off confirmation (the UI boundary) answered "Sign off"; each question asked is kept."""
    asked: list = []
    monkeypatch.setattr(rp, "confirm_sign_off", lambda parent, question, details: asked.append(
        (question, details)) or True)
    return asked


@pytest.fixture
def panel(qtbot):
    p = ReviewPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def _outbox(store, tmp_path):
    return Outbox(store, spool_path=tmp_path / "spool.jsonl")


def _disagree(review: Review, label: str) -> str:
    return ABSENT if review.ai_value(label) == PRESENT else PRESENT


def test_correction_needs_a_reason_then_is_recorded(panel, record, store, tmp_path):
    review = Review(record, "dr-test", _outbox(store, tmp_path))
    panel.set_review(review)
    label = panel.selected_label()
    value = _disagree(review, label)

    assert not panel.mark(label, value)  # no reason: refused, nothing written
    assert "reason" in panel.message.text().lower()
    assert store.query(event_types=[ev.FINDING_CORRECTED]) == []

    panel.reason.setText("consolidation right lower lobe")
    panel.reason.returnPressed.emit()  # Enter in the reason field records the refused decision
    rows = store.query(event_types=[ev.FINDING_CORRECTED])
    assert len(rows) == 1 and rows[0].event.reason == "consolidation right lower lobe"
    assert rows[0].event.decision["value"] == value and rows[0].event.user == "dr-test"
    assert panel.cell_text(0, 2).startswith(value) and panel.cell_text(0, 3) == "saved"
    assert panel.reason.text() == ""


def test_accept_all_and_sign_off_record_events(panel, record, store, tmp_path):
    review = Review(record, "dr-test", _outbox(store, tmp_path))
    panel.set_review(review)
    assert not panel.sign_off()  # nothing decided yet: core refuses, the panel says why
    assert "no decision" in panel.message.text().lower()
    assert panel.accept_all() == len(review.findings)
    panel.note.setText("compare with prior film")
    assert panel.sign_off()
    kinds = [r.event.event_type for r in store.query()]
    assert kinds == [ev.FINDING_ACCEPTED] * len(review.findings) + [ev.SIGNED_OFF]
    assert store.query(event_types=[ev.SIGNED_OFF])[0].event.details == {"note": "compare with prior film"}
    assert not panel.btn_accept_all.isEnabled() and not panel.btn_sign_off.isEnabled()
    assert "signed off" in panel.history_lines()[0]


def test_reopening_shows_history_and_a_later_correction_supersedes(panel, record, store, tmp_path):
    first = Review(record, "dr-one", _outbox(store, tmp_path))
    label = next(iter(first.findings))
    first.accept(label)  # decided, not signed off: the review stays open
    again = Review(record, "dr-two", _outbox(store, tmp_path))  # the image reopened
    panel.set_review(again)
    assert any("dr-one" in line and "accepted" in line for line in panel.history_lines())
    assert panel.btn_present.isEnabled() and not panel.btn_addendum.isVisible()
    panel.reason.setText("second reader disagrees")
    assert panel.mark(label, _disagree(again, label))
    lines = panel.history_lines()
    assert "corrected" in lines[0] and "dr-two" in lines[0]
    assert any("dr-one" in line and "[superseded]" in line for line in lines)  # kept, struck out
    assert len(store.query(pixel_sha256=again.identity["pixel_sha256"],
                           event_types=[ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED])) == 2


def test_a_signed_off_image_reopened_is_read_only_and_changes_by_an_addendum(panel, record, store, tmp_path):
    from radassist.config import os_user

    first = Review(record, "Dr. One", _outbox(store, tmp_path))
    first.accept_all()
    signed = first.sign_off()
    again = Review(record, "Dr. Two", _outbox(store, tmp_path))  # the image reopened in a later session
    panel.set_review(again)
    text = panel.signed_label.text()
    assert panel.signed_label.isVisible() and f"Signed off by Dr. One ({os_user()}) at " in text
    assert rp.local_time(signed.timestamp) in text
    for w in (panel.btn_accept_all, panel.btn_present, panel.btn_absent, panel.reason, panel.note,
              panel.btn_sign_off):
        assert not w.isEnabled()  # read-only
    assert panel.btn_addendum.isVisible() and panel.btn_addendum.isEnabled()
    label = panel.selected_label()
    assert not panel.mark(label, _disagree(again, label)) and "addendum" in panel.message.text()
    assert not panel.sign_off()

    panel.ask_addendum = lambda review: None  # cancelled: nothing recorded
    assert not panel.add_addendum()
    panel.ask_addendum = lambda review: (label, _disagree(review, label), "")  # no reason: core refuses
    assert not panel.add_addendum() and "reason" in panel.message.text()
    assert store.query(event_types=[ev.ADDENDUM]) == []
    new_value = _disagree(again, label)
    panel.ask_addendum = lambda review: (label, new_value, "lateral film shows consolidation")
    assert panel.add_addendum()
    [row] = store.query(event_types=[ev.ADDENDUM])
    assert row.event.reason == "lateral film shows consolidation" and row.event.decision["value"] == new_value
    assert row.event.user == "Dr. Two" and row.event.previous["signed_off"]["event_id"] == signed.event_id
    lines = panel.history_lines()
    assert lines[0].count("ADDENDUM") == 1 and "lateral film" in lines[0]
    assert any("signed off" in line and "[superseded]" not in line for line in lines)  # the sign-off stays
    assert panel.cell_text(panel.table.currentRow(), 2).startswith(new_value)  # the value in force
    assert panel.signed_label.isVisible() and not panel.btn_present.isEnabled()  # still signed off
    assert store.verify().ok


def test_the_addendum_dialog_needs_a_reason(qtbot, record, store, tmp_path):
    review = Review(record, "dr-test", _outbox(store, tmp_path))
    review.accept_all()
    review.sign_off()
    label = next(iter(review.findings))
    dlg = rp.AddendumDialog(review, label=label)
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(dlg.buttons.StandardButton.Ok)
    assert dlg.finding.currentText() == label and dlg.value.currentText() == _disagree(review, label)
    assert not ok.isEnabled()  # no reason yet
    dlg.reason.setText("   ")
    assert not ok.isEnabled()
    dlg.reason.setText("seen on the lateral view")
    assert ok.isEnabled() and dlg.values() == (label, _disagree(review, label), "seen on the lateral view")


def test_keyboard_marks_with_reason_and_signs_off(main_window, qtbot, record, store, tmp_path):
    from PySide6.QtCore import Qt

    panel = ReviewPanel()
    main_window.add_dock(panel, "Review")
    panel.create_actions(main_window)
    review = Review(record, "dr-keys", _outbox(store, tmp_path))
    panel.set_review(review)
    label = panel.selected_label()
    ai = review.ai_value(label)
    main_window.view.setFocus()
    qtbot.keyClick(main_window.view, Qt.Key.Key_P if ai == ABSENT else Qt.Key.Key_N)  # disagree without a reason
    assert store.query(event_types=[ev.FINDING_CORRECTED]) == []
    assert "give a reason" in panel.message.text()  # the shortcut reached the panel, core refused
    qtbot.keyClicks(panel.reason, "clinical context")
    qtbot.keyClick(panel.reason, Qt.Key.Key_Return)
    assert len(store.query(event_types=[ev.FINDING_CORRECTED])) == 1
    main_window.view.setFocus()
    qtbot.keyClick(main_window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(store.query(event_types=[ev.SIGNED_OFF])) == 1


def test_unsaved_decision_stays_visible_and_is_saved_on_retry(panel, record, tmp_path, monkeypatch):
    """A read-only SQLite store refuses the write: the decision shows "not yet saved" until a retry stores it."""
    db = tmp_path / "audit.sqlite3"
    target = {"url": f"sqlite:///file:{db}?mode=ro"}  # read-only, and the file does not exist yet
    outbox = Outbox(lambda: open_store(target["url"]), spool_path=tmp_path / "spool.jsonl")
    review = Review(record, "dr-test", outbox)
    panel.set_review(review)
    failures = []
    panel.write_failed.connect(failures.append)
    assert panel.accept_all() == len(review.findings)
    assert failures and UNSAVED_TEXT in panel.message.text()
    assert panel.cell_text(0, 3) == UNSAVED_TEXT
    assert any(UNSAVED_TEXT in line for line in panel.history_lines())
    assert len(outbox.pending()) == len(review.findings)

    target["url"] = str(db)  # the store is writable again
    stored = outbox.flush()
    panel.refresh()
    assert len(stored) == len(review.findings)
    assert panel.cell_text(0, 3) == "saved"
    assert not any(UNSAVED_TEXT in line for line in panel.history_lines())


def test_sign_off_asks_the_os_password_only_where_the_site_wants_it(panel, record, store, tmp_path):
    """PAM for real: a wrong password is refused (nothing signed); cancelled is not signed; off = no prompt."""
    pytest.importorskip("pam", reason="python-pam is the optional 'pam' extra")
    asked = []
    panel.ask_password = lambda login: asked.append(login) or "surely-wrong-password-for-this-login"
    review = Review(record, "dr-pam", _outbox(store, tmp_path), require_password=True)
    panel.set_review(review)
    panel.accept_all()
    assert not panel.sign_off()
    assert asked == [review.os_user] and "not accepted" in panel.message.text()
    assert store.query(event_types=[ev.SIGNED_OFF]) == [] and panel.btn_sign_off.isEnabled()
    panel.ask_password = lambda login: None  # the reader cancelled the prompt
    assert not panel.sign_off() and store.query(event_types=[ev.SIGNED_OFF]) == []

    asked.clear()
    panel.ask_password = lambda login: asked.append(login) or ""
    plain = Review(record, "dr-plain", _outbox(store, tmp_path))  # the setting off: the default
    panel.set_review(plain)
    assert panel.sign_off() and asked == []
    assert len(store.query(event_types=[ev.SIGNED_OFF])) == 1


def test_sign_off_is_confirmed_once_per_image_naming_the_file_and_the_calls(panel, record, store, tmp_path,
                                                                            monkeypatch, confirmations):
    answers = [False]
    monkeypatch.setattr(rp, "confirm_sign_off", lambda parent, question, details: confirmations.append(
        (question, details)) or answers[0])
    review = Review(record, "dr-test", _outbox(store, tmp_path), require_password=True)
    panel.set_review(review)
    panel.file_name = "person100_virus.dcm"
    assert not panel.sign_off() and confirmations == []  # undecided: core refuses, nothing to confirm
    panel.accept_all()
    assert not panel.sign_off()  # the reader cancelled the confirmation
    [(question, details)] = confirmations
    assert question == "Sign off this review of person100_virus.dcm?"
    for label in review.findings:
        assert f"{label}: {review.ai_value(label)} (agrees with the AI)" in details
    assert store.query(event_types=[ev.SIGNED_OFF]) == [] and panel.btn_sign_off.isEnabled()

    answers[0] = True
    panel.ask_password = lambda login: None  # confirmed, then the password prompt cancelled
    assert not panel.sign_off() and len(confirmations) == 2
    panel.ask_password = lambda login: ""
    review.require_password = False
    assert panel.sign_off()  # once per image: not asked again
    assert len(confirmations) == 2 and len(store.query(event_types=[ev.SIGNED_OFF])) == 1


def test_the_setting_turns_the_sign_off_confirmation_off(panel, record, store, tmp_path, confirmations):
    from radassist.config import Settings

    settings = Settings(confirm_sign_off=False)
    panel.should_confirm = lambda: settings.confirm_sign_off
    review = Review(record, "dr-test", _outbox(store, tmp_path))
    panel.set_review(review)
    panel.accept_all()
    assert panel.sign_off() and confirmations == []
    assert len(store.query(event_types=[ev.SIGNED_OFF])) == 1


def test_the_real_confirmation_box_signs_off_or_cancels(qtbot, panel, record, store, tmp_path, monkeypatch):
    """The QMessageBox itself, answered by a timer as a reader would click it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    monkeypatch.undo()  # the real dialog, not the fixture's answer
    seen = []

    def answer(button_text: str) -> None:
        def click() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(20, click)
                return
            seen.append((box.text(), box.informativeText()))
            next(b for b in box.buttons() if button_text in b.text().replace("&", "")).click()
        QTimer.singleShot(20, click)

    review = Review(record, "dr-test", _outbox(store, tmp_path))
    panel.set_review(review)
    panel.file_name = "chest.dcm"
    panel.accept_all()
    answer("Cancel")
    assert not panel.sign_off() and store.query(event_types=[ev.SIGNED_OFF]) == []
    answer("Sign off")
    assert panel.sign_off() and len(store.query(event_types=[ev.SIGNED_OFF])) == 1
    assert [q for q, _ in seen] == ["Sign off this review of chest.dcm?"] * 2
    assert next(iter(review.findings)) in seen[0][1]
