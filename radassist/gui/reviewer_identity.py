"""Who is reviewing: the OS login by default, or a display name from the settings, shown in the status bar.

Changing the name is saved to the settings file and recorded as a ``settings_changed`` audit event
(made by the OS login, with the old and the new name), so the trail shows who was who and since when.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel, QWidget

log = logging.getLogger(__name__)


class ReviewerIdentity(QObject):
    """Keeps ``window.settings.display_name`` and the status-bar label in step."""

    #: the reviewer name now in force
    changed = Signal(str)

    def __init__(self, window: Any, record: Callable[[Any], None] | None = None) -> None:
        """``record(event)`` appends an audit event (the assistant's outbox, which reports failures)."""
        super().__init__(window)
        self.window = window
        self._record = record
        self.label = QLabel(self.status_text(), window)
        self.label.setToolTip(self.tr("The name written to the audit trail with every decision "
                                      "(Tools ▸ Reviewer Name…)"))
        self.label.setAccessibleName(self.tr("Reviewer"))
        self.action = QAction(self.tr("Reviewer &Name…"), window)
        self.action.setStatusTip(self.tr("Set the name recorded with your review decisions"))
        self.action.triggered.connect(lambda _c=False: self.choose_name())

    @property
    def reviewer(self) -> str:
        return self.window.settings.reviewer

    def status_text(self) -> str:
        return self.tr("Reviewer: {name}").format(name=self.reviewer)

    def choose_name(self) -> None:
        from radassist.config import os_user

        parent: QWidget = self.window
        name, ok = QInputDialog.getText(
            parent, self.tr("Reviewer name"),
            self.tr("Name recorded with your decisions (empty = your login, {login}):").format(login=os_user()),
            text=self.window.settings.display_name)
        if ok:
            self.set_display_name(name)

    def set_display_name(self, name: str) -> bool:
        """Save a new display name (empty = the OS login) and audit the change; False when unchanged."""
        from radassist.config import os_user
        from radassist.core.audit import new_event
        from radassist.core.audit.events import SETTINGS_CHANGED

        name = " ".join(name.split())
        old = self.window.settings.display_name
        if name == old:
            return False
        before = self.reviewer
        if not self.window.update_settings(replace(self.window.settings, display_name=name)):
            self.window.status_message(self.tr("The name is used now but could not be saved for next time."))
        if self._record is not None:  # made by the OS login, whatever name it was using
            self._record(new_event(SETTINGS_CHANGED, user=os_user(), previous={"display_name": old, "reviewer": before},
                                   details={"setting": "display_name", "display_name": name,
                                            "reviewer": self.reviewer}))
        self.label.setText(self.status_text())
        log.info("reviewer display name changed")
        self.changed.emit(self.reviewer)
        return True
