"""The DICOM tag browser: every element of the header, filtered as you type (tag, keyword or value)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)


def row_matches(row: Any, needle: str) -> bool:
    """Case-insensitive match on tag (with or without punctuation), keyword or value text."""
    if not needle:
        return True
    needle = needle.strip().lower()
    tag = str(row.tag).lower()
    bare = "".join(ch for ch in tag if ch.isalnum())
    bare_needle = "".join(ch for ch in needle if ch.isalnum())
    return (needle in tag or (bare_needle and bare_needle in bare) or needle in str(row.keyword).lower()
            or needle in str(row.value_text).lower())


class TagBrowser(QDialog):
    """Non-modal: it can stay open beside the image. Keyboard: type to filter, Enter moves to the
    rows, Ctrl+F back to the search, Esc closes."""

    def __init__(self, rows: Sequence[Any], title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("DICOM tags — {file}").format(file=title))
        self.resize(820, 640)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search tag, keyword or value (e.g. PatientID, 0010,0020, CHEST)"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search DICOM tags"))
        self.search.setAccessibleDescription(self.tr("Filters the elements by tag, keyword or value as you type; "
                                                     "Enter moves to the results"))
        self.tree = QTreeWidget(self)
        columns = (self.tr("Tag"), self.tr("Keyword"), self.tr("VR"), self.tr("Value"))
        self.tree.setColumnCount(len(columns))
        self.tree.setHeaderLabels(columns)
        self.tree.setAccessibleName(self.tr("DICOM header elements"))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.count_label = QLabel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)  # Esc too (QDialog.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        # Enter in the search goes to the results, never closes the dialog
        self.close_button.setAutoDefault(False)
        self.setTabOrder(self.search, self.tree)
        self.setTabOrder(self.tree, self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        layout.addWidget(self.count_label)
        layout.addWidget(buttons)
        self._rows = list(rows)
        items = []
        for r in self._rows:
            item = QTreeWidgetItem([str(r.tag), str(r.keyword), str(r.vr), str(r.value_text)])
            item.setToolTip(3, str(r.value_text)[:2000])
            items.append(item)
        self.tree.addTopLevelItems(items)
        for c in range(3):
            self.tree.resizeColumnToContents(c)
        self.search.textChanged.connect(self.apply_filter)
        self.search.returnPressed.connect(self.focus_results)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search.setFocus)
        self.apply_filter("")
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def apply_filter(self, text: str) -> None:
        shown = 0
        for i, row in enumerate(self._rows):
            ok = row_matches(row, text)
            self.tree.topLevelItem(i).setHidden(not ok)
            shown += ok
        self.count_label.setText(self.tr("{shown} of {total} elements").format(shown=shown, total=len(self._rows)))

    def focus_results(self) -> None:
        """Keyboard: from the search to the first matching row."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if not item.isHidden():
                self.tree.setCurrentItem(item)
                break
        self.tree.setFocus(Qt.FocusReason.TabFocusReason)

    def visible_keywords(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(1) for i in range(self.tree.topLevelItemCount())
                if not self.tree.topLevelItem(i).isHidden()]
