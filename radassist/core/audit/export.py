"""Exporting audit records for an auditor: CSV (one column per field) or JSON Lines.

JSONL lines are the records' canonical JSON, so a full export can be re-verified offline with
``read_jsonl`` + ``chain.verify_records``. CSV puts nested values (model, AI output, decision, ...) in
their canonical JSON text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from radassist.core.audit import canonical, chain
from radassist.core.audit.events import AuditEvent, AuditRecord

FORMATS = ("csv", "jsonl")


def write_records(records: Iterable[AuditRecord], out: TextIO, fmt: str = "jsonl") -> int:
    """Write ``records`` to ``out``; returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    n = 0
    if fmt == "jsonl":
        for r in records:
            out.write(canonical.dumps(r.to_dict()) + "\n")
            n += 1
        return n
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(chain.COLUMNS)
    for r in records:
        writer.writerow(chain.row_from_record(r))
        n += 1
    return n


def read_jsonl(path: str | Path) -> Iterator[AuditRecord]:
    """Records from an ``export --format jsonl`` file, in file order."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                seq, prev, h = d.pop("sequence"), d.pop("prev_hash"), d.pop("hash")
                yield AuditRecord(sequence=seq, event=AuditEvent.from_dict(d), prev_hash=prev, hash=h)
