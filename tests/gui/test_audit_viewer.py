"""The audit viewer: filters by date, user, image and event type over a real store; its opening is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QDate

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from radassist.core.audit.events import AuditEvent
from radassist.gui.assistant import install_assistant
from radassist.gui.audit_viewer import ALL_EVENTS, AuditViewer

SHA_A, SHA_B = "a" * 64, "b" * 64


@pytest.fixture
def filled_store(radassist_home):
    """A default store (under RADASSIST_HOME) with events from two users, two images and three days."""
    now = datetime.now(UTC)
    rows = [
        (ev.IMAGE_OPENED, "alice", SHA_A, now - timedelta(days=10)),
        (ev.FINDING_ACCEPTED, "alice", SHA_A, now - timedelta(days=10)),
        (ev.IMAGE_OPENED, "bob", SHA_B, now - timedelta(days=2)),
        (ev.FINDING_CORRECTED, "bob", SHA_B, now - timedelta(days=2)),
        (ev.SIGNED_OFF, "bob", SHA_B, now),
    ]
    with open_store() as s:
        for kind, user, sha, when in rows:
            decision = {"label": "pneumonia", "value": "present", "ai_value": "absent"} \
                if kind == ev.FINDING_CORRECTED else None
            s.append(AuditEvent(kind, user, workstation="ws1", pixel_sha256=sha, timestamp=when, decision=decision,
                                reason="consolidation" if decision else ""))
    return rows


def test_filters_by_user_event_image_and_date(qtbot, filled_store):
    with open_store() as store:
        viewer = AuditViewer(store, current_sha=SHA_B)
        qtbot.addWidget(viewer)
        assert viewer.table.rowCount() == 5
        viewer.user.setText("alice")
        viewer.refresh()
        assert set(viewer.column(3)) == {"alice"} and viewer.table.rowCount() == 2
        viewer.user.clear()
        viewer.event_type.setCurrentText(ev.FINDING_CORRECTED)  # applies at once
        assert viewer.column(2) == [ev.FINDING_CORRECTED]
        assert viewer.column(7) == ["pneumonia: present (AI absent)"] and viewer.column(8) == ["consolidation"]
        viewer.event_type.setCurrentText(ALL_EVENTS)
        viewer.this_image.click()
        assert viewer.table.rowCount() == 3 and all(c.startswith("b" * 16) for c in viewer.column(5))
        viewer.image.clear()
        viewer.since.setDate(QDate.currentDate().addDays(-5))
        viewer.use_since.setChecked(True)  # the last 5 days: bob's 3 events
        assert viewer.table.rowCount() == 3
        viewer.until.setDate(QDate.currentDate().addDays(-1))
        viewer.use_until.setChecked(True)  # ... up to yesterday: the two from two days ago
        assert viewer.column(2) == [ev.FINDING_CORRECTED, ev.IMAGE_OPENED]  # newest first
        result = viewer.verify()
        assert result.ok and "5 record(s) verified" in viewer.summary.text()


def test_opening_and_exporting_are_audited(qtbot, main_window, filled_store, tmp_path):
    from tests.gui import assistant_fixtures as af

    assistant = install_assistant(main_window, loader=af.models)
    main_window.view.setFocus()
    viewer = assistant.show_audit_viewer()
    qtbot.addWidget(viewer)
    assert viewer.isVisible()
    assert viewer.column(2)[0] == ev.AUDIT_VIEWED  # it lists its own opening, newest first
    assert viewer.column(3)[0] == main_window.settings.reviewer
    with open_store() as s:
        assert [r.event.event_type for r in s.query(event_types=[ev.AUDIT_VIEWED])] == [ev.AUDIT_VIEWED]
        assert s.verify().ok
    viewer.user.setText("bob")
    viewer.refresh()
    assert viewer.export_to(tmp_path / "bob.csv", "csv") == 3
    lines = (tmp_path / "bob.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and all(",bob," in line for line in lines[1:])
    with open_store() as s:
        export = s.query(event_types=[ev.EXPORT])[0].event
        assert export.details["what"] == "audit_trail" and export.details["filters"]["user"] == "bob"
    assistant.act_audit.trigger()  # the menu action (Ctrl+Shift+A): audited again
    with open_store() as s:
        assert len(s.query(event_types=[ev.AUDIT_VIEWED])) == 2
    assistant.audit_viewer.close()
    assistant.shutdown()


def test_newest_first_in_pages(qtbot, filled_store):
    with open_store() as store:
        viewer = AuditViewer(store)
        qtbot.addWidget(viewer)
        viewer.page_size = 2
        viewer.refresh()
        assert viewer.column(0) == ["5", "4"] and viewer.older_button.isEnabled()
        assert viewer.load_older() == 2 and viewer.column(0) == ["5", "4", "3", "2"]
        assert viewer.load_older() == 1 and not viewer.older_button.isEnabled()
        assert viewer.column(0) == ["5", "4", "3", "2", "1"]
