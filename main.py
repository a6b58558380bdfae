"""Double-click entry point (and the packaged executable): the app, opening any files given;
``radassist COMMAND ...`` and ``--version``/``--help`` reach the CLI, so the bundle also scripts."""

from __future__ import annotations

import multiprocessing
import sys

from radassist.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the image decoders run in spawned worker processes (the bundle too)
    sys.exit(main())
