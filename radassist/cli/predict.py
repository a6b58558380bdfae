"""``radassist predict PATH... [--json] [--device auto|cpu|gpu] [--model ID_OR_DIR] [--heatmap-dir DIR]
[--mask-dir DIR]``: gate + findings for files and folders (searched recursively).

With ``--json`` one JSON object per input line (status ok | rejected | error): the full record the app
shows (findings with each heatmap's share inside the lungs, lung area, OOD decision, every note, e.g. a
missing or refused gate or lung package); ``--heatmap-dir``/``--mask-dir`` only decide whether the heatmap
and mask images are also written, named ``<name>_<label>[_overlay].png`` and ``<name>_lungs.png``, where
``<name>`` is ``<file stem>-<12 hex digits of the SHA-256 of the input's absolute path>``: files of one name in
different folders never overwrite each other, and every part is reduced to [A-Za-z0-9._-] so no stem or
model label can write outside the folder. Exit 0 when every input was processed (rejections included), 1 when any
input errored (the others are still processed), 2 for usage errors (bad option, unknown model,
unavailable device).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from radassist.config import DEVICES, EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE

CHUNK = 16  # images loaded and analysed together: batching the gate and the classifier


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "predict", help="findings for chest X-ray files or folders", doc=__doc__)
    p.add_argument("paths", nargs="+", metavar="PATH", help="DICOM/PNG/JPEG files or folders (recursive)")
    p.add_argument("--json", action="store_true", help="one JSON object per input line")
    p.add_argument("--device", choices=DEVICES, default=None,
                   help="default: RADASSIST_DEVICE, else the setting, else auto")
    p.add_argument("--model", default=None, help="model id, id@version or package folder (default: "
                                                 "RADASSIST_MODEL, else the setting, else the bundled model)")
    p.add_argument("--heatmap-dir", type=Path, default=None,
                   help="write <name>_<label>.png (raw heatmap) and <name>_<label>_overlay.png")
    p.add_argument("--mask-dir", type=Path, default=None, help="write <name>_lungs.png (0/255)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from radassist.cli._common import collect_inputs, emit_json, pipeline_for, quiet_libraries, settings_for

    quiet_libraries()
    inputs = collect_inputs(args.paths)
    inputs.say_skipped("predict")
    paths = inputs.files
    if not paths:
        print("radassist predict: no image files found in the given paths", file=sys.stderr)
        return EXIT_INPUT_FAILED
    pipeline = pipeline_for("predict", settings_for("predict"), model=args.model, device=args.device)
    if pipeline is None:
        return EXIT_USAGE
    for d in (args.heatmap_dir, args.mask_dir):
        if d is not None:
            d.mkdir(parents=True, exist_ok=True)
    failed = False
    if not args.json:
        _table_header()
    from concurrent.futures import ThreadPoolExecutor

    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    names = OutputNames()
    # decode the next chunk on a worker while the models run on this one (decoding releases the GIL)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode") as pool:
        pending = pool.submit(_load_chunk, chunks[0])
        for k, chunk in enumerate(chunks):
            loaded_chunk = pending.result()
            if k + 1 < len(chunks):
                pending = pool.submit(_load_chunk, chunks[k + 1])
            for rec in _process(chunk, loaded_chunk, pipeline, args, names):
                failed |= rec["status"] == "error"
                if args.json:
                    emit_json(rec)
                else:
                    _table_row(rec)
    return EXIT_INPUT_FAILED if failed else EXIT_OK


def _load_chunk(paths: list[Path]) -> tuple[dict[int, dict], list, dict[int, float]]:
    from radassist.core.errors import RadAssistError
    from radassist.core.image import load_image

    records: dict[int, dict] = {}
    loaded, load_ms = [], {}
    for i, path in enumerate(paths):
        t0 = time.perf_counter()
        try:
            image = load_image(path)
        except RadAssistError as exc:
            records[i] = _error(path, exc)
            continue
        load_ms[i] = (time.perf_counter() - t0) * 1000
        loaded.append((i, image))
    return records, loaded, load_ms


def _process(paths: list[Path], loaded_chunk, pipeline, args, names: OutputNames) -> list[dict]:
    """The full record for each image (what the app shows: findings, heatmaps, lungs, every note); the
    output folders only decide whether the heatmap and mask images are also written."""
    from radassist.core.errors import RadAssistError

    records, loaded, load_ms = loaded_chunk
    try:
        results = pipeline.analyze_many([im for _, im in loaded])
    except RadAssistError:  # one bad image in the batch: analyse one by one to isolate it
        results = []
        for _, im in loaded:
            try:
                results.append(pipeline.analyze(im))
            except RadAssistError as exc:
                results.append(exc)
    for (i, image), a in zip(loaded, results, strict=True):
        path = paths[i]
        if isinstance(a, Exception):
            records[i] = _error(path, a)
            continue
        try:
            heat_paths, mask_path = _write_outputs(path, image, a, args, names)
        except OSError as exc:
            records[i] = _error(path, exc)
            continue
        rec = a.to_record(heatmap_paths=heat_paths, mask_path=mask_path)
        rec["timings_ms"] = {"load": round(load_ms[i], 3), **rec["timings_ms"],
                             "total": round(load_ms[i] + rec["timings_ms"].get("total", 0.0), 3)}
        out = {"path": str(path), "status": a.status}
        if a.status != "ok":
            out["message"] = a.message
        out.update({k: v for k, v in rec.items() if k not in ("status", "message")})
        records[i] = out
    return [records[i] for i in range(len(paths))]


def _error(path: Path, exc: Exception) -> dict:
    code = getattr(exc, "code", "io_error")
    return {"path": str(path), "status": "error", "message": str(exc), "error_code": code, "image_sha256": None,
            "findings": [], "ood": None}


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_PART = 80


def safe_part(text: str) -> str:
    """A file-name part built from ``text``: only [A-Za-z0-9._-] (other runs become '_'), no leading dot or
    dash, at most 80 characters; never empty."""
    part = _UNSAFE.sub("_", text).lstrip(".-")[:_MAX_PART]
    return part or "_"


def output_stem(path: Path) -> str:
    """``<stem>-<path digest>`` (``core.image.failures.path_digest`` of the resolved source path): two inputs
    with one file name in different folders never share an output name; the same input keeps its name."""
    from radassist.core.image.failures import path_digest

    return f"{safe_part(Path(path).stem)}-{path_digest(Path(path).resolve())}"


class OutputNames:
    """Output files of one run: names from sanitised parts only, inside their folder, and never one file for
    two different outputs (two labels that sanitise alike get ``-2``, ``-3``...; the same input given twice
    keeps its names)."""

    def __init__(self) -> None:
        self._owner: dict[Path, tuple[str, ...]] = {}

    def path(self, folder: Path, source: Path, *parts: str) -> Path:
        key = (str(Path(source).resolve()), *parts)
        base = "_".join([output_stem(source), *(safe_part(p) for p in parts)])
        n = 1
        while True:
            out = folder / (f"{base}.png" if n == 1 else f"{base}-{n}.png")
            if self._owner.setdefault(out, key) == key:
                break
            n += 1
        if out.resolve().parent != folder.resolve():  # cannot happen with sanitised parts: refuse, do not trust
            raise OSError(f"refusing to write {out}: outside {folder}")
        return out


def _write_outputs(path: Path, image, a, args, names: OutputNames) -> tuple[dict[str, str], str | None]:
    import cv2

    heat_paths: dict[str, str] = {}
    mask_path = None
    if args.heatmap_dir is not None and a.heatmaps:
        from radassist.core.display import render_uint8
        from radassist.core.explain import blend

        gray = render_uint8(image)
        for label, h in a.heatmaps.items():
            raw = names.path(args.heatmap_dir, path, label)
            over = names.path(args.heatmap_dir, path, label, "overlay")
            _imwrite(cv2, raw, h.to_uint8())
            _imwrite(cv2, over, cv2.cvtColor(blend(gray, h), cv2.COLOR_RGB2BGR))
            heat_paths[label] = str(raw)
    if args.mask_dir is not None and a.lung_mask is not None:
        mask = names.path(args.mask_dir, path, "lungs")
        _imwrite(cv2, mask, a.lung_mask.to_uint8())
        mask_path = str(mask)
    return heat_paths, mask_path


def _imwrite(cv2, path: Path, img) -> None:
    if not cv2.imwrite(str(path), img):
        raise OSError(f"could not write {path}")


def _table_header() -> None:
    print(f"{'status':<9} {'finding':<12} {'prob':>6} {'thr':>6} {'call':<9} {'device':<6} path")


def _table_row(rec: dict) -> None:
    """The file's rows, then each note of its record (population, no gate, no lungs, heatmap outside the
    lungs, refused parts) on an indented ``!`` line under them."""
    if rec["status"] == "ok":
        for f in rec["findings"]:
            call = "POSITIVE" if f["positive"] else "negative"
            print(f"{'ok':<9} {f['label']:<12} {f['probability']:>6.3f} {f['threshold']:>6.3f} {call:<9} "
                  f"{rec['device']:<6} {rec['path']}")
    else:
        print(f"{rec['status']:<9} {'-':<12} {'':>6} {'':>6} {'':<9} {rec.get('device', '-') or '-':<6} "
              f"{rec['path']}: {rec.get('message', '')}")
    for note in rec.get("notes") or ():  # a caveat is read with the finding, not only in --json
        print(f"{'':<9} ! {note}")
