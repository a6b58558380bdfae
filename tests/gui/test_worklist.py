"""The worklist: natural order, each image's review state and AI call (from core), and the filter box."""

from __future__ import annotations

from pathlib import Path

import pytest

from radassist.core.review import NEW, REVIEWED, SIGNED_OFF, UNSAVED
from radassist.gui import review_panel
from radassist.gui.assistant import install_assistant
from radassist.gui.worklist import AI_COL, NOT_OPENED_TEXT, STATE_COL, Worklist, WorklistEntry
from tests.gui import assistant_fixtures as af
from tests.gui.conftest import write_dicom

NAMES = ["person1000_virus.dcm", "person100_virus.dcm", "person10_virus.dcm", "person2_virus.dcm",
         "person1_virus.dcm"]
NATURAL = ["person1_virus.dcm", "person2_virus.dcm", "person10_virus.dcm", "person100_virus.dcm",
           "person1000_virus.dcm"]


@pytest.fixture
def assistant(main_window, monkeypatch):
    monkeypatch.setattr(review_panel, "confirm_sign_off", lambda *_: True)  # the confirmation answered
    a = install_assistant(main_window, loader=af.models, retry_ms=60_000)
    yield a
    a.shutdown()


def _scan(qtbot, win, folder: Path) -> None:
    with qtbot.waitSignal(win.worklist_scanned, timeout=10_000):
        win.open_folder(folder)


def test_a_folder_lists_in_natural_order(qtbot, main_window, tmp_path):
    folder = tmp_path / "kermany"
    (folder / "sub10").mkdir(parents=True)
    (folder / "sub9").mkdir()
    for name in NAMES:
        write_dicom(folder / name)
    write_dicom(folder / "sub10" / "IM2")
    write_dicom(folder / "sub9" / "IM10")
    _scan(qtbot, main_window, folder)
    rel = [str(p.relative_to(folder)) for p in main_window.worklist.paths()]
    assert rel == [*NATURAL, "sub9/IM10", "sub10/IM2"]  # person100 before person1000, sub9 before sub10
    qtbot.waitUntil(lambda: main_window.current_path == folder / NATURAL[0], timeout=10_000)  # the first opens
    worklist = main_window.worklist
    assert worklist.row_text(folder / NATURAL[1], STATE_COL) == NOT_OPENED_TEXT  # not opened yet: unknown
    assert worklist.row_text(folder / NATURAL[1], AI_COL) == "—"


def test_the_filter_hides_rows_by_text_and_by_state(qtbot, tmp_path):
    from radassist.core.image import scan_header

    worklist = Worklist()
    qtbot.addWidget(worklist)
    paths = [write_dicom(tmp_path / n) for n in NATURAL[:3]]
    worklist.add_entries([WorklistEntry(p, scan_header(p)) for p in paths])
    worklist.set_row(paths[0], state=SIGNED_OFF, ai="pneumonia 0.91 ▲")
    worklist.set_row(paths[1], state=REVIEWED, ai="pneumonia 0.12")
    assert worklist.visible_paths() == paths

    worklist.filter_text.setText("PERSON2")
    assert worklist.visible_paths() == [paths[1]]
    worklist.filter_text.setText("▲")  # the AI call is searchable too
    assert worklist.visible_paths() == [paths[0]]
    worklist.filter_text.clear()
    worklist.filter_state.setCurrentText("signed off")
    assert worklist.visible_paths() == [paths[0]]
    worklist.filter_state.setCurrentText("not signed off")
    assert worklist.visible_paths() == paths[1:]
    worklist.filter_state.setCurrentText("not opened yet")
    assert worklist.visible_paths() == [paths[2]]
    worklist.set_row(paths[2], state=NEW)  # opened: it no longer matches, so it is hidden
    assert worklist.visible_paths() == []
    worklist.filter_state.setCurrentText("all")
    assert worklist.visible_paths() == paths

    # paging steps over the rows the filter hides
    worklist.filter_state.setCurrentText("not signed off")
    opened = []
    worklist.open_requested.connect(opened.append)
    assert worklist.select_relative(1) and opened == [paths[1]]
    assert worklist.select_relative(1) and opened == [paths[1], paths[2]]
    assert not worklist.select_relative(1)
    assert worklist.select_relative(-1) and not worklist.select_relative(-1)  # paths[0] is hidden


def test_the_state_follows_the_review_new_reviewed_signed_off(qtbot, main_window, assistant, tmp_path):
    folder = tmp_path / "worklist"
    folder.mkdir()
    first = af.write_cxr_dicom(folder / "person10.dcm")
    second = af.write_cxr_dicom(folder / "person9.dcm", af.chest_like(seed=3))
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as analysed:
        main_window.open_folder(folder)
    assert main_window.worklist.paths() == [second, first]  # natural: 9 before 10
    worklist = main_window.worklist
    from radassist.core.worklist import ai_call

    assert worklist.state_of(second) == NEW
    assert worklist.row_text(second, AI_COL) == ai_call(analysed.args[0].record) != "—"
    assert worklist.row_text(first, STATE_COL) == NOT_OPENED_TEXT

    panel = assistant.review_panel
    label = panel.selected_label()
    assert panel.mark(label, assistant.review.ai_value(label))
    assert worklist.state_of(second) == REVIEWED and worklist.row_text(second, STATE_COL) == REVIEWED
    panel.accept_all()
    assert panel.sign_off()
    assert worklist.state_of(second) == SIGNED_OFF

    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
        main_window.act_next.trigger()
    assert worklist.state_of(first) == NEW and worklist.state_of(second) == SIGNED_OFF  # kept per path
    worklist.filter_state.setCurrentText("signed off")
    assert worklist.visible_paths() == [second, first]  # the selected row stays visible ...
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
        main_window.act_prev.trigger()
    assert worklist.visible_paths() == [second]  # ... until the reader moves off it


def test_an_image_signed_off_in_an_earlier_session_shows_signed_off_once_opened(qtbot, radassist_home, tmp_path,
                                                                               monkeypatch):
    from radassist.config import load_settings
    from radassist.gui.main_window import MainWindow

    monkeypatch.setattr(review_panel, "confirm_sign_off", lambda *_: True)
    path = af.write_cxr_dicom(tmp_path / "person1.dcm")
    sessions = []
    for _ in range(2):
        win = MainWindow(load_settings())
        qtbot.addWidget(win)
        assistant = install_assistant(win, loader=af.models)
        win.show()
        sessions.append((win, assistant))
        with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
            win.open_folder(tmp_path)
        if len(sessions) == 1:
            assistant.review_panel.accept_all()
            assert assistant.review_panel.sign_off()
            assistant.shutdown()
            win.close()
    win, assistant = sessions[1]
    # the history is read on the I/O worker after the image opens: the state follows it
    qtbot.waitUntil(lambda: win.worklist.state_of(path) == SIGNED_OFF, timeout=10_000)
    assert assistant.review_panel.signed_label.isVisible()
    assistant.shutdown()
    win.close()


def test_a_decision_the_store_cannot_take_shows_not_yet_saved(qtbot, main_window, assistant, tmp_path,
                                                              monkeypatch):
    """An unwritable store (a read-only SQLite URI that cannot be opened): the row says so until it is saved."""
    db = tmp_path / "later.sqlite3"
    monkeypatch.setenv("RADASSIST_AUDIT_URL", f"sqlite:///file:{db}?mode=ro")
    folder = tmp_path / "wl"
    folder.mkdir()
    path = af.write_cxr_dicom(folder / "person1.dcm")
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
        main_window.open_folder(folder)
    assistant.review_panel.accept_all()
    worklist = main_window.worklist
    assert worklist.state_of(path) == UNSAVED and worklist.row_text(path, STATE_COL) == UNSAVED
    worklist.filter_state.setCurrentText(UNSAVED)
    assert worklist.visible_paths() == [path]

    monkeypatch.setenv("RADASSIST_AUDIT_URL", str(db))  # the store is writable again
    assistant.retry_pending()
    qtbot.waitUntil(lambda: worklist.state_of(path) == REVIEWED, timeout=10_000)
