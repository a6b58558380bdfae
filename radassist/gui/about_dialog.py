"""About RadAssist: version, intended use, where files are written; later issues add sections (model card)."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from radassist import APP_NAME, __version__
from radassist.config import app_paths

#: a provider returns (title, plain text); it is called each time the box opens
SectionProvider = Callable[[], tuple[str, str]]

INTENDED_USE = (
    "RadAssist shows chest radiographs and, where a model is installed, suggests findings with heatmaps "
    "for a clinician to accept or correct. It is decision support: every output is reviewed by a "
    "qualified reader, and it is not a substitute for a radiologist's report."
)


def about_html(sections: list[tuple[str, str]]) -> str:
    paths = app_paths()
    parts = [
        f"<h2>{APP_NAME} {html.escape(__version__)}</h2>",
        "<p>Desktop chest X-ray viewer and assistant.</p>",
        f"<p><b>Intended use.</b> {html.escape(INTENDED_USE)}</p>",
        "<p><b>Software.</b> Python " + html.escape(platform.python_version())
        + f", Qt for Python (PySide6) {html.escape(pyside_version)}</p>",
        "<p><b>Files.</b> Settings: " + html.escape(str(paths.settings_file))
        + "<br>Log: " + html.escape(str(paths.log_file)) + "</p>",
    ]
    for title, text in sections:
        body = html.escape(text).replace("\n", "<br>")
        parts.append(f"<h3>{html.escape(title)}</h3><p>{body}</p>")
    return "\n".join(parts)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, sections: list[SectionProvider] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.resize(560, 460)
        icon = QLabel(self)
        if parent is not None and not parent.windowIcon().isNull():
            icon.setPixmap(parent.windowIcon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(about_html([provider() for provider in (sections or [])]))
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
