"""Help ▸ Model Card: the page docs/models holds, rendered as tables and lists, searchable, no raw JSON."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextTable

from radassist.core.models.doc import package_markdown
from radassist.gui.assistant import install_assistant
from radassist.gui.model_card_dialog import ModelCardDialog
from tests.gui import assistant_fixtures as af


def _md_tables(markdown: str) -> list[list[list[str]]]:
    """Every Markdown table as rows of cell texts, inline markup (`code`, **bold**) removed."""
    tables, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not re.fullmatch(r"\|(\s*-+\s*\|)+", line):
                current.append([re.sub(r"\*\*|`", "", c).strip() for c in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def _qt_tables(dialog: ModelCardDialog) -> list[list[list[str]]]:
    out = []
    for frame in dialog.text.document().rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            out.append([[frame.cellAt(r, c).firstCursorPosition().block().text().strip()
                         for c in range(frame.columns())] for r in range(frame.rows())])
    return out


@pytest.fixture
def assistant(main_window):
    a = install_assistant(main_window, loader=af.models)
    yield a
    a.shutdown()


def test_the_model_card_dialog_shows_the_generated_page_as_tables(qtbot, assistant):
    card = af.engine().package.card
    page = package_markdown(af.classifier_dir())
    dlg = assistant.show_model_card()
    qtbot.addWidget(dlg)
    assert isinstance(dlg, ModelCardDialog) and dlg.markdown == page  # the same text as docs/models
    text = dlg.text.toPlainText()
    assert card.intended_use in text
    for limitation in card.limitations:
        assert limitation in text
    assert "{" not in text and "}" not in text and '":' not in text  # no dump of the card's JSON
    tables = _qt_tables(dlg)
    assert tables == _md_tables(page)  # every table, cell by cell, as the generated doc has it
    metrics = next(t for t in tables if t[0] == ["metric", "value (95% CI)"])
    assert any(row[0] == "AUROC" and row[1].startswith("0.99") for row in metrics)
    assert dlg.find_text("specificity") and dlg.text.textCursor().selectedText() == "specificity"
    assert not dlg.find_text("no such words in the card") and dlg.found.text() == "Not found"
    qtbot.keyClicks(dlg.search, "AUROC")  # typing finds; Enter finds the next and keeps the dialog open
    assert dlg.text.textCursor().selectedText() == "AUROC" and dlg.found.text() == ""
    first = dlg.text.textCursor().position()
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.text.textCursor().position() != first


def test_without_a_model_the_dialog_says_so(qtbot, main_window, tmp_path):
    from radassist.config import Settings

    main_window.settings = Settings(model=str(tmp_path / "missing-model"))
    a = install_assistant(main_window, loader=af.models)
    try:
        dlg = a.show_model_card()
        qtbot.addWidget(dlg)
        assert dlg.text.toPlainText().startswith("No model is available: ")
    finally:
        a.shutdown()
