"""The model card as a readable page: the very Markdown of ``docs/models/<id>.md``, with a find bar.

The page comes from ``core.models.doc.package_markdown`` (what ``radassist models doc`` writes), so the
dialog, the docs and the card cannot say different things; Qt renders its tables and lists.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


def model_card_markdown(package_dir: str | Path) -> str:
    """The page ``docs/models`` holds for the package in ``package_dir`` (RadAssistError when unreadable)."""
    from radassist.core.models.doc import package_markdown

    return package_markdown(package_dir)


class ModelCardDialog(QDialog):
    """A scrollable rendered page with a find field (Ctrl+F; Enter = next, Shift+Enter = previous)."""

    def __init__(self, markdown: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Model card"))
        self.resize(760, 640)
        self.markdown = markdown
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.text.setMarkdown(markdown)
        self.text.setAccessibleName(self.tr("Model card"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Find in the model card"))
        self.search.setAccessibleName(self.tr("Find in the model card"))
        self.search.setAccessibleDescription(self.tr("Enter finds the next match, Shift+Enter the previous one"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(lambda: self.find_text(self.search.text()))
        self.search.textEdited.connect(lambda t: self.find_text(t, restart=True))
        self.found = QLabel("", self)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.search.setFocus)
        back = QShortcut(QKeySequence("Shift+Return"), self.search)
        back.setContext(Qt.ShortcutContext.WidgetShortcut)
        back.activated.connect(lambda: self.find_text(self.search.text(), backward=True))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        for button in buttons.buttons():  # Enter in the find field finds the next match, never closes
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.found)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)

    def find_text(self, needle: str, *, backward: bool = False, restart: bool = False) -> bool:
        """Select the next (or previous) match, wrapping around; False (said beside the field) when none."""
        if not needle:
            self.found.setText("")
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if restart:
            cursor = self.text.textCursor()
            cursor.setPosition(min(cursor.selectionStart(), cursor.selectionEnd()))
            self.text.setTextCursor(cursor)
        hit = self.text.find(needle, flags)
        if not hit:  # wrap around once
            cursor = self.text.textCursor()
            cursor.movePosition(cursor.MoveOperation.End if backward else cursor.MoveOperation.Start)
            self.text.setTextCursor(cursor)
            hit = self.text.find(needle, flags)
        self.found.setText("" if hit else self.tr("Not found"))
        return hit
