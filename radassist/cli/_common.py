"""Helpers shared by the commands: finding inputs, writing JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

IMAGE_SUFFIXES = {".dcm", ".dicom", ".png", ".jpg", ".jpeg", ""}


def iter_inputs(paths: Iterable[str | Path], *, recursive: bool = True) -> Iterator[Path]:
    """Files as given, and for folders every image-looking file inside, sorted for reproducible output."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            for child in sorted(p.glob(pattern)):
                if child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES and not child.name.startswith("."):
                    yield child
        else:
            yield p  # a missing file is reported by the loader as a readable error


def quiet_libraries() -> None:
    """pydicom's value warnings and OpenCV's decoder chatter are noise on a terminal: errors are reported."""
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom(\..*)?")
    try:
        import cv2

        cv2.setLogLevel(2)  # errors only
    except (ImportError, AttributeError):
        pass


def emit_json(obj: dict, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, default=_json_default) + "\n")
    stream.flush()


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, (set, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
