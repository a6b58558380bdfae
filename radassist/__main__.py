"""``python -m radassist``: no command starts the app, anything else is the CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """``radassist [FILE...]`` or ``radassist gui ...`` starts the app (opening the files); a command name
    or an option (``--version``, ``--help``) goes to the CLI."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "gui":
        argv = argv[1:]
    elif argv and (argv[0].startswith("-") or argv[0] in _commands()):
        from radassist.cli import main as cli_main

        return cli_main(argv)
    from radassist.gui.app import run_app

    return run_app(argv)


def _commands() -> set[str]:
    from radassist.cli import COMMANDS

    return {name.replace("_", "-") for name in COMMANDS}


def gui() -> int:
    """``radassist-gui [FILE...]``: the desktop entry's command; arguments are files to open."""
    from radassist.gui.app import run_app

    return run_app(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
