"""Helpers shared by the commands: parsers from docstrings, finding inputs, settings, writing JSON lines."""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: how much of a file the folder walk reads to tell an image from anything else: DICOM's 128-byte preamble
#: and "DICM", the longest signature ``core.image.sniff.sniff`` looks at
SNIFF_BYTES = 132

# reST a docstring uses that a terminal shows raw: ``literal``, :role:`text`, `text`, **strong**, *emphasis*
_ROLE = re.compile(r":[A-Za-z][\w.+-]*:`([^`]+)`")
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_INTERPRETED = re.compile(r"(?<![\w`])`([^`\n]+)`(?![\w`])")
_STRONG = re.compile(r"(?<![\w*])\*\*([^\s*](?:.*?[^\s*])?)\*\*(?![\w*])", re.DOTALL)
_EMPHASIS = re.compile(r"(?<![\w*/])\*([^\s*](?:[^*]*?[^\s*])?)\*(?![\w*/])")


def plain_text(doc: str) -> str:
    """``doc`` (a docstring) as a terminal should show it: dedented, the reST markup removed."""
    text = inspect.cleandoc(doc or "")
    text = _ROLE.sub(r"\1", text)
    text = _LITERAL.sub(r"\1", text)
    text = _INTERPRETED.sub(r"\1", text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    return re.sub(r"(?<=\S)::$", ":", text, flags=re.MULTILINE)  # "Example::" introduces a literal block


class DocFormatter(argparse.HelpFormatter):
    """Descriptions keep their paragraphs (each re-wrapped to the terminal) and indented lines (examples)
    as written; argparse's default would run the paragraphs together."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for para in re.split(r"\n\s*\n", text):
            lines = para.splitlines()
            if any(line.startswith(" ") for line in lines[1:]):  # a heading and an indented example
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(textwrap.fill(" ".join(line.strip() for line in lines), width,
                                         initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(out)


def add_command(subparsers, name: str, *, help: str, doc: str | None = None,
                first_paragraph: bool = False) -> argparse.ArgumentParser:
    """The one way a command registers: its ``--help`` description is ``doc`` (the module docstring; only
    its first paragraph with ``first_paragraph``) without reST markup, else ``help``."""
    text = plain_text(doc) if doc else help
    if doc and first_paragraph:
        text = text.split("\n\n")[0]
    return subparsers.add_parser(name, help=help, description=text, formatter_class=DocFormatter)


@dataclass
class Inputs:
    """What a command was given: the image files to process, and the files found in folders that were
    left out because they are not images (a ``SHA256SUMS``, a ``labels.csv``)."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    def say_skipped(self, command: str) -> None:
        """One line on stderr (never stdout, which may be JSON) when anything was left out."""
        if self.skipped:
            n = len(self.skipped)
            what = "file in the given folders that is not a DICOM, PNG or JPEG image" if n == 1 else \
                "files in the given folders that are not DICOM, PNG or JPEG images"
            print(f"radassist {command}: skipped {n} {what} (e.g. {self.skipped[0].name})", file=sys.stderr)


def collect_inputs(paths: Iterable[str | Path], *, recursive: bool = True) -> Inputs:
    """Files as given (a missing or unreadable one is reported by the loader), and for folders every
    non-hidden file inside that looks like an image, sorted for reproducible output.

    Inside a folder a file is taken when its name says DICOM/PNG/JPEG (so a damaged one is reported, never
    skipped silently) or its first bytes do (DICOM from a PACS often has no suffix, or a numeric one);
    anything else is skipped and counted."""
    out = Inputs()
    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            out.files.append(p)
            continue
        for child in sorted(p.glob("**/*" if recursive else "*")):
            if not child.is_file() or child.name.startswith("."):
                continue
            (out.files if _looks_like_image(child) else out.skipped).append(child)
    return out


def _looks_like_image(path: Path) -> bool:
    from radassist.core.errors import RadAssistError
    from radassist.core.image.sniff import IMAGE_SUFFIXES, read_file, sniff

    if path.suffix.lower() in IMAGE_SUFFIXES:
        return True
    try:
        sniff(read_file(path, SNIFF_BYTES)[0], path)
    except RadAssistError:  # not an image format, empty, unreadable
        return False
    return True


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
