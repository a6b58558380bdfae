"""The review panel: accept / correct with a reason / sign off, history, and writes that fail and retry."""

from __future__ import annotations

import pytest

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from radassist.core.audit.outbox import Outbox
from radassist.core.review import ABSENT, PRESENT, Review
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
    first.accept(label)
    first.sign_off()
    again = Review(record, "dr-two", _outbox(store, tmp_path))  # the image reopened
    panel.set_review(again)
    assert any("dr-one" in line and "accepted" in line for line in panel.history_lines())
    panel.reason.setText("second reader disagrees")
    assert panel.mark(label, _disagree(again, label))
    lines = panel.history_lines()
    assert "corrected" in lines[0] and "dr-two" in lines[0]
    assert any("dr-one" in line and "[superseded]" in line for line in lines)  # kept, struck out
    assert len(store.query(pixel_sha256=again.identity["pixel_sha256"],
                           event_types=[ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED])) == 2


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
