"""The tag browser filters the header as the user types."""

from __future__ import annotations

from dataclasses import dataclass

from radassist.gui.tag_browser import TagBrowser, row_matches


@dataclass(frozen=True)
class Row:
    tag: str
    keyword: str
    vr: str
    value_text: str


ROWS = [Row("(0010,0010)", "PatientName", "PN", "DOE^JANE"), Row("(0010,0020)", "PatientID", "LO", "P-42"),
        Row("(0008,0060)", "Modality", "CS", "CR"), Row("(0018,5101)", "ViewPosition", "CS", "PA")]


def test_matches_by_keyword_tag_with_or_without_punctuation_and_value():
    assert row_matches(ROWS[1], "patientid")
    assert row_matches(ROWS[1], "0010,0020") and row_matches(ROWS[1], "00100020")
    assert row_matches(ROWS[2], "cr")
    assert not row_matches(ROWS[2], "PatientID")


def test_typing_filters_rows(qtbot):
    dlg = TagBrowser(ROWS, "x.dcm")
    qtbot.addWidget(dlg)
    assert len(dlg.visible_keywords()) == 4
    qtbot.keyClicks(dlg.search, "PatientID")
    assert dlg.visible_keywords() == ["PatientID"]
    assert dlg.count_label.text() == "1 of 4 elements"
    dlg.search.clear()
    assert len(dlg.visible_keywords()) == 4
