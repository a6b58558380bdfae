"""``make bench``: runs every ``tests/bench/bench_*.py`` module's ``run()``, prints one table, saves JSON.

Each ``run()`` returns a list of ``Row``. Goals come from DESIGN.md; a row states its goal so the table
says at a glance what is met on this machine.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

from tests.bench._common import Row

HERE = Path(__file__).resolve().parent


def _machine() -> dict:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", nargs="*", help="module names (e.g. bench_io) to run")
    ap.add_argument("--out", default="bench-results/bench.json")
    args = ap.parse_args(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m in args.only]
    rows: list[Row] = []
    for name in modules:
        t0 = time.perf_counter()
        print(f"... {name}", file=sys.stderr, flush=True)
        try:
            rows.extend(importlib.import_module(f"tests.bench.{name}").run())
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            rows.append(Row(name, "FAILED", float("nan"), "", note=f"{type(exc).__name__}: {exc}"))
        print(f"    {name} took {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    width = max((len(r.what) for r in rows), default=10)
    print(f"\n{'what'.ljust(width)}  {'value':>12}  unit      goal          met   note")
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        print(f"{r.what.ljust(width)}  {r.value:>12.4g}  {r.unit:<8}  {r.goal:<12}  {met:<4}  {r.note}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": _machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "rows": [asdict(r) for r in rows]}, indent=2))
    print(f"\nsaved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
