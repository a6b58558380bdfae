"""The one command line: ``python -m radassist COMMAND ...``. A thin shell over ``radassist.core``.

Exit codes (defined once, in ``radassist.config``): 0 every input processed, 1 some input failed (the rest
still processed), 2 usage error, 130 interrupted.
Each command lives in its own module here with ``register(subparsers)``; the module imports core lazily
so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from radassist import __version__
from radassist.config import EXIT_INPUT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from radassist.core.errors import RadAssistError

__all__ = ["COMMANDS", "EXIT_INPUT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: command modules, in the order ``--help`` lists them
COMMANDS = ["inspect", "render", "predict", "train", "evaluate", "train_segmentation", "train_ood",
            "review", "audit", "models"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radassist",
        description="RadAssist: chest X-ray viewer and assistant. Without a command, starts the app.",
    )
    parser.add_argument("--version", action="version", version=f"RadAssist {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="also log warnings to the terminal")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("gui", help="start the desktop app (the default without a command)")
    for name in COMMANDS:
        importlib.import_module(f"radassist.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in (None, "gui"):
        parser.error("the app is started by 'python -m radassist' (no command)")
    from radassist.log import configure_logging

    try:
        configure_logging(stderr=args.verbose)
        return int(args.func(args))
    except RadAssistError as exc:
        print(f"radassist: {exc}", file=sys.stderr)
        return EXIT_INPUT_FAILED
    except KeyboardInterrupt:
        print("radassist: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
