"""``python -m radassist``: no command starts the app, anything else is the CLI."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: Qt platform plugins that draw without a display server (tests, VNC, kiosks on a framebuffer)
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay",
                                "directfb"})


def main(argv: list[str] | None = None) -> int:
    """``radassist [FILE...]`` or ``radassist gui ...`` starts the app (opening the files); a command name
    or an option (``--version``, ``--help``) goes to the CLI; any other word is a usage error (exit 2), so a
    mistyped command never opens a window."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "gui":
        argv = argv[1:]
    elif argv and (argv[0].startswith("-") or argv[0] in _commands()):
        from radassist.cli import main as cli_main

        return cli_main(argv)
    elif argv and not _names_a_file(argv[0]):
        return _unknown_command(argv[0])
    return _run_app(argv)


def gui() -> int:
    """``radassist-gui [FILE...]``: the desktop entry's command; arguments are files to open."""
    return _run_app(sys.argv[1:])


def _run_app(argv: list[str]) -> int:
    problem = no_display_problem(os.environ, sys.platform)
    if problem:  # said here, before anything imports Qt: Qt itself would abort with a core dump
        from radassist.config import EXIT_ENVIRONMENT

        print(f"radassist: {problem}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    from radassist.gui.app import run_app

    return run_app(argv)


def no_display_problem(environ: Mapping[str, str], platform: str) -> str:
    """Why the app cannot open a window here, as one sentence and what to do; empty when it can.

    Only X11/Wayland systems need a display server named in the environment; Windows and macOS always
    have one. ``QT_QPA_PLATFORM`` may name a headless plugin (``offscreen``, ``vnc``...) or a list to try."""
    if platform in ("win32", "cygwin", "darwin"):
        return ""
    wanted = [p.split(":", 1)[0].strip().lower() for p in environ.get("QT_QPA_PLATFORM", "").split(";")]
    if any(p in HEADLESS_PLATFORMS for p in wanted):
        return ""
    has = {"xcb": bool(environ.get("DISPLAY")), "wayland": bool(environ.get("WAYLAND_DISPLAY"))}
    named = [p for p in wanted if p]
    if any(has.get(p.split("-", 1)[0], False) for p in named) or (not named and any(has.values())):
        return ""
    return ("no display to open the app's window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
            "Start RadAssist from a desktop session (or ssh -X), or use the command line: "
            "radassist --help lists the commands.")


def _names_a_file(arg: str) -> bool:
    """An argument the app opens: an existing file or folder, or one that reads as a path (it has a folder
    part or a suffix), so the app can say why it cannot be opened; a bare word is a mistyped command."""
    p = Path(arg)
    return p.exists() or bool(p.suffix) or os.sep in arg or (os.altsep or os.sep) in arg


def _unknown_command(word: str) -> int:
    import difflib

    from radassist.config import EXIT_USAGE

    commands = _commands()
    near = difflib.get_close_matches(word, commands, n=1)
    hint = f" Did you mean '{near[0]}'?" if near else ""
    print("usage: radassist [FILE...] | radassist COMMAND ... (radassist --help)\n"
          f"radassist: error: '{word}' is neither a command nor an existing file.{hint} "
          f"Commands: {', '.join(commands)}.", file=sys.stderr)
    return EXIT_USAGE


def _commands() -> list[str]:
    """The CLI's commands in ``--help`` order, and ``gui``."""
    from radassist.cli import COMMANDS

    return ["gui", *(name.replace("_", "-") for name in COMMANDS)]


if __name__ == "__main__":
    sys.exit(main())
