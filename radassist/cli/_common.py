"""Helpers shared by the commands: settings, finding inputs, writing JSON lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from radassist.core.image.sniff import IMAGE_SUFFIXES

#: what a folder walk picks up: the image suffixes, and files without one (DICOM often has none)
INPUT_SUFFIXES = (*IMAGE_SUFFIXES, "")


def iter_inputs(paths: Iterable[str | Path], *, recursive: bool = True) -> Iterator[Path]:
    """Files as given, and for folders every image-looking file inside, sorted for reproducible output."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            for child in sorted(p.glob(pattern)):
                if child.is_file() and child.suffix.lower() in INPUT_SUFFIXES and not child.name.startswith("."):
                    yield child
        else:
            yield p  # a missing file is reported by the loader as a readable error


def settings_for(command: str):
    """``config.load_settings()``, each problem in it (a wrong type in settings.json, a bad environment
    value: the default is used) said once on stderr, as the app shows them in a dialog."""
    from radassist.config import load_settings

    settings = load_settings()
    for problem in settings.problems:
        print(f"radassist {command}: warning: {problem}", file=sys.stderr)
    return settings


def pipeline_for(command: str, settings, *, model: str | None = None, device: str | None = None):
    """``core.analysis.Pipeline.load`` as every command uses it: None (after saying why on stderr) for a
    usage problem (unknown model, unavailable device); what the pipeline lacks (a missing or refused gate or
    lung package, a GPU fallback) said once on stderr, as it is in every record's notes."""
    from radassist.core.analysis import Pipeline
    from radassist.core.errors import ConfigError, DeviceUnavailableError, ModelNotFoundError

    try:
        pipeline = Pipeline.load(settings, model=model, device=device)
    except (ModelNotFoundError, DeviceUnavailableError, ConfigError) as exc:
        print(f"radassist {command}: {exc}", file=sys.stderr)
        return None
    for note in pipeline.notes:
        print(f"radassist {command}: note: {note}", file=sys.stderr)
    if pipeline.engine.fallback_reason:
        print(f"radassist {command}: warning: {pipeline.engine.fallback_reason}", file=sys.stderr)
    return pipeline


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
