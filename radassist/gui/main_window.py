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

from PySide6.QtCore import QSettings, QSize, Qt, Signal
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


OPEN_FILTER = "Images (*.dcm *.dicom *.DCM *.png *.jpg *.jpeg *.PNG *.JPG *.JPEG);;All files (*)"
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
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        dock.show()
        self.menu("&View").addAction(dock.toggleViewAction())
        return dock

    def menu(self, name: str) -> QMenu:
        """The menu called ``name`` ("&File", "Tools", ...), created before Help when it does not exist."""
        key = name.replace("&", "").lower()
        if key not in self._menus:
            help_menu = self._menus.get("help")
            menu = QMenu(name if "&" in name else f"&{name}", self)
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
        self.act_open = a("&Open…", self.choose_files, QKeySequence.StandardKey.Open, "Open image files",
                          sp.SP_DialogOpenButton)
        self.act_open_folder = a("Open &Folder…", self.choose_folder, "Ctrl+Shift+O",
                                 "Open a folder as a worklist", sp.SP_DirOpenIcon)
        self.act_export = a("&Export View as PNG…", self.choose_export, "Ctrl+E",
                            "Save the image as shown, with visible overlays")
        self.act_quit = a("&Quit", self.close, "Ctrl+Q", "Quit RadAssist")
        self.act_fit = a("&Fit to Window", self.view.fit_to_window, "F", "Fit the image to the window")
        self.act_one = a("&1:1 (Actual Pixels)", self.view.one_to_one, "1", "One image pixel per screen pixel")
        self.act_zoom_in = a("Zoom &In", lambda: self.view.zoom_by(1.25), ["+", "="], "Zoom in")
        self.act_zoom_out = a("Zoom &Out", lambda: self.view.zoom_by(0.8), "-", "Zoom out")
        self.act_rotate = a("&Rotate 90° Clockwise", lambda: self.view.rotate(90), "R", "Rotate for display")
        self.act_rotate_ccw = a("Rotate 90° C&ounterclockwise", lambda: self.view.rotate(-90), "Shift+R",
                                "Rotate for display")
        self.act_flip_h = a("Flip &Horizontal", self.view.flip_horizontal, "H", "Mirror left-right for display")
        self.act_flip_v = a("Flip &Vertical", self.view.flip_vertical, "V", "Mirror top-bottom for display")
        self.act_reset_orientation = a("Reset Orientation", self.view.reset_orientation, "Ctrl+R",
                                       "Undo rotations and flips")
        self.act_invert = a("&Invert", self.view.set_invert, "I", "Invert grey levels", checkable=True)
        self.act_reset_wl = a("&Reset Window/Level", self.reset_window, "Esc",
                              "Back to the file's window (Esc)", sp.SP_BrowserReload)
        self.act_edit_presets = a("&Edit Named Presets…", self.edit_presets, None,
                                  "Name, centre and width of the lung, mediastinum, bone … presets")
        self.act_annotations = a("Corner &Annotations", self.view.set_annotations_visible, "Ctrl+I",
                                 "Show patient, study and display information in the corners", checkable=True)
        self.act_annotations.setChecked(True)
        self.act_tags = a("DICOM &Tags…", self.show_tags, "Ctrl+T", "Browse and search the DICOM header")
        self.act_prev = a("&Previous Image", lambda: self.step_worklist(-1), ["PgUp", "Left"],
                          "Previous image in the worklist")
        self.act_next = a("&Next Image", lambda: self.step_worklist(1), ["PgDown", "Right"],
                          "Next image in the worklist")
        self.act_help = a("&Keyboard Shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents,
                          "Mouse and keyboard reference (F1)")
        self.act_about = a(f"&About {APP_NAME}", self.show_about, None, "Version and intended use")

    def _build_menus(self) -> None:
        file_menu = self.menu("&File")
        file_menu.addActions([self.act_open, self.act_open_folder])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        view_menu = self.menu("&View")
        view_menu.addActions([self.act_fit, self.act_one, self.act_zoom_in, self.act_zoom_out])
        view_menu.addSeparator()
        view_menu.addActions([self.act_rotate, self.act_rotate_ccw, self.act_flip_h, self.act_flip_v,
                              self.act_reset_orientation])
        view_menu.addSeparator()
        self.presets_menu = view_menu.addMenu("Window &Presets")
        self.presets_menu.addAction(self.act_edit_presets)
        view_menu.addActions([self.act_reset_wl, self.act_invert])
        view_menu.addSeparator()
        view_menu.addActions([self.act_annotations, self.worklist_dock.toggleViewAction()])
        view_menu.addSeparator()
        view_menu.addActions([self.act_prev, self.act_next])
        self.menu("&Tools").addAction(self.act_tags)
        help_menu = self.menu("&Help")
        help_menu.addActions([self.act_help, self.act_about])
        self._refresh_recent_menu()

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main toolbar", self)
        tb.setObjectName("main-toolbar")
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addActions([self.act_open, self.act_open_folder])
        tb.addSeparator()
        tb.addActions([self.act_prev, self.act_next])
        tb.addSeparator()
        for act, short in ((self.act_fit, "Fit"), (self.act_one, "1:1"), (self.act_rotate, "Rotate"),
                           (self.act_flip_h, "Flip H"), (self.act_flip_v, "Flip V"), (self.act_invert, "Invert")):
            act.setIconText(short)
            tb.addAction(act)
        tb.addSeparator()
        presets = QToolButton(tb)
        presets.setText("W/L presets")
        presets.setToolTip("Window/level presets (right-drag on the image: horizontal width, vertical level)")
        presets.setMenu(self.presets_menu)
        presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        tb.addWidget(presets)
        tb.addAction(self.act_reset_wl)
        tb.addSeparator()
        self.act_reset_wl.setIconText("Reset W/L")
        self.act_tags.setIconText("Tags")
        self.act_prev.setIconText("◀ Previous")
        self.act_next.setIconText("Next ▶")
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
        self.pixel_label = QLabel("", self)
        self.wl_label = QLabel("", self)
        self.zoom_label = QLabel("", self)
        for w in (self.busy, self.pixel_label, self.wl_label, self.zoom_label):
            sb.addPermanentWidget(w)
        sb.showMessage("Ready. Open an image (Ctrl+O) or a folder (Ctrl+Shift+O), or drop one here.")

    def _build_worklist(self) -> None:
        self.worklist = Worklist(self)
        self.worklist.open_requested.connect(self._open_from_worklist)
        self.worklist_dock = QDockWidget("Worklist", self)
        self.worklist_dock.setObjectName("dock-worklist")
        self.worklist_dock.setWidget(self.worklist)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.worklist_dock)
        self.worklist_dock.hide()

    # --- opening -----------------------------------------------------------------------------------
    def choose_files(self) -> None:
        start = str(Path(self.settings.recent_files[0]).parent) if self.settings.recent_files else ""
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", start, OPEN_FILTER)
        if files:
            self.open_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open folder as worklist")
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
            self._scan(paths, f"{len(paths)} files")

    def open_folder(self, folder: Path) -> None:
        folder = Path(folder)
        self._remember(folder)
        self._scan([folder], str(folder))

    def _scan(self, paths: list[Path], title: str) -> None:
        self._scan_gen += 1
        for job in (self._scan_job, self._load_job):  # a new worklist replaces the old one
            if job is not None:
                job.cancel()
        self.worklist.clear(f"Scanning {title}…")
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
        self.worklist.summary.setText(f"Scanning {tag[1]}… {self.worklist.count()} images")
        if self._open_first_scanned and entries:
            self._open_first_scanned = False
            self.open_path(entries[0].path, from_worklist=True)

    def _on_scan_done(self, tag: tuple, result: ScanResult) -> None:
        if tag[0] != self._scan_gen:
            return
        self._scanning = False
        self._refresh_busy()
        text = f"{result.listed} images in {tag[1]}"
        if result.skipped:
            text += f" ({result.skipped} other files skipped)"
        if result.truncated:
            text += " — stopped listing: too many files; open a smaller folder"
        self.worklist.summary.setText(text)
        self.status_message(f"Listed {result.listed} images in {result.seconds:.2f} s")
        self.worklist_scanned.emit(result)

    def _on_scan_error(self, tag: tuple, exc: BaseException) -> None:
        if tag[0] == self._scan_gen:
            self._scanning = False
            self._refresh_busy()
            self.worklist.summary.setText("Scanning failed.")
            dialogs.show_error(self, "Cannot list the folder", exc)

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
        self.status_message(f"Opening {path.name}…", 0)
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
        self.status_message(f"{tag[1].name}: preview in {ms:.0f} ms, decoding full resolution…", 0)

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
        self.status_message(f"Opened {tag[1].name} ({w} × {h}) in {ms:.0f} ms")
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
        self.setWindowTitle(f"{tag[1].name} could not be opened — {APP_NAME}")
        self._update_actions()
        self._update_window_label(None)
        self._update_zoom_label()
        self.worklist.select_path(tag[1])
        self.status_message(f"Could not open {tag[1].name}: {getattr(exc, 'message', '') or type(exc).__name__}", 0)
        from radassist.core.image.failures import path_digest

        # file names carry patient names: the log gets a hash of the path, and the dialog title (which
        # show_error logs for unexpected errors) names the file only for errors it does not log
        log.warning("could not open file %s: %s", path_digest(tag[1]), getattr(exc, "code", type(exc).__name__))
        self.load_failed.emit(tag[1], exc)
        if len(tag) > 2 and tag[2]:  # paging a worklist: the error is shown in place, no dialog to dismiss
            if not isinstance(exc, RadAssistError):
                log.error("unexpected error opening a worklist item", exc_info=(type(exc), exc, exc.__traceback__))
            return
        title = f"Cannot open {tag[1].name}" if isinstance(exc, RadAssistError) else "Cannot open the image"
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
            dialogs.show_warning(self, "File not found", f"{p} no longer exists.",
                                 "It may have been moved, renamed or be on a drive that is not connected.")
            return
        self.open_paths([p])

    # --- worklist navigation -----------------------------------------------------------------------
    def step_worklist(self, step: int) -> None:
        if not self.worklist.select_relative(step):
            self.status_message("No more images in this direction." if self.worklist.count()
                                else "Open a folder to step through its images.")

    # --- window/level ------------------------------------------------------------------------------
    def reset_window(self) -> None:
        self.view.reset_window()
        self.status_message("Window/level reset to the file's default.")

    def _rebuild_presets(self, image: XRayImage) -> None:
        """The presets menu, in this order: the file's default, its own windows and VOI LUTs (with their
        explanations), the named presets (``core.display.named_windows`` on this image), full range, then
        contrast steps. The first nine are on Ctrl+1 … Ctrl+9."""
        from radassist.core.display import default_window, full_range_window, named_windows
        from radassist.core.image import Window

        menu = self.presets_menu
        menu.clear()
        presets: list[tuple[str, str, Callable[[], None]]] = [
            ("Default (from the file)", "The file's first window or VOI LUT (Esc)", self.view.reset_window)]
        for i, w in enumerate(image.display.windows):
            label = w.explanation or f"File window {i + 1}"
            presets.append((f"{label}: W {w.width:g} / L {w.center:g}", "A window the file gives",
                            lambda w=w: self.view.set_window(w)))
        for i, lut in enumerate(image.display.voi_luts):
            presets.append((f"VOI LUT {i + 1}{': ' + lut.explanation if lut.explanation else ''}",
                            "A VOI LUT the file gives", lambda i=i: self.view.set_voi_lut(i)))
        for p, w in zip(self.window_presets, named_windows(image, self.window_presets), strict=True):
            lo, hi = max(p.center - p.width / 2, 0.0), min(p.center + p.width / 2, 100.0)
            presets.append((f"{p.name}: W {w.width:g} / L {w.center:g}",
                            f"{p.name}: this image's {lo:g}–{hi:g} % brightness range (View ▸ Window Presets ▸ "
                            "Edit Named Presets)", lambda w=w: self.view.set_window(w)))
        full = full_range_window(image.display.pixel_min, image.display.pixel_max)
        presets.append(("Full range", "Darkest to brightest pixel", lambda: self.view.set_window(full)))
        default = default_window(image)
        narrow = Window(default.center, max(default.width / 2, 1.0), "Higher contrast")
        wide = Window(default.center, default.width * 2, "Lower contrast")
        presets.append(("Higher contrast (½ width)", "The default window, half as wide",
                        lambda: self.view.set_window(narrow)))
        presets.append(("Lower contrast (2× width)", "The default window, twice as wide",
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
            self.status_message("Window presets changed for this session; they could not be saved.")
            return False
        self.status_message("Window presets saved.")
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
        self.zoom_label.setText(f"Zoom {self.view.zoom * 100:.0f}%" if self.view.image is not None else "")

    def _update_pixel_label(self, info: tuple | None) -> None:
        self.pixel_label.setText("" if info is None else f"x {info[0]}  y {info[1]}  value {info[2]:g}")

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
            self.status_message("Open an image first.")
            return
        from radassist.core.image import read_tags
        from radassist.gui.tag_browser import TagBrowser

        try:
            rows = read_tags(self._current_path)
        except Exception as exc:  # noqa: BLE001 - RadAssistError explained, anything else logged generically
            dialogs.show_error(self, "Cannot read the DICOM header", exc)
            return
        if self.tag_browser is not None:
            self.tag_browser.close()
        self.tag_browser = TagBrowser(rows, self._current_path.name, self)
        self.tag_browser.show()

    def choose_export(self) -> None:
        if self.view.image is None:
            return
        default = str(Path.home() / f"{(self._current_path or Path('image')).stem}.png")
        out, _ = QFileDialog.getSaveFileName(self, "Export view as PNG", default, "PNG image (*.png)")
        if out:
            try:
                self.view.export_png(out)
                self.status_message(f"Saved {out}")
            except Exception as exc:  # noqa: BLE001
                dialogs.show_error(self, "Cannot export the image", exc)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        rows = [(act.text().replace("&", "").rstrip("…"),
                 ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in act.shortcuts()))
                for act in self.actions() if act.shortcuts()]
        presets = [(f"Window preset: {act.text()}", act.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                   for act in self.presets_menu.actions() if not act.shortcut().isEmpty()]
        rows += presets or [("Window/level presets: the file's own windows, then "
                             + ", ".join(p.name for p in self.window_presets) + ", then full range",
                             "Ctrl+1 … Ctrl+9 (listed here once an image is open)")]
        rows += [("Zoom around the cursor", "Mouse wheel, or middle-drag up/down"), ("Pan", "Left-drag"),
                 ("Window (width) / level", "Right-drag: horizontal / vertical"),
                 ("Fit to window", "Double-click")]
        return rows

    def show_shortcuts(self) -> None:
        import html

        rows = "".join(f"<tr><td>{html.escape(what)}</td><td><b>{html.escape(keys)}</b></td></tr>"
                       for what, keys in self.shortcut_rows())
        dialogs.show_info(self, "Keyboard and mouse", f"<table cellspacing='6'>{rows}</table>")

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
