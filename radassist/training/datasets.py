"""Labelled image sets for training and evaluation: a folder per class, or a CSV of path + labels.

CSV labels are ``|``-separated as NIH ChestX-ray14 writes them (``Effusion|Infiltration``); "No Finding"
and "NORMAL" mean no positive label. Label names are normalised to ``lower_snake`` (``pneumonia``).
Patient ids come from a ``patient_id``/``Patient ID`` column (a folder's own ``labels.csv`` counts), else
from the file name (Kermany and NIH naming rules), else each file is its own patient (said in ``notes``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from radassist.core.errors import DatasetError
from radassist.core.image import IMAGE_SUFFIXES

#: class folder names / CSV labels that mean "no finding": negatives for every label
NEGATIVE_NAMES = frozenset({"normal", "no_finding", "none", "negative"})
PATH_COLUMNS = ("path", "image", "Image Index", "filename", "file")
LABEL_COLUMNS = ("labels", "label", "Finding Labels", "findings")
PATIENT_COLUMNS = ("patient_id", "Patient ID", "patient")

#: Kermany: person123_bacteria_45.jpeg -> person123; IM-0115-0001 -> IM-0115; NORMAL2-IM-0400-0001 -> NORMAL2-IM-0400
#: NIH ChestX-ray14: 00000013_005.png -> 00000013
_PATIENT_RULES = (re.compile(r"^(person\d+)_"), re.compile(r"^((?:NORMAL2-)?IM-\d+)-"), re.compile(r"^(\d{8})_\d{3}$"))


@dataclass(frozen=True)
class Record:
    """One labelled image. ``path`` is relative to the data set root; ``targets`` is 0/1 per label."""

    path: str
    targets: tuple[int, ...]
    patient: str


@dataclass(frozen=True)
class Dataset:
    root: Path
    labels: tuple[str, ...]
    records: tuple[Record, ...]
    notes: tuple[str, ...] = ()

    def abspath(self, record: Record) -> Path:
        return self.root / record.path

    def positives(self) -> tuple[int, ...]:
        return tuple(sum(r.targets[i] for r in self.records) for i in range(len(self.labels)))


def normalise_label(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def patient_from_filename(path: str) -> str | None:
    stem = Path(path).stem
    for rule in _PATIENT_RULES:
        m = rule.match(stem)
        if m:
            return m.group(1)
    return None


def _read_patient_table(root: Path) -> dict[str, str]:
    """``labels.csv`` beside the class folders (the Kermany README's patient ids), path -> patient."""
    table = root / "labels.csv"
    if not table.is_file():
        return {}
    with open(table, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        path_col = _column(reader.fieldnames or [], PATH_COLUMNS)
        pat_col = _column(reader.fieldnames or [], PATIENT_COLUMNS)
        if not path_col or not pat_col:
            return {}
        return {Path(row[path_col]).as_posix(): row[pat_col] for row in reader if row.get(pat_col)}


def _column(fields: list[str], choices: tuple[str, ...]) -> str | None:
    lowered = {f.strip().lower(): f for f in fields}
    for c in choices:
        if c.lower() in lowered:
            return lowered[c.lower()]
    return None


def _finish(root: Path, labels: tuple[str, ...], rows: list[tuple[str, set[str], str | None]],
            wanted: tuple[str, ...] | None) -> Dataset:
    if not rows:
        raise DatasetError(f"No labelled images found in {root}.",
                           hint="Use a folder per class (NORMAL/, PNEUMONIA/) or a CSV of path + labels.")
    if wanted is not None:
        unknown = sorted({lb for _, s, _ in rows for lb in s} - set(wanted))
        labels = tuple(wanted)
        notes = (f"labels not in the model, counted as negative: {', '.join(unknown)}",) if unknown else ()
    else:
        notes = ()
    if not labels:
        raise DatasetError(f"{root} has no positive label (only normal images).",
                           hint="Give at least one class folder or label besides NORMAL / No Finding.")
    guessed = 0
    records = []
    for path, found, patient in rows:
        if not patient:
            patient = patient_from_filename(path)
        if not patient:
            patient, guessed = Path(path).stem, guessed + 1
        records.append(Record(path, tuple(int(lb in found) for lb in labels), patient))
    if guessed:
        notes += (f"{guessed} file(s) had no patient id; each was treated as its own patient",)
    records.sort(key=lambda r: r.path)
    return Dataset(root, labels, tuple(records), notes)


def from_folder(root: str | Path, labels: tuple[str, ...] | None = None) -> Dataset:
    """A folder per class; NORMAL (or No Finding) is the negative class, every other folder a label."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Data folder {root} does not exist.", hint="Check --data.")
    patients = _read_patient_table(root)
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    rows: list[tuple[str, set[str], str | None]] = []
    for d in classes:
        label = normalise_label(d.name)
        positive = set() if label in NEGATIVE_NAMES else {label}
        for f in sorted(d.rglob("*")):
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
                rel = f.relative_to(root).as_posix()
                rows.append((rel, positive, patients.get(rel)))
    found = tuple(sorted(normalise_label(d.name) for d in classes) )
    found = tuple(lb for lb in found if lb not in NEGATIVE_NAMES)
    return _finish(root, found, rows, tuple(labels) if labels else None)


def from_csv(csv_path: str | Path, root: str | Path | None = None, labels: tuple[str, ...] | None = None) -> Dataset:
    """A CSV with a path column and a ``|``-separated labels column (NIH ChestX-ray14 style).

    Paths are relative to ``root`` (default: the CSV's folder); a missing file is a DatasetError.
    """
    csv_path = Path(csv_path)
    root = Path(root) if root is not None else csv_path.parent
    if not csv_path.is_file():
        raise DatasetError(f"CSV {csv_path} does not exist.", hint="Check --csv.")
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        path_col, label_col = _column(fields, PATH_COLUMNS), _column(fields, LABEL_COLUMNS)
        pat_col = _column(fields, PATIENT_COLUMNS)
        if not path_col or not label_col:
            raise DatasetError(f"{csv_path} needs a path column ({'/'.join(PATH_COLUMNS)}) and a labels "
                               f"column ({'/'.join(LABEL_COLUMNS)}); it has {', '.join(fields)}.")
        rows: list[tuple[str, set[str], str | None]] = []
        seen: set[str] = set()
        for row in reader:
            path = (row.get(path_col) or "").strip()
            if not path:
                continue
            found = {normalise_label(x) for x in (row.get(label_col) or "").split("|") if x.strip()}
            found -= NEGATIVE_NAMES
            seen |= found
            rows.append((Path(path).as_posix(), found, (row.get(pat_col) or "").strip() if pat_col else None))
    missing = [p for p, _, _ in rows if not (root / p).is_file()]
    if missing:
        raise DatasetError(f"{len(missing)} file(s) listed in {csv_path} are missing under {root}, "
                           f"e.g. {missing[0]}.", hint="Point --data at the folder the CSV paths are relative to.")
    return _finish(root, tuple(sorted(seen)), rows, tuple(labels) if labels else None)


def load_dataset(data: str | Path, csv_path: str | Path | None = None,
                 labels: tuple[str, ...] | None = None) -> Dataset:
    """``--data DIR [--csv FILE]``: the CSV when given (paths relative to DIR), else DIR's class folders."""
    if csv_path is not None:
        return from_csv(csv_path, root=data, labels=labels)
    return from_folder(data, labels=labels)
