"""Start-up checks that turn a missing system library or decoder plugin into one clear sentence.

Qt's xcb platform plugin on a bare Debian names only the first library it misses
(``libxcb-cursor0``); we look for all of them and print the exact ``apt-get`` command.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from dataclasses import dataclass

from radassist.config import EXIT_ENVIRONMENT, EXIT_OK

#: shared library (as ctypes.util.find_library names it) -> Debian package
QT_XCB_LIBS = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}
#: needed by QtGui whatever the platform plugin (offscreen included)
QT_BASE_LIBS = {"EGL": "libegl1", "GL": "libgl1", "fontconfig": "libfontconfig1", "xkbcommon": "libxkbcommon0",
                "dbus-1": "libdbus-1-3", "glib-2.0": "libglib2.0-0"}


@dataclass(frozen=True)
class MissingLibraries:
    packages: tuple[str, ...]

    @property
    def install_command(self) -> str:
        return "sudo apt-get install -y " + " ".join(self.packages)

    def message(self) -> str:
        return (f"RadAssist needs system libraries that are not installed: {', '.join(self.packages)}.\n"
                f"Install them with:\n    {self.install_command}")


def missing_qt_libraries(platform: str | None = None) -> MissingLibraries | None:
    """None when everything Qt needs for ``platform`` (default: $QT_QPA_PLATFORM or xcb) is present."""
    if not sys.platform.startswith("linux"):
        return None
    platform = platform or os.environ.get("QT_QPA_PLATFORM", "xcb")
    wanted = dict(QT_BASE_LIBS)
    if platform.startswith("xcb"):
        wanted.update(QT_XCB_LIBS)
    missing = tuple(pkg for lib, pkg in wanted.items() if ctypes.util.find_library(lib) is None)
    return MissingLibraries(missing) if missing else None


def main() -> int:
    """``python -m radassist.syscheck``: used by ``make run``; exit 3 with the install command when missing."""
    missing = missing_qt_libraries()
    if missing:
        print(missing.message(), file=sys.stderr)
        return EXIT_ENVIRONMENT
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
