"""Screen readers and the keyboard: every control in the dialogs and panels has a name, and a dialog can be
worked with the keyboard alone (mnemonics, tab order, Enter for the main action, Esc to close)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from radassist.core.audit.events import AuditEvent

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSlider, QAbstractSpinBox, QAbstractItemView, QTextEdit)
#: a control's own parts (a date edit's line edit, a table's corner button, a line edit's clear button)
COMPOSITES = (QAbstractSpinBox, QComboBox, QAbstractItemView, QLineEdit, QTextEdit)


def controls(root: QWidget) -> list[QWidget]:
    """The interactive controls a user meets in ``root``: not the internal parts of a composite control."""
    found = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or isinstance(w, QHeaderView | QScrollBar):
            continue
        parent, inner = w.parentWidget(), False
        while parent is not None and parent is not root:
            inner = inner or isinstance(parent, COMPOSITES)
            parent = parent.parentWidget()
        if not inner:
            found.append(w)
    return found


def spoken_name(w: QWidget) -> str:
    """What a screen reader announces: the accessible name, else a button's own text."""
    text = w.text() if isinstance(w, QAbstractButton) else ""
    return (w.accessibleName() or text.replace("&", "")).strip()


@pytest.fixture
def store(radassist_home):
    with open_store() as s:
        for user in ("alice", "bob"):
            s.append(AuditEvent(ev.IMAGE_OPENED, user, workstation="ws1", pixel_sha256="a" * 64,
                                timestamp=datetime.now(UTC)))
        yield s


def _widgets(qtbot, store):
    from radassist.gui.about_dialog import AboutDialog
    from radassist.gui.audit_viewer import AuditViewer
    from radassist.gui.findings_panel import FindingsPanel
    from radassist.gui.image_view import ImageView
    from radassist.gui.model_card_dialog import ModelCardDialog
    from radassist.gui.overlay_controls import OverlayControls
    from radassist.gui.presets_dialog import PresetsDialog, load_window_presets
    from radassist.gui.review_panel import ReviewPanel
    from radassist.gui.tag_browser import TagBrowser
    from radassist.gui.worklist import Worklist
    from tests.gui.test_tag_browser import ROWS

    view = ImageView()
    made = [AuditViewer(store, current_sha="a" * 64), TagBrowser(ROWS, "x.dcm"), AboutDialog(),
            FindingsPanel(), OverlayControls(view), ReviewPanel(), Worklist(),
            PresetsDialog(load_window_presets()), ModelCardDialog("# Model\n\nA card."), view]
    for w in made:
        qtbot.addWidget(w)
    return made[:-1]


def test_every_control_has_a_screen_reader_name(qtbot, store):
    for root in _widgets(qtbot, store):
        found = controls(root)
        assert found, type(root).__name__
        unnamed = [f"{type(root).__name__}: {type(w).__name__} {w.objectName()}" for w in found if not spoken_name(w)]
        assert unnamed == []


def _focus(qtbot) -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None
    return w


def test_the_audit_viewer_works_from_the_keyboard_alone(qtbot, store):
    from radassist.gui.audit_viewer import AuditViewer

    viewer = AuditViewer(store, current_sha="a" * 64)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    assert viewer.table.rowCount() == 2
    # Alt+U (the "User" label's mnemonic) goes to the user filter; Enter applies it (the default button)
    qtbot.keyClick(viewer, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    assert _focus(qtbot) is viewer.user
    qtbot.keyClicks(viewer.user, "bob")
    qtbot.keyClick(viewer.user, Qt.Key.Key_Return)
    assert viewer.isVisible() and viewer.column(3) == ["bob"]
    # Tab runs filters -> "This image" -> Apply -> the table -> the actions, in reading order (in a date
    # edit, Tab first steps through its year, month and day, as Qt's date edits do)
    viewer.use_since.setFocus(Qt.FocusReason.TabFocusReason)
    seen = [_focus(qtbot)]
    while seen[-1] is not viewer.close_button and len(seen) < 30:
        qtbot.keyClick(seen[-1], Qt.Key.Key_Tab)
        if _focus(qtbot) is not seen[-1]:
            seen.append(_focus(qtbot))
    expected = [viewer.use_since, viewer.since, viewer.use_until, viewer.until, viewer.event_type, viewer.user,
                viewer.image, viewer.this_image, viewer.apply, viewer.table, viewer.older_button,
                viewer.verify_button, viewer.export_button, viewer.close_button]
    assert seen == [w for w in expected if w.isEnabled()]  # "Older records" is disabled: nothing older
    # the chain check by its mnemonic, then Esc closes the dialog
    qtbot.keyClick(viewer, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "Chain intact" in viewer.summary.text())  # a mnemonic "animates" the click first
    qtbot.keyClick(_focus(qtbot), Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def test_the_tag_browser_search_enter_goes_to_the_results_and_esc_closes(qtbot):
    from radassist.gui.tag_browser import TagBrowser
    from tests.gui.test_tag_browser import ROWS

    dlg = TagBrowser(ROWS, "x.dcm")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow)
    assert _focus(qtbot) is dlg.search
    qtbot.keyClicks(dlg.search, "Modality")
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)  # never closes the dialog
    assert dlg.isVisible() and _focus(qtbot) is dlg.tree
    assert dlg.tree.currentItem().text(1) == "Modality"
    qtbot.keyClick(dlg.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert _focus(qtbot) is dlg.search
    qtbot.keyClick(dlg.search, Qt.Key.Key_Escape)
    assert not dlg.isVisible()


def test_the_overlay_toggles_are_reached_with_tab_and_switched_with_space(qtbot):
    from radassist.gui.image_view import ImageView
    from radassist.gui.overlay_controls import OverlayControls

    view = ImageView()
    controls_ = OverlayControls(view)
    for w in (view, controls_):
        qtbot.addWidget(w)
    controls_.show()
    qtbot.waitExposed(controls_)
    controls_.activateWindow()
    qtbot.waitUntil(controls_.isActiveWindow)
    controls_.heatmap_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(controls_.heatmap_button, Qt.Key.Key_Space)
    assert controls_.act_heatmap.isChecked() and controls_.heatmap_button.text() == "Heatmap: on"
    for _ in range(5):  # no analysis yet: the heatmap boxes and sliders are disabled, Tab skips them
        if _focus(qtbot) is controls_.lungs_button:
            break
        qtbot.keyClick(_focus(qtbot), Qt.Key.Key_Tab)
    assert _focus(qtbot) is controls_.lungs_button
    qtbot.keyClick(controls_.lungs_button, Qt.Key.Key_Space)
    assert controls_.act_lungs.isChecked()


def test_the_main_window_docks_and_image_view_have_names(qtbot, main_window):
    from radassist.gui.assistant import install_assistant
    from tests.gui import assistant_fixtures as af

    assistant = install_assistant(main_window, loader=af.models, retry_ms=50)
    try:
        view = main_window.view
        assert view.accessibleName() == "X-ray image" and "Page Up" in view.accessibleDescription()
        docks = [main_window.worklist_dock, assistant.findings_dock, assistant.review_dock]
        assert [d.accessibleName() for d in docks] == ["Worklist", "AI Findings", "Review"]
        for dock in docks:  # every control inside the docks is named too
            unnamed = [f"{dock.windowTitle()}: {type(w).__name__}" for w in controls(dock) if not spoken_name(w)]
            assert unnamed == []
            # no Alt mnemonic inside a dock: it would collide with the menu titles (Alt+F, Alt+V, Alt+R ...)
            mnemonics = [w.text() for w in controls(dock) if isinstance(w, QAbstractButton) and "&" in w.text()]
            assert mnemonics == [], dock.windowTitle()
        # every review action has a key and is in Help > Keyboard shortcuts
        rows = dict(main_window.shortcut_rows())
        for what in ("Accept All Findings", "Mark Selected Finding Present", "Mark Selected Finding Absent",
                     "Sign Off", "Add Addendum", "Previous Image", "Next Image", "Show Heatmap",
                     "Show Lungs"):
            assert rows.get(what), what
        assert any(k.startswith("Window") and "Ctrl+1" in v for k, v in rows.items())
        assert any("Lung" in k for k in rows), rows
        # Tab from the image goes on to the worklist and the docks, never stuck on the image
        main_window.worklist_dock.show()
        view.setFocus(Qt.FocusReason.TabFocusReason)
        chain, w = [], view.nextInFocusChain()
        while w is not view and len(chain) < 500:
            chain.append(w)
            w = w.nextInFocusChain()
        order = [x for x in chain if x in (main_window.worklist.filter_text, assistant.review_panel.reason)]
        assert order == [main_window.worklist.filter_text, assistant.review_panel.reason]
    finally:
        assistant.shutdown()


def test_a_review_from_the_keyboard_alone(qtbot, main_window, tmp_path):
    """Open a real image, A accepts every finding, Ctrl+Enter signs off, Enter confirms: recorded."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from radassist.gui.assistant import install_assistant
    from tests.gui import assistant_fixtures as af

    assistant = install_assistant(main_window, loader=af.models, retry_ms=50)
    try:
        path = af.write_cxr_dicom(tmp_path / "keyboard.dcm")
        with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
            main_window.open_path(path)
        panel = assistant.review_panel
        assert panel.review is not None and panel.review.findings
        main_window.activateWindow()
        main_window.view.setFocus()
        qtbot.keyClick(main_window.view, Qt.Key.Key_A)
        assert not panel.review.undecided()
        asked: list[str] = []

        def answer() -> None:  # the confirmation, answered with Enter on its default button
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(50, answer)
                return
            asked.append(box.text())
            qtbot.keyClick(box, Qt.Key.Key_Return)

        QTimer.singleShot(50, answer)
        qtbot.keyClick(main_window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert asked and asked[0].startswith("Sign off this review of keyboard.dcm")
        assert panel.closed and "Signed off by" in panel.message.text()
        with open_store() as s:
            signed = s.query(event_types=[ev.SIGNED_OFF])
        assert len(signed) == 1 and signed[0].event.pixel_sha256 == panel.review.identity["pixel_sha256"]
    finally:
        assistant.shutdown()
