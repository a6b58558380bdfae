"""The AI assistant on top of the viewer: findings, overlays, the clinician's review and the audit trail.

``install_assistant(window)`` adds the docks, menus, shortcuts and status-bar widgets to a MainWindow and
follows ``window.image_loaded``: each opened image is audited (``image_opened``), analysed on a worker
(``core.analysis.Pipeline``), shown (``prediction_shown``), and reviewed through ``core.review.Review``.
Audit writes go through one ``Outbox``: a write that fails is kept, shown as "not yet saved" in the
status bar and the review panel, and retried by a timer until the store takes it.

The review panel always belongs to the image the worklist has selected: it is emptied (and every review
action with it) as soon as another file starts opening, and shows the error in place when that file
cannot be opened (the failure is logged and audited: a digest of the path and the error class).

Audit store I/O (writes, the image's history, retries) runs on one worker thread, in order; the UI thread
waits at most ``IO_WAIT_S`` for each call, so a quick store behaves as if called directly while a
database server that stops answering never freezes the window: the call finishes in the background and
its decision shows "not yet saved" meanwhile.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from radassist.gui import palette
from radassist.gui.analysis_worker import AnalysisResult, AnalysisService
from radassist.gui.findings_panel import FindingsPanel
from radassist.gui.overlay_controls import OverlayControls
from radassist.gui.review_panel import ReviewPanel, unsaved
from radassist.gui.reviewer_identity import ReviewerIdentity
from radassist.gui.workers import JobRunner

log = logging.getLogger(__name__)

#: how often pending audit records are retried
RETRY_MS = 10_000
DOCK_MIN_WIDTH = 420
#: how long the UI thread waits for one audit store call before letting it finish in the background
IO_WAIT_S = 0.15


def open_audit_store(location: str | None = None):
    """The configured store; every failure to open it is an AuditWriteError (the outbox retries)."""
    from radassist.core.audit import open_store
    from radassist.core.errors import AuditWriteError

    try:
        return open_store(location or None)
    except OSError as exc:
        raise AuditWriteError(f"The audit store cannot be opened ({exc}).",
                              hint="Check the disk and the folder's permissions.") from exc


class Assistant(QObject):
    """Owns the panels and the controllers; created by ``install_assistant``."""

    def __init__(self, window: Any, *, loader: Callable[[], Any] | None = None, outbox: Any = None,
                 retry_ms: int = RETRY_MS) -> None:
        super().__init__(window)
        from radassist.core.audit.outbox import Outbox

        self.window = window
        self.view = window.view
        # bound to the store configured now: its spooled events are never flushed into another one
        self.outbox = outbox if outbox is not None else \
            Outbox(lambda: open_audit_store(window.settings.audit_url), location=window.settings.audit_url or None)
        self.analysis = AnalysisService(self, loader or self._default_loader)
        self.io = JobRunner(self, threads=1)  # audit store I/O: one thread keeps the writes in order
        self._retry_job: Any = None
        self.image = None  # the XRayImage under review
        self.result: AnalysisResult | None = None
        self.review: Any = None
        self.audit_viewer: Any = None
        #: the worklist path of the image under review, and each path's review in this session (its state)
        self.path: Any = None
        self._reviews: dict[Any, Any] = {}

        self.findings = FindingsPanel()
        self.overlays = OverlayControls(self.view)
        self.review_panel = ReviewPanel()
        self.review_panel.should_confirm = lambda: bool(getattr(window.settings, "confirm_sign_off", True))
        self.identity = ReviewerIdentity(window, record=self.record_event)
        top = QWidget()
        lay = QVBoxLayout(top)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.findings)
        lay.addWidget(self.overlays)
        scroll = QScrollArea()  # a short screen scrolls the panel instead of clipping a warning
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(top)
        self.findings_dock = window.add_dock(scroll, self.tr("AI Findings"), Qt.DockWidgetArea.RightDockWidgetArea)
        self.findings_dock.setObjectName("dock-AI Findings")  # the saved layout does not depend on the language
        self.findings_dock.setMinimumWidth(DOCK_MIN_WIDTH)
        self.review_dock = window.add_dock(self.review_panel, self.tr("Review"), Qt.DockWidgetArea.RightDockWidgetArea)
        self.review_dock.setObjectName("dock-Review")
        window.resizeDocks([self.findings_dock, self.review_dock], [520, 400], Qt.Orientation.Vertical)

        self.pending_label = QLabel("", window)
        self.pending_label.setStyleSheet(f"{palette.ERROR_STYLE} font-weight: bold;")
        self.pending_label.setToolTip(self.tr("Audit records that could not be written yet; they are kept and retried."))
        self.pending_label.hide()
        window.add_status_widget(self.pending_label)
        window.add_status_widget(self.identity.label)
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(retry_ms)
        self.retry_timer.timeout.connect(self.retry_pending)

        self._build_menus()
        window.add_about_section(self.model_card_section)
        # the overlay toggles start as the reader left them (on by default) and are remembered
        self.overlays.act_heatmap.setChecked(window.settings.show_heatmap)
        self.overlays.act_lungs.setChecked(window.settings.show_lungs)
        self.overlays.act_heatmap.toggled.connect(lambda on: self._remember_overlay(show_heatmap=on))
        self.overlays.act_lungs.toggled.connect(lambda on: self._remember_overlay(show_lungs=on))

        window.image_loaded.connect(self.on_image_loaded)
        if hasattr(window, "image_loading"):
            window.image_loading.connect(self.on_image_loading)
        if hasattr(window, "load_failed"):
            window.load_failed.connect(self.on_load_failed)
        self.view.view_changed.connect(self._on_view_changed)
        self.analysis.loading.connect(self.findings.show_loading_model)
        self.analysis.loading.connect(lambda: window.status_message(self.tr("Loading model…"), 0))
        self.analysis.loaded.connect(self._on_models_loaded)
        self.analysis.finished.connect(self.on_analysis)
        self.analysis.failed.connect(self.on_analysis_failed)
        self.overlays.heatmap_shown.connect(self._on_heatmap_shown)
        self.overlays.exported.connect(self._on_exported)
        self.review_panel.write_failed.connect(self._on_write_failed)
        self.review_panel.changed.connect(self.update_pending)
        self.review_panel.changed.connect(self._update_worklist_state)
        self.identity.changed.connect(self._on_reviewer_changed)
        window.installEventFilter(self)
        self.update_pending()
        if self.pending_count():  # left over from an earlier session (the outbox's spool file)
            self.retry_timer.start()

    # --- building ----------------------------------------------------------------------------------
    def _default_loader(self) -> Any:
        """On the worker, with the first image: the one ``core.analysis.Pipeline`` for the window's settings."""
        from radassist.gui.analysis_worker import load_pipeline

        return load_pipeline(self.window.settings)

    def _build_menus(self) -> None:
        w = self.window
        file_menu = w.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&File")))
        quit_ = getattr(w, "act_quit", None)
        if quit_ is not None and quit_ in file_menu.actions():
            file_menu.insertAction(quit_, self.overlays.act_save)
        else:
            file_menu.addAction(self.overlays.act_save)
        view_menu = w.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&View")))
        view_menu.addSeparator()
        view_menu.addActions([self.overlays.act_heatmap, self.overlays.act_lungs])
        for act in (self.overlays.act_heatmap, self.overlays.act_lungs, self.overlays.act_save):
            w.addAction(act)
        review_menu = w.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&Review")))
        review_menu.addActions(self.review_panel.create_actions(w))
        review_menu.addSeparator()
        for name in ("act_prev", "act_next"):  # the viewer's worklist navigation, reused
            if hasattr(w, name):
                review_menu.addAction(getattr(w, name))
        self.act_audit = QAction(self.tr("&Audit Trail…"), w)
        self.act_audit.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.act_audit.setStatusTip(self.tr("Browse and verify the audit trail (the opening is recorded)"))
        self.act_audit.triggered.connect(lambda _c=False: self.show_audit_viewer())
        w.addAction(self.act_audit)
        tools = w.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&Tools")))
        tools.addSeparator()
        tools.addActions([self.act_audit, self.identity.action])
        self.act_model_card = QAction(self.tr("&Model Card…"), w)
        self.act_model_card.setStatusTip(self.tr("What the model is, how it was trained and validated, and its limits"))
        self.act_model_card.triggered.connect(lambda _c=False: self.show_model_card())
        help_menu = w.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&Help")))
        about = getattr(w, "act_about", None)
        if about is not None and about in help_menu.actions():
            help_menu.insertAction(about, self.act_model_card)
        else:
            help_menu.addAction(self.act_model_card)

    # --- images ------------------------------------------------------------------------------------
    def _drop_image(self) -> None:
        """Nothing on screen belongs to the selected item any more: no findings, layers or review actions."""
        self.image, self.result, self.review, self.path = None, None, None, None
        self.review_panel.file_name = ""
        self.analysis.cancel()
        self.overlays.clear()

    def on_image_loading(self, path: Any) -> None:
        """Another file starts opening: the review of the image still on screen ends now (no shortcut
        may reach it while the worklist already highlights another file)."""
        self._drop_image()
        self.findings.show_idle()
        self.review_panel.set_review(None, message=self.tr("Opening the selected image…"))

    def on_load_failed(self, path: Any, exc: BaseException) -> None:
        """The selected file could not be opened: say so in place, record the failure, offer no review."""
        from radassist.core.review import open_failure_event

        self._drop_image()
        self.findings.show_error(exc)
        text = getattr(exc, "message", "") or self.tr("The file could not be read.")
        self.review_panel.set_review(None, message=self.tr("<b>This image could not be opened</b>: {reason} "
                                                           "Nothing to review.").format(reason=html.escape(text)),
                                     error=True)
        self.record_event(open_failure_event(path, exc, self.identity.reviewer))

    def on_image_loaded(self, image: Any) -> None:
        """A full-resolution image is on screen: audit the opening, show its history, analyse it."""
        from radassist.core.errors import RadAssistError
        from radassist.core.review import Review, identity_of

        self.image, self.result = image, None
        self.path = getattr(self.window, "current_path", None)
        self.review_panel.file_name = getattr(self.path, "name", "") or ""
        self.overlays.clear()
        self.findings.show_analysing()
        try:  # the image's history joins it from the worker; the findings when the analysis arrives
            self.review = Review({"image": identity_of(image)}, self.identity.reviewer, self.outbox, prior=[],
                                 write=self._write, require_password=self.window.settings.sign_off_password)
        except RadAssistError as exc:
            log.warning("no review for this image: %s", exc)
            self.review = None
        self.review_panel.set_review(self.review, message=self.tr("Waiting for the AI findings…"))
        if self.review is not None:
            h, w = image.shape
            review = self.review
            self._load_history(review)
            self._audit(lambda: review.image_opened({"format": image.source.format, "rows": h, "columns": w}))
        self.analysis.analyze(image)

    def _load_history(self, review: Any) -> None:
        """Read the image's earlier decisions on the I/O worker; they join whichever review of it is shown."""
        sha = review.identity["pixel_sha256"]

        def arrived(earlier: list) -> None:
            if self.review is not None and self.review.identity["pixel_sha256"] == sha:
                self.review.add_history(earlier)
                self.review_panel.refresh()  # -> the worklist shows its state (signed off in an earlier session)

        self.io.call(review.read_history, wait_s=IO_WAIT_S, on_result=arrived, on_error=self._on_io_error)

    def _on_view_changed(self) -> None:
        """A different image (e.g. a reduced first paint) replaced ours: drop our layers and findings."""
        shown = self.view.image
        if self.image is not None and shown is not None and shown is not self.image \
                and shown.source.path != self.image.source.path:
            self.image, self.result = None, None
            self.overlays.clear()
            self.findings.show_idle()
            self.review_panel.set_review(None)
            self.analysis.cancel()

    def _on_models_loaded(self, pipeline: Any) -> None:
        engine = pipeline.engine
        try:
            text = self.tr("Model {ref} loaded on {device} ({runtime}).").format(
                ref=engine.package.card.ref, device=engine.device, runtime=engine.runtime)
        except Exception:  # noqa: BLE001 - only a status message
            text = self.tr("Model loaded.")
        self.window.status_message(text)
        if self.image is not None and self.result is None:
            self.findings.show_analysing()

    def on_analysis(self, result: AnalysisResult) -> None:
        from radassist.core.errors import RadAssistError
        from radassist.core.review import Review

        if self.image is None or result.image.pixel_sha256 != self.image.pixel_sha256:
            return
        self.result = result
        self.findings.show_result(result.analysis)  # its notes say what the pipeline lacks
        prior = self.review.decisions if self.review is not None else []
        try:
            self.review = Review(result.record, self.identity.reviewer, self.outbox, prior=prior, write=self._write,
                                 require_password=self.window.settings.sign_off_password)
        except RadAssistError as exc:
            log.warning("this analysis cannot be reviewed: %s", exc)
            self.review = None
        message = ""
        if self.review is not None and not self.review.findings:
            message = self.tr("No AI findings to review for this image; you may still sign off your reading.")
        self.review_panel.set_review(self.review, message=message)
        self._worklist_row(ai=result.record)
        if self.review is not None:
            self._audit(self.review.prediction_shown)
        self.overlays.set_analysis(result.analysis)  # a heatmap left on is "viewed" now, after the prediction
        self.window.status_message(self.tr("AI analysis in {ms} ms.").format(ms=f"{result.seconds * 1000:.0f}"))

    def on_analysis_failed(self, sha: str, exc: BaseException) -> None:
        if self.image is None or sha != self.image.pixel_sha256:
            return
        if not _is_user_error(exc):
            log.error("analysis failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.findings.show_error(exc)
        self.review_panel.set_review(self.review, message=self.tr("No AI findings: nothing to accept or correct."))

    # --- audit -------------------------------------------------------------------------------------
    def _write(self, event: Any) -> Any:
        """The reviews' write hook: ``event`` is queued and spooled at once (never lost, even at exit while
        the store hangs), then written on the I/O worker. Finished within ``IO_WAIT_S``: as if written here
        (its AuditWriteError raised); else it completes in the background, shown "not yet saved" until then."""
        self.outbox.keep(event)
        job = self.io.call(self.outbox.flush, wait_s=IO_WAIT_S, on_result=self._on_io_done,
                           on_error=self._on_io_error)
        if job.delivered and job.error is not None:
            raise job.error
        return job.value if job.delivered else None

    def _on_io_done(self, _value: Any = None) -> None:
        self.update_pending()
        self.review_panel.refresh()
        self._update_worklist_state(every=True)

    # --- the worklist's state and AI call of each image -------------------------------------------
    def _worklist_row(self, *, state: str | None = None, ai: Any = None, path: Any = None) -> None:
        from radassist.core.worklist import ai_call

        worklist, path = getattr(self.window, "worklist", None), path or self.path
        if worklist is not None and path is not None:
            worklist.set_row(path, state=state, ai=ai_call(ai) if ai is not None else None)

    def _update_worklist_state(self, every: bool = False) -> None:
        """The state (new / reviewed / signed off / not yet saved) of the image under review, from core;
        with ``every``, also of images reviewed earlier in this session whose writes were still pending."""
        from radassist.core.review import UNSAVED, review_state

        if self.review is not None and self.path is not None:
            self._reviews[self.path] = self.review
            self._worklist_row(state=review_state(self.review.decisions))
        if every:
            worklist = getattr(self.window, "worklist", None)
            for path, review in self._reviews.items():
                if path != self.path and worklist is not None and worklist.state_of(path) == UNSAVED:
                    self._worklist_row(state=review_state(review.decisions), path=path)

    def _on_io_error(self, exc: BaseException) -> None:
        from radassist.core.errors import AuditError, AuditWriteError

        if isinstance(exc, AuditWriteError):
            self._on_write_failed(exc)
        elif isinstance(exc, AuditError):
            log.warning("audit store: %s", exc.message)
        else:
            log.error("audit store call failed", exc_info=(type(exc), exc, exc.__traceback__))
        self.review_panel.refresh()

    def _audit(self, step: Callable[[], Any]) -> bool | None:
        """Run an audit step (which writes through ``_write``); a failed write is kept by the outbox and
        reported, never raised. True: saved; False: not yet saved; None: still being written."""
        from radassist.core.errors import AuditWriteError

        try:
            done = step()
        except AuditWriteError:
            return False  # reported by _on_io_error
        self.update_pending()
        return True if done is not None else None

    def record_event(self, event: Any) -> bool | None:
        """Append an event that is not part of a review (settings changed, audit viewed, export, open failed)."""
        return self._audit(lambda: self._write(event))

    def _event(self, kind: str, **fields: Any) -> Any:
        from radassist.core.audit import new_event

        return new_event(kind, user=self.identity.reviewer, **fields)

    def _remember_overlay(self, **change: bool) -> None:
        from dataclasses import replace

        self.window.update_settings(replace(self.window.settings, **change))

    def _on_heatmap_shown(self, label: str) -> None:
        if self.review is not None and label in self.review.findings:
            self._audit(lambda: self.review.heatmap_viewed(label))

    def _on_exported(self, path: Any) -> None:
        from radassist.core.audit.events import EXPORT

        ident = dict(self.review.identity) if self.review is not None else {}
        self.record_event(self._event(EXPORT, details={"what": "image_with_overlays",
                                                       "overlays": self.overlays.visible_layers()}, **ident))
        self.window.status_message(self.tr("Saved {path}").format(path=path))

    def _on_write_failed(self, exc: BaseException) -> None:
        self.update_pending()
        self.window.status_message(self.tr("Could not write to the audit trail: {reason} "
                                           "Your decision is kept and will be retried.").format(
                                               reason=getattr(exc, "message", exc)), 15_000)
        if not self.retry_timer.isActive():
            self.retry_timer.start()

    def pending_count(self) -> int:
        return len(self.outbox.pending())

    def update_pending(self) -> None:
        n = self.pending_count()
        self.pending_label.setText(self.tr("⚠ {count} audit record(s) {unsaved} — retrying").format(
            count=n, unsaved=unsaved()) if n else "")
        self.pending_label.setVisible(bool(n))

    def retry_pending(self) -> int:
        """Timer slot: write what is pending on the I/O worker; returns how many records were saved
        within ``IO_WAIT_S`` (0 when the store is still failing or slow: the retry finishes in the background)."""
        if not self.pending_count():
            self.retry_timer.stop()
            self.update_pending()
            return 0
        if self._retry_job is not None and not self._retry_job.done:
            return 0  # the last retry is still waiting for the store
        saved = [0]

        def stored(records: list) -> None:
            saved[0] = len(records)
            if not self.pending_count():
                self.retry_timer.stop()
            if records:
                self.window.status_message(self.tr("Saved {count} audit record(s) that were waiting.").format(
                    count=len(records)))
            self._on_io_done()

        def failed(exc: BaseException) -> None:
            log.info("audit retry failed: %s", getattr(exc, "message", exc))
            self.update_pending()
            self.review_panel.refresh()

        self._retry_job = self.io.call(self.outbox.flush, wait_s=IO_WAIT_S, on_result=stored, on_error=failed)
        return saved[0]

    # --- reviewer, audit viewer, model card --------------------------------------------------------
    def _on_reviewer_changed(self, name: str) -> None:
        """New decisions on the image on screen are made under the new name."""
        from radassist.core.review import Review

        if self.review is not None and self.result is not None:
            self.review = Review(self.result.record, name, self.outbox, prior=self.review.decisions,
                                 write=self._write, require_password=self.window.settings.sign_off_password)
            self.review_panel.set_review(self.review)
        self.window.status_message(self.tr("Reviewing as {name}.").format(name=name))

    def show_audit_viewer(self) -> Any:
        """Record the opening (``audit_viewed``), then show the trail."""
        from radassist.core.audit.events import AUDIT_VIEWED
        from radassist.core.errors import AuditError
        from radassist.gui import dialogs
        from radassist.gui.audit_viewer import AuditViewer

        self.record_event(self._event(AUDIT_VIEWED, details={"view": "audit viewer"}))
        try:
            store = self.outbox.store
        except AuditError as exc:
            dialogs.show_error(self.window, self.tr("Cannot open the audit trail"), exc)
            return None
        if self.audit_viewer is not None:
            self.audit_viewer.close()
        sha = self.image.pixel_sha256 if self.image is not None else ""
        self.audit_viewer = AuditViewer(store, self.window, current_sha=sha, on_export=self._on_audit_exported)
        self.audit_viewer.show()
        return self.audit_viewer

    def _on_audit_exported(self, details: dict) -> None:
        from radassist.core.audit.events import EXPORT

        self.record_event(self._event(EXPORT, details=details))

    def model_card(self) -> Any:
        """The classifier's card: the loaded one, else the configured package's (read, not loaded)."""
        pipeline = self.analysis.pipeline
        if pipeline is not None:
            return pipeline.engine.package.card
        from radassist.core.models import read_card, resolve

        return read_card(resolve(self.window.settings.model or None))

    def model_card_section(self) -> tuple[str, str]:
        from radassist.core.errors import RadAssistError

        try:
            return self.tr("Model"), model_card_text(self.model_card())
        except RadAssistError as exc:
            return self.tr("Model"), self.tr("No model is available: {reason}").format(reason=exc)

    def model_card_dir(self) -> Any:
        """The classifier package's folder: the loaded one, else the configured package's."""
        pipeline = self.analysis.pipeline
        if pipeline is not None:
            return pipeline.engine.package.root
        from radassist.core.models import resolve

        return resolve(self.window.settings.model or None)

    def show_model_card(self) -> QDialog:
        """The card as the page ``docs/models`` holds (tables, lists), scrollable and searchable."""
        from radassist.core.errors import RadAssistError
        from radassist.gui.model_card_dialog import ModelCardDialog, model_card_markdown

        try:
            page = model_card_markdown(self.model_card_dir())
        except (RadAssistError, OSError) as exc:
            page = f"No model is available: {getattr(exc, 'message', '') or exc}"
        dlg = ModelCardDialog(page, self.window)
        dlg.show()
        return dlg

    # --- lifetime ----------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        self.retry_timer.stop()
        self.analysis.shutdown()
        if self.pending_count():  # one last try, bounded: what is left stays in the spool for the next start
            self.io.call(self.outbox.flush, wait_s=2.0, on_error=lambda exc: log.warning(
                "%d audit record(s) still pending at exit (kept for the next start): %s", self.pending_count(),
                getattr(exc, "message", exc)))
        self.io.shutdown(2000)


def _is_user_error(exc: BaseException) -> bool:
    from radassist.core.errors import RadAssistError

    return isinstance(exc, RadAssistError)


def _fmt_metric(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt_metric(v)}" for k, v in value.items())
    if isinstance(value, list | tuple) and len(value) <= 4:
        return "[" + ", ".join(_fmt_metric(v) for v in value) + "]"
    return str(value)


def model_card_rows(card: Any) -> list[tuple[str, str]]:
    """The card as (field, text) rows, in the order a reader needs them."""
    rows = [(QCoreApplication.translate("ModelCard", "Model"), f"{card.id} {card.version} ({card.task})"),
            (QCoreApplication.translate("ModelCard", "Findings"), ", ".join(card.labels)),
            (QCoreApplication.translate("ModelCard", "Intended use"), card.intended_use),
            (QCoreApplication.translate("ModelCard", "Limitations"), "\n".join(f"• {x}" for x in card.limitations))]
    if card.thresholds:
        rows.append((QCoreApplication.translate("ModelCard", "Thresholds"),
                     ", ".join(f"{k} {v:.3f}" for k, v in card.thresholds.items())
                     + (f" — {card.threshold_policy}" if card.threshold_policy else "")))
    if card.metrics:
        rows.append((QCoreApplication.translate("ModelCard", "Validation"),
                     "\n".join(f"{k}: {_fmt_metric(v)}" for k, v in card.metrics.items())))
    size = card.input.get("size")
    rows.append((QCoreApplication.translate("ModelCard", "Input"),
                 f"{size[0]}×{size[1]}, {card.input.get('preprocessing', '')}" if size else ""))
    if card.base_weights:
        rows.append((QCoreApplication.translate("ModelCard", "Base weights"), str(card.base_weights.get("name", ""))))
    rows += [(QCoreApplication.translate("ModelCard", "Training command"), card.training_command),
             (QCoreApplication.translate("ModelCard", "Created"), card.created)]
    if card.parent:
        rows.append((QCoreApplication.translate("ModelCard", "Parent"), str(card.parent)))
    if card.licenses:
        rows.append((QCoreApplication.translate("ModelCard", "Licenses"), ", ".join(str(x) for x in card.licenses)))
    return [(k, v) for k, v in rows if v]


def model_card_text(card: Any) -> str:
    return "\n".join(f"{k}: {v}" for k, v in model_card_rows(card))


def install_assistant(window: Any, **options: Any) -> Assistant:
    """Add the AI findings, overlays, review and audit trail to ``window`` (a MainWindow)."""
    assistant = Assistant(window, **options)
    window.assistant = assistant
    return assistant
