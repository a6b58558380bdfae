"""Double-click entry point (and the packaged executable): the app, opening any files given;
``radassist COMMAND ...`` and ``--version``/``--help`` reach the CLI, so the bundle also scripts."""

from __future__ import annotations

import sys

from radassist.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
