"""``python -m radassist``: no command starts the app, anything else is the CLI."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] == "gui":
        from radassist.gui.app import run_app

        return run_app(argv[1:])
    from radassist.cli import main as cli_main

    return cli_main(argv)


def gui() -> int:
    """``radassist-gui [FILE...]``: the desktop entry's command; arguments are files to open."""
    from radassist.gui.app import run_app

    return run_app(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
