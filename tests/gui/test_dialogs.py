"""Error dialogs say what is wrong and what to do; unexpected errors never show a traceback."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from radassist.core.errors import CorruptPixelDataError
from radassist.gui import dialogs


def _capture_next_box(seen: list) -> None:
    """Read and close the next modal message box once the event loop shows it."""

    def grab() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.text(), box.informativeText(), box.detailedText()))
            box.accept()
        else:
            QTimer.singleShot(10, grab)

    QTimer.singleShot(0, grab)


def test_radassist_error_shows_message_and_hint(qtbot):
    seen: list = []
    _capture_next_box(seen)
    dialogs.show_error(None, "Cannot open x.dcm", CorruptPixelDataError("The pixel data is cut short.",
                                                                      hint="Ask for the image to be re-sent."))
    assert seen == [("The pixel data is cut short.", "Ask for the image to be re-sent.", "")]


def test_unexpected_error_is_logged_and_shown_without_traceback(qtbot, radassist_home, caplog):
    seen: list = []
    _capture_next_box(seen)
    try:
        raise ZeroDivisionError("division by zero in some library")
    except ZeroDivisionError as exc:
        dialogs.show_error(None, "Cannot open x.dcm", exc)
    text, informative, details = seen[0]
    assert "unexpected" in text and "still running" in text
    assert "log file" in informative and "Traceback" not in text + informative + details
    assert "ZeroDivisionError" in caplog.text
