"""Start the desktop app: QApplication, icon, logging, settings, the main window, a decoder check.

``run_app(argv)`` is what ``python -m radassist`` calls. It imports only Qt and the GUI modules before
the window is shown: decoders load on the first open, and TensorFlow is never imported here.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP

from radassist import APP_NAME, __version__
from radassist.config import EXIT_INPUT_FAILED, EXIT_OK, RESOURCES_DIR

log = logging.getLogger(__name__)

ICON_DIR = RESOURCES_DIR / "icons"
#: the translation catalogues: ``radassist_<locale>.qm`` (compiled by ``make translations``); English is built in
I18N_DIR = RESOURCES_DIR / "i18n"
SETTINGS_PROBLEMS_TITLE = str(QT_TRANSLATE_NOOP("app", "Some settings were not used"))
_T0 = time.perf_counter()


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="radassist", description=f"{APP_NAME} desktop app")
    ap.add_argument("paths", nargs="*", help="image files or folders to open")
    ap.add_argument("--open", dest="extra", action="append", default=[], metavar="PATH",
                    help="also open PATH (may be repeated)")
    ap.add_argument("--size", default="", metavar="WxH", help="initial window size, e.g. 1400x900")
    ap.add_argument("--screenshot", metavar="OUT.png",
                    help="open the given image, wait for full resolution, save a picture of the window, quit")
    ap.add_argument("--screenshot-delay", type=float, default=0.0, metavar="SECONDS",
                    help="with --screenshot: wait this long after the image (and every busy panel) is ready")
    ap.add_argument("--exit-when-shown", action="store_true",
                    help="print 'shown SECONDS' once the window is on screen and quit (start-up benchmark)")
    return ap.parse_args(argv)


def app_icon():
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for png in sorted(ICON_DIR.glob("radassist-*.png")):
        icon.addFile(str(png))
    return icon


def apply_theme(app) -> None:
    """A dark Fusion palette, as reading-room viewers use: the UI must not outshine the image. The colours
    are ``gui.palette``'s (each text colour checked for WCAG AA contrast on its background)."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QStyleFactory

    from radassist.gui import palette as c

    app.setStyle(QStyleFactory.create("Fusion"))
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for r, colour in ((role.Window, c.WINDOW), (role.WindowText, c.TEXT), (role.Base, c.BASE),
                      (role.AlternateBase, c.ALTERNATE_BASE), (role.ToolTipBase, c.TOOLTIP),
                      (role.ToolTipText, c.TOOLTIP_TEXT), (role.Text, c.TEXT), (role.Button, c.BUTTON),
                      (role.ButtonText, c.TEXT), (role.BrightText, c.BRIGHT_TEXT), (role.Link, c.LINK),
                      (role.Highlight, c.HIGHLIGHT), (role.HighlightedText, c.HIGHLIGHTED_TEXT),
                      (role.PlaceholderText, c.PLACEHOLDER_TEXT)):
        p.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor(c.DISABLED_TEXT))
    app.setPalette(p)


def install_translators(app, locale=None) -> list:
    """Install RadAssist's catalogue for ``locale`` (the system's by default) and, with it, Qt's own (standard
    buttons); returns the translators installed. Without a catalogue for the locale the UI stays in English,
    Qt's buttons included, so a window is never half translated."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    locale = QLocale.system() if locale is None else locale
    ours = QTranslator(app)
    if not ours.load(locale, "radassist", "_", str(I18N_DIR), ".qm"):
        return []
    installed = [ours]
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath), ".qm"):
        installed.append(qt)
    for translator in installed:
        app.installTranslator(translator)
    log.info("translations loaded for %s", locale.name())
    return installed


def check_decoders(report, cancelled) -> list[str]:
    """Worker body: problems with the DICOM decoder plugins, as sentences for a warning dialog."""
    from radassist.core.errors import RadAssistError
    from radassist.core.image import check_codecs

    try:
        problems = check_codecs()
    except RadAssistError as exc:
        return [str(exc)]
    if not problems:
        return []
    if isinstance(problems, dict):
        return [f"{k}: {v}" for k, v in problems.items()]
    return [str(p) for p in problems]


def _show_decoder_problems(window, problems: list[str]) -> None:
    if problems:
        from PySide6.QtCore import QCoreApplication

        from radassist.gui import dialogs

        log.warning("decoder plugins: %s", "; ".join(problems))
        dialogs.show_warning(window, QCoreApplication.translate("app", "Some image decoders are unavailable"),
                             QCoreApplication.translate("app", "Some compressed DICOM files cannot be opened:")
                             + "\n\n" + "\n".join(problems),
                             QCoreApplication.translate(
                                 "app", "Reinstall RadAssist (or run 'make run' in the source folder) to restore "
                                 "them. Uncompressed DICOM, PNG and JPEG still open."))


def _install_excepthook(window) -> None:
    """Exceptions escaping a slot are logged and shown generically: never a traceback dialog."""
    from PySide6.QtCore import QCoreApplication

    from radassist.gui import dialogs

    showing = [False]

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unhandled exception", exc_info=(exc_type, exc, tb))
        if not showing[0]:
            showing[0] = True
            try:
                dialogs.show_error(window, QCoreApplication.translate("app", "Unexpected problem"),
                                   exc.with_traceback(tb))
            finally:
                showing[0] = False

    sys.excepthook = hook


def create_window(args: argparse.Namespace | None = None):
    """The configured main window (settings loaded, icon set), not yet shown. Problems in the settings
    (each replaced by its default, see ``config.load_settings``) are shown once the window is up."""
    from radassist.config import load_settings
    from radassist.gui.main_window import MainWindow

    settings = load_settings()
    window = MainWindow(settings)
    from radassist.gui.assistant import install_assistant

    install_assistant(window)  # findings, overlays, review, audit trail (models load with the first image)
    window.setWindowIcon(app_icon())
    if args is not None and args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
            window.resize(w, h)
        except ValueError:
            log.warning("ignoring --size %r (expected WxH)", args.size)
    if settings.problems:
        from PySide6.QtCore import QCoreApplication, QTimer

        from radassist.core.errors import ConfigError
        from radassist.gui import dialogs

        problem = ConfigError("\n\n".join(settings.problems),
                              hint=QCoreApplication.translate(
                                  "app", "RadAssist uses the default for each of these until the setting is fixed."))
        title = QCoreApplication.translate("app", SETTINGS_PROBLEMS_TITLE)
        QTimer.singleShot(0, lambda: dialogs.show_error(window, title, problem))
    return window


def _take_screenshot(window, out: Path, delay_s: float = 0.0) -> None:
    """Wait until nothing is loading (plus ``delay_s``), let the last paint happen, grab the window, quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + 90 + delay_s
    settled: list[bool] = []

    def attempt() -> None:
        waiting = window.is_busy or window.view.image is None or window.view.image.downscale > 1
        if waiting and time.monotonic() < deadline:
            QTimer.singleShot(100, attempt)
            return
        if delay_s > 0 and not settled:
            settled.append(True)
            QTimer.singleShot(int(delay_s * 1000), attempt)
            return
        QApplication.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(out), "PNG")
        print(f"screenshot {'saved' if ok else 'FAILED'}: {out}", flush=True)
        QApplication.instance().exit(EXIT_OK if ok else EXIT_INPUT_FAILED)

    QTimer.singleShot(300, attempt)


def prestart_decoder() -> None:
    """Start a decode worker in the background (the app does it once its window is shown)."""
    import threading

    from radassist.core.image.codecs import sandbox

    threading.Thread(target=sandbox.prestart, name="radassist-decoder-start", daemon=True).start()


def run_app(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from radassist.log import configure_logging

    configure_logging()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME.lower()])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("radassist")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    install_translators(app)  # before any window exists: every widget reads its text once, when built
    window = create_window(args)
    window.show()
    log.info("%s %s started", APP_NAME, __version__)
    if args.exit_when_shown:
        def report() -> None:
            print(f"shown {time.perf_counter() - _T0:.3f}", flush=True)
            app.exit(EXIT_OK)

        QTimer.singleShot(0, report)
        return app.exec()
    _install_excepthook(window)
    # a warm decode worker (compressed frames are decoded in a sandboxed process): the first open does
    # not wait ~0.5 s for one to start
    QTimer.singleShot(0, prestart_decoder)
    # after the first paint: importing the decoders on a worker still competes for the interpreter
    QTimer.singleShot(300, lambda: window.jobs.submit(
        check_decoders, tag="codecs", on_result=lambda _tag, problems: _show_decoder_problems(window, problems),
        on_error=lambda _tag, exc: log.warning("decoder check failed: %s", exc)))
    paths = [Path(p) for p in [*args.paths, *args.extra]]
    if paths:
        QTimer.singleShot(0, lambda: window.open_paths(paths))
    if args.screenshot:
        _take_screenshot(window, Path(args.screenshot), args.screenshot_delay)
    code = app.exec()
    sys.excepthook = sys.__excepthook__
    return code


def main() -> int:
    """Console entry point (e.g. a ``radassist-gui`` gui-script)."""
    return run_app(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
