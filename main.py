"""Double-click entry point: logging, a system check, then the desktop app."""

from __future__ import annotations

import sys

from radassist.__main__ import main

if __name__ == "__main__":
    sys.exit(main([]))
