"""The main window: menus, toolbar, status bar, worklist, and the extension points later panels use.

Extension points (findings panel, overlays, review, audit viewer add themselves through these):
``image_loaded`` (emitted once per opened file with the full-resolution XRayImage), ``current_image``,
``add_dock()``, ``menu()``, ``status_message()``, ``add_status_widget()``, ``add_about_section()``,
``add_busy_check()`` and ``view`` (the ImageView with named overlay layers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QStyle,
    QToolBar,
    QToolButton,
    QWidget,
)

from radassist import APP_NAME
from radassist.config import Settings, save_settings
from radassist.core.errors import RadAssistError
from radassist.gui import dialogs
from radassist.gui.about_dialog import AboutDialog, SectionProvider
from radassist.gui.annotations import window_text
from radassist.gui.image_view import ImageView
from radassist.gui.workers import Job, JobRunner
from radassist.gui.worklist import ScanResult, Worklist, scan_paths

if TYPE_CHECKING:  # numpy (via core.image) loads with the first image, not at start-up
    from radassist.core.display import WindowPreset
    from radassist.core.image import XRayImage

log = logging.getLogger(__name__)

#: the size before the first show; a window still this size on its first start opens maximised
DEFAULT_SIZE = (1280, 860)
LAYOUT_FILE = "window-layout.ini"


def layout_settings() -> QSettings:
    """Window geometry and dock layout (Qt's own blobs), in an ini file beside settings.json."""
    from radassist.config import app_paths

    return QSettings(str(app_paths().config_dir / LAYOUT_FILE), QSettings.Format.IniFormat)


OPEN_FILTER = str(QT_TRANSLATE_NOOP("MainWindow",
                                     "Images (*.dcm *.dicom *.DCM *.png *.jpg *.jpeg *.PNG *.JPG *.JPEG);;All files (*)"))
#: the first paint of a JPEG 2000 decodes every 4th pixel (two resolution levels fewer)
FIRST_PAINT_REDUCTION = 4


def load_progressively(report: Callable[[Any], None], cancelled: Callable[[], bool], path: Path) -> XRayImage:
    """Worker body: a reduced-resolution first paint where the codec allows it, then full resolution."""
    from radassist.core.image import load_image

    first = load_image(path, reduced=FIRST_PAINT_REDUCTION)
    if first.downscale == 1 or cancelled():
        return first
    report(first)
    return load_image(path)


class MainWindow(QMainWindow):
    #: the full-resolution XRayImage, once per opened file
    image_loaded = Signal(object)
    #: (path, exception) when opening failed: the view is empty (a file opened alone also gets a dialog)
    load_failed = Signal(object, object)
    #: a file starts opening (path): from now on what is on screen is not the selected item
    image_loading = Signal(object)
    #: a folder/file-set scan finished: ScanResult
    worklist_scanned = Signal(object)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.jobs = JobRunner(self)
        self.view = ImageView(self)
        self.view.setObjectName("image-view")
        self.setCentralWidget(self.view)
        self._current_image: XRayImage | None = None
        self._current_path: Path | None = None
        self._loading_path: Path | None = None
        self._load_started = 0.0
        self._load_gen = 0
        self._scan_gen = 0
        self._load_job: Job | None = None
        self._scan_job: Job | None = None
        self._open_first_scanned = False
        self._scanning = False
        self._menus: dict[str, QMenu] = {}
        self._about_sections: list[SectionProvider] = []
        self._busy_checks: list[Callable[[], bool]] = []
        self.tag_browser = None
        self._window_presets: tuple[WindowPreset, ...] | None = None  # read on first use (core loads numpy)
        self._build_worklist()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.view.window_changed.connect(self._update_window_label)
        self.view.view_changed.connect(self._update_zoom_label)
        self.view.pixel_hovered.connect(self._update_pixel_label)
        self._update_actions()
        self.resize(*DEFAULT_SIZE)
        self._layout_restored = False

    # --- extension points --------------------------------------------------------------------------
    @property
    def current_image(self) -> XRayImage | None:
        """The full-resolution image on screen (None while nothing is open or a file is loading)."""
        return self._current_image

    @property
    def current_path(self) -> Path | None:
        return self._current_path

    def add_dock(self, widget: QWidget, title: str,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setAccessibleName(title.replace("&", ""))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        dock.show()
        self.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&View"))).addAction(dock.toggleViewAction())
        return dock

    def menu(self, name: str) -> QMenu:
        """The menu called ``name`` — the English source text ("&File", "&Tools", ...), marked with
        ``QT_TRANSLATE_NOOP("MainWindow", ...)`` by callers — created before Help when it does not exist.
        Menus are found by that source text, so a translated title never creates a second menu."""
        key = name.replace("&", "").lower()
        if key not in self._menus:
            help_menu = self._menus.get("help")
            title = QCoreApplication.translate("MainWindow", name if "&" in name else f"&{name}")
            menu = QMenu(title, self)
            if help_menu is not None:
                self.menuBar().insertMenu(help_menu.menuAction(), menu)
            else:
                self.menuBar().addMenu(menu)
            self._menus[key] = menu
        return self._menus[key]

    def status_message(self, text: str, timeout_ms: int = 6000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def add_status_widget(self, widget: QWidget) -> None:
        self.statusBar().addPermanentWidget(widget)

    def add_about_section(self, provider: SectionProvider) -> None:
        """``provider() -> (title, text)`` adds a section to the About box (e.g. the model card)."""
        self._about_sections.append(provider)

    # --- building ----------------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable, shortcut: str | QKeySequence | list | None = None,
                tip: str = "", icon: QStyle.StandardPixmap | None = None, checkable: bool = False) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(f"{tip} ({act.shortcut().toString()})" if act.shortcut().toString() else tip)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        act.setCheckable(checkable)
        if checkable:
            act.toggled.connect(slot)
        else:
            act.triggered.connect(lambda _checked=False: slot())
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(act)  # shortcuts work even when the toolbar is hidden
        return act

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        a = self._action
        self.act_open = a(self.tr("&Open…"), self.choose_files, QKeySequence.StandardKey.Open, self.tr("Open image files"),
                          sp.SP_DialogOpenButton)
        self.act_open_folder = a(self.tr("Open &Folder…"), self.choose_folder, "Ctrl+Shift+O",
                                 self.tr("Open a folder as a worklist"), sp.SP_DirOpenIcon)
        self.act_export = a(self.tr("&Export View as PNG…"), self.choose_export, "Ctrl+E",
                            self.tr("Save the image as shown, with visible overlays"))
        self.act_quit = a(self.tr("&Quit"), self.close, "Ctrl+Q", self.tr("Quit RadAssist"))
        self.act_fit = a(self.tr("&Fit to Window"), self.view.fit_to_window, "F", self.tr("Fit the image to the window"))
        self.act_one = a(self.tr("&1:1 (Actual Pixels)"), self.view.one_to_one, "1", self.tr("One image pixel per screen pixel"))
        self.act_zoom_in = a(self.tr("Zoom &In"), lambda: self.view.zoom_by(1.25), ["+", "="], self.tr("Zoom in"))
        self.act_zoom_out = a(self.tr("Zoom &Out"), lambda: self.view.zoom_by(0.8), "-", self.tr("Zoom out"))
        self.act_rotate = a(self.tr("&Rotate 90° Clockwise"), lambda: self.view.rotate(90), "R", self.tr("Rotate for display"))
        self.act_rotate_ccw = a(self.tr("Rotate 90° C&ounterclockwise"), lambda: self.view.rotate(-90), "Shift+R",
                                self.tr("Rotate for display"))
        self.act_flip_h = a(self.tr("Flip &Horizontal"), self.view.flip_horizontal, "H", self.tr("Mirror left-right for display"))
        self.act_flip_v = a(self.tr("Flip &Vertical"), self.view.flip_vertical, "V", self.tr("Mirror top-bottom for display"))
        self.act_reset_orientation = a(self.tr("Reset Orientation"), self.view.reset_orientation, "Ctrl+R",
                                       self.tr("Undo rotations and flips"))
        self.act_invert = a(self.tr("&Invert"), self.view.set_invert, "I", self.tr("Invert grey levels"), checkable=True)
        self.act_reset_wl = a(self.tr("&Reset Window/Level"), self.reset_window, "Esc",
                              self.tr("Back to the file's window (Esc)"), sp.SP_BrowserReload)
        self.act_edit_presets = a(self.tr("&Edit Named Presets…"), self.edit_presets, None,
                                  self.tr("Name, centre and width of the lung, mediastinum, bone … presets"))
        self.act_annotations = a(self.tr("Corner &Annotations"), self.view.set_annotations_visible, "Ctrl+I",
                                 self.tr("Show patient, study and display information in the corners"), checkable=True)
        self.act_annotations.setChecked(True)
        self.act_tags = a(self.tr("DICOM &Tags…"), self.show_tags, "Ctrl+T", self.tr("Browse and search the DICOM header"))
        self.act_prev = a(self.tr("&Previous Image"), lambda: self.step_worklist(-1), ["PgUp", "Left"],
                          self.tr("Previous image in the worklist"))
        self.act_next = a(self.tr("&Next Image"), lambda: self.step_worklist(1), ["PgDown", "Right"],
                          self.tr("Next image in the worklist"))
        self.act_help = a(self.tr("&Keyboard Shortcuts"), self.show_shortcuts, QKeySequence.StandardKey.HelpContents,
                          self.tr("Mouse and keyboard reference (F1)"))
        self.act_about = a(self.tr("&About {app}").format(app=APP_NAME), self.show_about, None,
                            self.tr("Version and intended use"))

    def _build_menus(self) -> None:
        file_menu = self.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&File")))
        file_menu.addActions([self.act_open, self.act_open_folder])
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        view_menu = self.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&View")))
        view_menu.addActions([self.act_fit, self.act_one, self.act_zoom_in, self.act_zoom_out])
        view_menu.addSeparator()
        view_menu.addActions([self.act_rotate, self.act_rotate_ccw, self.act_flip_h, self.act_flip_v,
                              self.act_reset_orientation])
        view_menu.addSeparator()
        self.presets_menu = view_menu.addMenu(self.tr("Window &Presets"))
        self.presets_menu.addAction(self.act_edit_presets)
        view_menu.addActions([self.act_reset_wl, self.act_invert])
        view_menu.addSeparator()
        view_menu.addActions([self.act_annotations, self.worklist_dock.toggleViewAction()])
        view_menu.addSeparator()
        view_menu.addActions([self.act_prev, self.act_next])
        self.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&Tools"))).addAction(self.act_tags)
        help_menu = self.menu(str(QT_TRANSLATE_NOOP("MainWindow", "&Help")))
        help_menu.addActions([self.act_help, self.act_about])
        self._refresh_recent_menu()

    def _build_toolbar(self) -> None:
        tb = QToolBar(self.tr("Main toolbar"), self)
        tb.setObjectName("main-toolbar")
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.act_open, self.act_open_folder])
        tb.addSeparator()
        tb.addActions([self.act_prev, self.act_next])
        tb.addSeparator()
        for act, short in ((self.act_fit, self.tr("Fit")), (self.act_one, self.tr("1:1")),
                           (self.act_rotate, self.tr("Rotate")), (self.act_flip_h, self.tr("Flip H")),
                           (self.act_flip_v, self.tr("Flip V")), (self.act_invert, self.tr("Invert"))):
            act.setIconText(short)
            tb.addAction(act)
        tb.addSeparator()
        presets = QToolButton(tb)
        presets.setText(self.tr("W/L presets"))
        presets.setToolTip(self.tr("Window/level presets (right-drag on the image: horizontal width, vertical level)"))
        presets.setAccessibleName(self.tr("Window/level presets"))
        presets.setMenu(self.presets_menu)
        presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        tb.addWidget(presets)
        tb.addAction(self.act_reset_wl)
        tb.addSeparator()
        self.act_reset_wl.setIconText(self.tr("Reset W/L"))
        self.act_tags.setIconText(self.tr("Tags"))
        self.act_prev.setIconText(self.tr("◀ Previous"))
        self.act_next.setIconText(self.tr("Next ▶"))
        tb.addAction(self.act_tags)
        self.toolbar = tb
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # indeterminate: decoding has no progress to report
        self.busy.setMaximumWidth(110)
        self.busy.setMaximumHeight(14)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.busy.setAccessibleName(self.tr("Opening or listing files"))
        self.pixel_label = QLabel("", self)
        self.wl_label = QLabel("", self)
        self.zoom_label = QLabel("", self)
        for w in (self.busy, self.pixel_label, self.wl_label, self.zoom_label):
            sb.addPermanentWidget(w)
        sb.showMessage(self.tr("Ready. Open an image (Ctrl+O) or a folder (Ctrl+Shift+O), or drop one here."))

    def _build_worklist(self) -> None:
        self.worklist = Worklist(self)
        self.worklist.open_requested.connect(self._open_from_worklist)
        self.worklist_dock = QDockWidget(self.tr("Worklist"), self)
        self.worklist_dock.setAccessibleName(self.tr("Worklist"))
        self.worklist_dock.setObjectName("dock-worklist")
        self.worklist_dock.setWidget(self.worklist)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.worklist_dock)
        self.worklist_dock.hide()

    # --- opening -----------------------------------------------------------------------------------
    def choose_files(self) -> None:
        start = str(Path(self.settings.recent_files[0]).parent) if self.settings.recent_files else ""
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Open images"), start, self.tr(OPEN_FILTER))
        if files:
            self.open_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open folder as worklist"))
        if folder:
            self.open_folder(Path(folder))

    def open_paths(self, paths: list[Path]) -> None:
        """One file opens; a folder or several files become a worklist whose first image opens."""
        paths = [Path(p) for p in paths]
        if len(paths) == 1 and not paths[0].is_dir():
            self.open_path(paths[0])
        elif len(paths) == 1:
            self.open_folder(paths[0])
        elif paths:
            self._scan(paths, self.tr("{count} files").format(count=len(paths)))

    def open_folder(self, folder: Path) -> None:
        folder = Path(folder)
        self._remember(folder)
        self._scan([folder], str(folder))

    def _scan(self, paths: list[Path], title: str) -> None:
        self._scan_gen += 1
        for job in (self._scan_job, self._load_job):  # a new worklist replaces the old one
            if job is not None:
                job.cancel()
        self.worklist.clear(self.tr("Scanning {title}…").format(title=title))
        self.worklist_dock.show()
        self._open_first_scanned = True
        self._scanning = True
        self._refresh_busy()
        self._scan_job = self.jobs.submit(scan_paths, paths, tag=(self._scan_gen, title),
                                          on_progress=self._on_scan_batch, on_result=self._on_scan_done,
                                          on_error=self._on_scan_error)

    def _on_scan_batch(self, tag: tuple, entries: list) -> None:
        if tag[0] != self._scan_gen:
            return
        self.worklist.add_entries(entries)
        self.worklist.summary.setText(self.tr("Scanning {title}… {count} images").format(title=tag[1],
                                                                                      count=self.worklist.count()))
        if self._open_first_scanned and entries:
            self._open_first_scanned = False
            self.open_path(entries[0].path, from_worklist=True)

    def _on_scan_done(self, tag: tuple, result: ScanResult) -> None:
        if tag[0] != self._scan_gen:
            return
        self._scanning = False
        self._refresh_busy()
        text = self.tr("{count} images in {title}").format(count=result.listed, title=tag[1])
        if result.skipped:
            text += self.tr(" ({count} other files skipped)").format(count=result.skipped)
        if result.truncated:
            text += self.tr(" — stopped listing: too many files; open a smaller folder")
        self.worklist.summary.setText(text)
        self.status_message(self.tr("Listed {count} images in {seconds} s").format(count=result.listed,
                                                                                  seconds=f"{result.seconds:.2f}"))
        self.worklist_scanned.emit(result)

    def _on_scan_error(self, tag: tuple, exc: BaseException) -> None:
        if tag[0] == self._scan_gen:
            self._scanning = False
            self._refresh_busy()
            self.worklist.summary.setText(self.tr("Scanning failed."))
            dialogs.show_error(self, self.tr("Cannot list the folder"), exc)

    def open_path(self, path: Path, *, from_worklist: bool = False) -> None:
        """Decode on a worker; the first paint may be reduced (JPEG 2000), full resolution follows."""
        path = Path(path)
        if path.is_dir():
            self.open_folder(path)
            return
        self._load_gen += 1
        self._loading_path = path
        self._load_started = time.perf_counter()
        self._current_image = None
        self.status_message(self.tr("Opening {file}…").format(file=path.name), 0)
        if not from_worklist and path not in self.worklist.paths():
            self._scan_gen += 1  # a single file replaces the worklist
            if self._scan_job is not None:
                self._scan_job.cancel()
            self._scanning = False
            self.worklist.clear()
            self.worklist_dock.hide()
        if self._load_job is not None:
            self._load_job.cancel()  # paging quickly: only the last image asked for is decoded in full
        self._load_job = self.jobs.submit(load_progressively, path, tag=(self._load_gen, path, from_worklist),
                                          on_progress=self._on_preview, on_result=self._on_loaded,
                                          on_error=self._on_load_error)
        self._refresh_busy()
        self.image_loading.emit(path)

    def _open_from_worklist(self, path: Path) -> None:
        self.open_path(path, from_worklist=True)

    def _on_preview(self, tag: tuple, image: XRayImage) -> None:
        if tag[0] != self._load_gen:
            return
        self.view.set_image(image)
        self._after_new_image(tag[1], image)
        ms = (time.perf_counter() - self._load_started) * 1000
        self.status_message(self.tr("{file}: preview in {ms} ms, decoding full resolution…").format(
            file=tag[1].name, ms=f"{ms:.0f}"), 0)

    def _on_loaded(self, tag: tuple, image: XRayImage) -> None:
        if tag[0] != self._load_gen:
            return
        replacing_preview = (self.view.image is not None and self.view.image.downscale > 1
                             and self._current_path == tag[1])
        self.view.set_image(image, keep_view=replacing_preview)
        self._after_new_image(tag[1], image)
        self._current_image = image
        self._loading_path = None
        self._refresh_busy()
        ms = (time.perf_counter() - self._load_started) * 1000
        h, w = image.shape
        self.status_message(self.tr("Opened {file} ({w} × {h}) in {ms} ms").format(file=tag[1].name, w=w, h=h,
                                                                                  ms=f"{ms:.0f}"))
        from radassist.core.image.failures import path_digest

        log.info("opened %s (%dx%d, sha256 %s…) in %.0f ms", path_digest(tag[1]), w, h, image.pixel_sha256[:12], ms)
        self._remember(tag[1])
        self.worklist.select_path(tag[1])
        self.image_loaded.emit(image)

    def _on_load_error(self, tag: tuple, exc: BaseException) -> None:
        if tag[0] != self._load_gen:
            return
        self._loading_path = None
        self._refresh_busy()
        # never leave the previous image on screen while the worklist highlights the file that failed
        self.view.clear()
        self._current_image, self._current_path = None, None
        self.setWindowTitle(self.tr("{file} could not be opened — {app}").format(file=tag[1].name, app=APP_NAME))
        self._update_actions()
        self._update_window_label(None)
        self._update_zoom_label()
        self.worklist.select_path(tag[1])
        self.status_message(self.tr("Could not open {file}: {reason}").format(
            file=tag[1].name, reason=getattr(exc, "message", "") or type(exc).__name__), 0)
        from radassist.core.image.failures import path_digest

        # file names carry patient names: the log gets a hash of the path, and the dialog title (which
        # show_error logs for unexpected errors) names the file only for errors it does not log
        log.warning("could not open file %s: %s", path_digest(tag[1]), getattr(exc, "code", type(exc).__name__))
        self.load_failed.emit(tag[1], exc)
        if len(tag) > 2 and tag[2]:  # paging a worklist: the error is shown in place, no dialog to dismiss
            if not isinstance(exc, RadAssistError):
                log.error("unexpected error opening a worklist item", exc_info=(type(exc), exc, exc.__traceback__))
            return
        title = (self.tr("Cannot open {file}").format(file=tag[1].name) if isinstance(exc, RadAssistError)
                 else self.tr("Cannot open the image"))
        dialogs.show_error(self, title, exc)

    def _after_new_image(self, path: Path, image: XRayImage) -> None:
        self._current_path = path
        self.setWindowTitle(f"{path.name} — {APP_NAME}")
        self.act_invert.blockSignals(True)
        self.act_invert.setChecked(self.view.invert)
        self.act_invert.blockSignals(False)
        self._rebuild_presets(image)
        self._update_actions()

    def _refresh_busy(self) -> None:
        """The status-bar spinner runs while a file decodes or a folder is being listed."""
        self.busy.setVisible(self._loading_path is not None or self._scanning)

    @property
    def is_busy(self) -> bool:
        """Work in flight: the window's own jobs or any added busy check (e.g. an analysis running)."""
        return self.jobs.active > 0 or any(check() for check in self._busy_checks)

    def add_busy_check(self, check: Callable[[], bool]) -> None:
        """``check() -> True`` while a panel is still working; screenshots and benchmarks wait for it."""
        self._busy_checks.append(check)

    # --- recent files ------------------------------------------------------------------------------
    def _remember(self, path: Path) -> None:
        self.update_settings(self.settings.with_recent(str(Path(path).resolve())))
        self._refresh_recent_menu()

    def update_settings(self, settings: Settings) -> bool:
        """Use ``settings`` now and save them for next time; False (logged) when they could not be saved."""
        self.settings = settings
        try:
            save_settings(settings)
        except OSError as exc:  # a read-only home must not stop the viewer
            log.warning("could not save settings: %s", exc)
            return False
        return True

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for i, p in enumerate(self.settings.recent_files):
            act = self.recent_menu.addAction(f"&{i + 1 if i < 9 else 0}  {p}" if i < 10 else p)
            act.triggered.connect(lambda _c=False, path=p: self._open_recent(path))
        self.recent_menu.setEnabled(bool(self.settings.recent_files))

    def _open_recent(self, path: str) -> None:
        p = Path(path)
        if not p.exists():
            dialogs.show_warning(self, self.tr("File not found"), self.tr("{path} no longer exists.").format(path=p),
                                 self.tr("It may have been moved, renamed or be on a drive that is not connected."))
            return
        self.open_paths([p])

    # --- worklist navigation -----------------------------------------------------------------------
    def step_worklist(self, step: int) -> None:
        if not self.worklist.select_relative(step):
            self.status_message(self.tr("No more images in this direction.") if self.worklist.count()
                                else self.tr("Open a folder to step through its images."))

    # --- window/level ------------------------------------------------------------------------------
    def reset_window(self) -> None:
        self.view.reset_window()
        self.status_message(self.tr("Window/level reset to the file's default."))

    def _rebuild_presets(self, image: XRayImage) -> None:
        """The presets menu, in this order: the file's default, its own windows and VOI LUTs (with their
        explanations), the named presets (``core.display.named_windows`` on this image), full range, then
        contrast steps. The first nine are on Ctrl+1 … Ctrl+9."""
        from radassist.core.display import default_window, full_range_window, named_windows
        from radassist.core.image import Window

        menu = self.presets_menu
        menu.clear()
        presets: list[tuple[str, str, Callable[[], None]]] = [
            (self.tr("Default (from the file)"), self.tr("The file's first window or VOI LUT (Esc)"),
             self.view.reset_window)]
        wl = self.tr("{label}: W {width} / L {level}")
        for i, w in enumerate(image.display.windows):
            label = w.explanation or self.tr("File window {n}").format(n=i + 1)
            presets.append((wl.format(label=label, width=f"{w.width:g}", level=f"{w.center:g}"),
                            self.tr("A window the file gives"), lambda w=w: self.view.set_window(w)))
        for i, lut in enumerate(image.display.voi_luts):
            presets.append((self.tr("VOI LUT {n}").format(n=i + 1) + (f": {lut.explanation}" if lut.explanation else ""),
                            self.tr("A VOI LUT the file gives"), lambda i=i: self.view.set_voi_lut(i)))
        for p, w in zip(self.window_presets, named_windows(image, self.window_presets), strict=True):
            lo, hi = max(p.center - p.width / 2, 0.0), min(p.center + p.width / 2, 100.0)
            presets.append((wl.format(label=p.name, width=f"{w.width:g}", level=f"{w.center:g}"),
                            self.tr("{name}: this image's {lo}–{hi} % brightness range (View ▸ Window Presets ▸ "
                                    "Edit Named Presets)").format(name=p.name, lo=f"{lo:g}", hi=f"{hi:g}"),
                            lambda w=w: self.view.set_window(w)))
        full = full_range_window(image.display.pixel_min, image.display.pixel_max)
        presets.append((self.tr("Full range"), self.tr("Darkest to brightest pixel"),
                        lambda: self.view.set_window(full)))
        default = default_window(image)
        narrow = Window(default.center, max(default.width / 2, 1.0), "Higher contrast")
        wide = Window(default.center, default.width * 2, "Lower contrast")
        presets.append((self.tr("Higher contrast (½ width)"), self.tr("The default window, half as wide"),
                        lambda: self.view.set_window(narrow)))
        presets.append((self.tr("Lower contrast (2× width)"), self.tr("The default window, twice as wide"),
                        lambda: self.view.set_window(wide)))
        for i, (label, tip, apply) in enumerate(presets):
            act = menu.addAction(label)
            act.setStatusTip(tip)
            if i < 9:
                act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _c=False, apply=apply: apply())
        menu.addSeparator()
        menu.addAction(self.act_edit_presets)

    @property
    def window_presets(self) -> tuple[WindowPreset, ...]:
        """The named presets: the user's (saved beside settings.json), else the defaults."""
        if self._window_presets is None:
            from radassist.gui.presets_dialog import load_window_presets

            self._window_presets = load_window_presets()
        return self._window_presets

    def set_window_presets(self, presets: tuple[WindowPreset, ...]) -> bool:
        """Use and save ``presets``; False (logged, said in the status bar) when they could not be saved."""
        from radassist.gui.presets_dialog import save_window_presets

        self._window_presets = tuple(presets)
        if self.view.image is not None:
            self._rebuild_presets(self.view.image)
        try:
            save_window_presets(self._window_presets)
        except OSError as exc:
            log.warning("could not save the window presets: %s", exc)
            self.status_message(self.tr("Window presets changed for this session; they could not be saved."))
            return False
        self.status_message(self.tr("Window presets saved."))
        return True

    def edit_presets(self) -> QDialog:
        """The named presets as an editable table (window-modal; OK uses and saves them)."""
        from radassist.gui.presets_dialog import PresetsDialog

        dlg = PresetsDialog(self.window_presets, self)
        dlg.accepted.connect(lambda: self.set_window_presets(dlg.presets()))
        dlg.open()
        return dlg

    def _update_window_label(self, _window: object) -> None:
        self.wl_label.setText(window_text(self.view.effective_window, self.view.invert)
                              if self.view.image is not None else "")

    def _update_zoom_label(self) -> None:
        self.zoom_label.setText(self.tr("Zoom {percent}%").format(percent=f"{self.view.zoom * 100:.0f}")
                                if self.view.image is not None else "")

    def _update_pixel_label(self, info: tuple | None) -> None:
        self.pixel_label.setText("" if info is None else self.tr("x {x}  y {y}  value {value}").format(
            x=info[0], y=info[1], value=f"{info[2]:g}"))

    def _update_actions(self) -> None:
        has = self.view.image is not None
        for act in (self.act_fit, self.act_one, self.act_zoom_in, self.act_zoom_out, self.act_rotate,
                    self.act_rotate_ccw, self.act_flip_h, self.act_flip_v, self.act_reset_orientation,
                    self.act_invert, self.act_reset_wl, self.act_export):
            act.setEnabled(has)
        self.act_tags.setEnabled(has and self.view.image.source.format == "DICOM")
        self.presets_menu.setEnabled(has)

    # --- dialogs -----------------------------------------------------------------------------------
    def show_tags(self) -> None:
        if self._current_path is None:
            self.status_message(self.tr("Open an image first."))
            return
        from radassist.core.image import read_tags
        from radassist.gui.tag_browser import TagBrowser

        try:
            rows = read_tags(self._current_path)
        except Exception as exc:  # noqa: BLE001 - RadAssistError explained, anything else logged generically
            dialogs.show_error(self, self.tr("Cannot read the DICOM header"), exc)
            return
        if self.tag_browser is not None:
            self.tag_browser.close()
        self.tag_browser = TagBrowser(rows, self._current_path.name, self)
        self.tag_browser.show()

    def choose_export(self) -> None:
        if self.view.image is None:
            return
        default = str(Path.home() / f"{(self._current_path or Path('image')).stem}.png")
        out, _ = QFileDialog.getSaveFileName(self, self.tr("Export view as PNG"), default, self.tr("PNG image (*.png)"))
        if out:
            try:
                self.view.export_png(out)
                self.status_message(self.tr("Saved {path}").format(path=out))
            except Exception as exc:  # noqa: BLE001
                dialogs.show_error(self, self.tr("Cannot export the image"), exc)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        rows = [(act.text().replace("&", "").rstrip("…"),
                 ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in act.shortcuts()))
                for act in self.actions() if act.shortcuts()]
        presets = [(self.tr("Window preset: {name}").format(name=act.text()),
                    act.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                   for act in self.presets_menu.actions() if not act.shortcut().isEmpty()]
        rows += presets or [(self.tr("Window/level presets: the file's own windows, then {names}, then full range")
                             .format(names=", ".join(p.name for p in self.window_presets)),
                             self.tr("Ctrl+1 … Ctrl+9 (listed here once an image is open)"))]
        rows += [(self.tr("Zoom around the cursor"), self.tr("Mouse wheel, or middle-drag up/down")),
                 (self.tr("Pan"), self.tr("Left-drag")),
                 (self.tr("Window (width) / level"), self.tr("Right-drag: horizontal / vertical")),
                 (self.tr("Fit to window"), self.tr("Double-click")),
                 (self.tr("Move between the image, the worklist and the panels"), self.tr("Tab, Shift+Tab"))]
        return rows

    def show_shortcuts(self) -> None:
        import html

        rows = "".join(f"<tr><td>{html.escape(what)}</td><td><b>{html.escape(keys)}</b></td></tr>"
                       for what, keys in self.shortcut_rows())
        dialogs.show_info(self, self.tr("Keyboard and mouse"), f"<table cellspacing='6'>{rows}</table>")

    def show_about(self) -> None:
        AboutDialog(self, self._about_sections).exec()

    # --- drag and drop -----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def showEvent(self, event: QShowEvent) -> None:
        # the first show, once every panel has added its dock: the reader's last layout, else maximised
        if not self._layout_restored:
            self._layout_restored = True
            self.restore_layout()
        super().showEvent(event)

    def restore_layout(self) -> bool:
        """Geometry and docks as the reader left them; True when a saved layout was used."""
        store = layout_settings()
        geometry, state = store.value("geometry"), store.value("state")
        restored = False
        try:
            if geometry is not None:
                restored = bool(self.restoreGeometry(geometry))
            if state is not None:
                self.restoreState(state)
        except (TypeError, ValueError) as exc:  # a hand-edited or foreign file: start afresh
            log.warning("ignoring the saved window layout: %s", exc)
        if not restored and (self.width(), self.height()) == DEFAULT_SIZE:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        return restored

    def save_layout(self) -> None:
        store = layout_settings()
        store.setValue("geometry", self.saveGeometry())
        store.setValue("state", self.saveState())
        store.sync()
        if store.status() != QSettings.Status.NoError:
            log.warning("could not save the window layout (%s)", store.status())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.jobs.shutdown()
        if self.tag_browser is not None:
            self.tag_browser.close()
        super().closeEvent(event)

    def set_icon(self, icon: QIcon) -> None:
        self.setWindowIcon(icon)
