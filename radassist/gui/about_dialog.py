"""About RadAssist: version, intended use, where files are written; later issues add sections (model card)."""

from __future__ import annotations

import html
import platform
from collections.abc import Callable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
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

INTENDED_USE = str(QT_TRANSLATE_NOOP(
    "AboutDialog",
    "RadAssist shows chest radiographs and, where a model is installed, suggests findings with heatmaps "
    "for a clinician to accept or correct. It is decision support: every output is reviewed by a "
    "qualified reader, and it is not a substitute for a radiologist's report."
))


def about_html(sections: list[tuple[str, str]]) -> str:
    paths = app_paths()
    tagline = QCoreApplication.translate("AboutDialog", "Desktop chest X-ray viewer and assistant.")
    use = QCoreApplication.translate("AboutDialog", "Intended use.")
    software = QCoreApplication.translate("AboutDialog", "Software.")
    files = QCoreApplication.translate("AboutDialog", "Files.")
    versions = QCoreApplication.translate("AboutDialog", "Python {python}, Qt for Python (PySide6) {pyside}").format(
        python=platform.python_version(), pyside=pyside_version)
    settings = QCoreApplication.translate("AboutDialog", "Settings: {path}").format(path=paths.settings_file)
    log_file = QCoreApplication.translate("AboutDialog", "Log: {path}").format(path=paths.log_file)
    intended = QCoreApplication.translate("AboutDialog", INTENDED_USE)
    e = html.escape
    parts = [
        f"<h2>{APP_NAME} {e(__version__)}</h2>",
        f"<p>{e(tagline)}</p>",
        f"<p><b>{e(use)}</b> {e(intended)}</p>",
        f"<p><b>{e(software)}</b> {e(versions)}</p>",
        f"<p><b>{e(files)}</b> {e(settings)}<br>{e(log_file)}</p>",
    ]
    for title, text in sections:
        body = html.escape(text).replace("\n", "<br>")
        parts.append(f"<h3>{html.escape(title)}</h3><p>{body}</p>")
    return "\n".join(parts)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, sections: list[SectionProvider] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About {app}").format(app=APP_NAME))
        self.resize(560, 460)
        icon = QLabel(self)
        if parent is not None and not parent.windowIcon().isNull():
            icon.setPixmap(parent.windowIcon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setAccessibleName(self.tr("About {app}").format(app=APP_NAME))
        self.text.setAccessibleDescription(self.tr("Version, intended use, where files are written and the "
                                                   "installed models"))
        self.text.setHtml(about_html([provider() for provider in (sections or [])]))
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)  # Esc too (QDialog.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        self.setTabOrder(self.text, self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
