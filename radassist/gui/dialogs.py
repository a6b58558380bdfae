"""Message boxes in one place: what went wrong and what to do, never a traceback.

Callers use ``dialogs.show_error(...)`` through the module so tests can replace these functions.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from radassist.core.errors import RadAssistError

log = logging.getLogger(__name__)


def show_error(parent: QWidget | None, title: str, error: BaseException) -> None:
    """A RadAssistError shows its message and hint; anything else is logged and shown generically."""
    if isinstance(error, RadAssistError):
        box = QMessageBox(QMessageBox.Icon.Warning, title, error.message, QMessageBox.StandardButton.Ok, parent)
        if error.hint:
            box.setInformativeText(error.hint)
        box.exec()
        return
    show_unexpected(parent, title, error)


def show_unexpected(parent: QWidget | None, title: str, error: BaseException) -> None:
    log.error("unexpected error: %s", title, exc_info=(type(error), error, error.__traceback__))
    from radassist.config import app_paths

    box = QMessageBox(QMessageBox.Icon.Critical, title,
                      QCoreApplication.translate("dialogs", "Something unexpected went wrong. RadAssist is still running."),
                      QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(QCoreApplication.translate(
        "dialogs", "The details were written to the log file {log_file}. Please send it to your support contact if "
        "this happens again.").format(log_file=app_paths().log_file))
    box.exec()


def show_warning(parent: QWidget | None, title: str, text: str, informative: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if informative:
        box.setInformativeText(informative)
    box.exec()


def show_info(parent: QWidget | None, title: str, rich_text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, title, rich_text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.exec()
