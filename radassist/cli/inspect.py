"""``radassist inspect FILE...``: decode each image and print its metadata, or why it cannot be read.

Every file is processed even when some fail (exit code 1 then), so a folder of mixed files can be
checked in one run. ``--json`` prints one JSON object per line for scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from radassist.config import EXIT_INPUT_FAILED, EXIT_OK

HELP = "show the metadata of DICOM/PNG/JPEG files (or why they cannot be opened)"


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "inspect", help=HELP, doc=__doc__)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="image files or folders")
    p.add_argument("--json", action="store_true", help="one JSON object per file (JSON lines)")
    p.add_argument("--no-patient", action="store_true", help="leave patient name/ID/sex/age out of the output")
    p.set_defaults(func=run)


def describe(image: Any, *, patient: bool = True) -> dict[str, Any]:
    """The JSON-safe record ``inspect --json`` prints for one decoded image."""
    f = image.meta.fields
    spacing = {}
    for key, plane in (("PixelSpacing", "patient"), ("ImagerPixelSpacing", "detector")):
        if f.get(key):
            spacing[key] = {"mm": list(f[key]), "plane": plane}
    rec: dict[str, Any] = {
        "file": str(image.source.path),
        "status": "ok",
        "format": image.source.format,
        "transfer_syntax": image.source.transfer_syntax,
        "transfer_syntax_name": image.source.transfer_syntax_name,
        "file_size": image.source.file_size,
        "rows": image.shape[0],
        "columns": image.shape[1],
        "bits_stored": image.display.bits_stored,
        "photometric": image.display.photometric,
        "pixel_sha256": image.pixel_sha256,
        "pixel_range": [image.display.pixel_min, image.display.pixel_max],
        "windows": [{"center": w.center, "width": w.width, "explanation": w.explanation, "function": w.function}
                    for w in image.display.windows],
        "voi_luts": [{"first_mapped": v.first_mapped, "entries": len(v.table), "bits": v.bits,
                      "explanation": v.explanation} for v in image.display.voi_luts],
        "spacing": spacing,
        "metadata": dict(f),
        "notes": list(image.meta.notes),
    }
    if patient:
        rec["patient"] = dict(image.meta.patient)
    return rec


def _error_record(path: Path, exc: Any) -> dict[str, Any]:
    return {"file": str(path), "status": "error", "error_code": getattr(exc, "code", "error"), "message": str(exc)}


def _table_line(rec: dict[str, Any]) -> str:
    name = Path(rec["file"]).name
    if rec["status"] != "ok":
        return f"{name:<32} ERROR {rec['error_code']}: {rec['message']}"
    md = rec["metadata"]
    what = " ".join(str(x) for x in (md.get("Modality"), md.get("BodyPartExamined"), md.get("ViewPosition")) if x)
    codec = rec["transfer_syntax_name"] or rec["format"]
    window = rec["windows"][0] if rec["windows"] else None
    wl = f"W {window['width']:g}/L {window['center']:g}" if window else ("VOI LUT" if rec["voi_luts"] else "full range")
    return (f"{name:<32} ok    {rec['columns']}x{rec['rows']} {rec['bits_stored']}-bit {rec['photometric']:<11} "
            f"{what or '-':<14} {codec[:36]:<36} {wl:<18} sha256 {rec['pixel_sha256'][:12]}")


def run(args) -> int:
    from radassist.cli._common import quiet_libraries

    quiet_libraries()
    from radassist.cli._common import collect_inputs, emit_json
    from radassist.core.errors import RadAssistError
    from radassist.core.image import load_image

    failed = 0
    seen = 0
    inputs = collect_inputs(args.files)
    inputs.say_skipped("inspect")
    for path in inputs.files:
        seen += 1
        try:
            rec = describe(load_image(path), patient=not args.no_patient)
        except RadAssistError as exc:
            rec = _error_record(path, exc)
            failed += 1
        if args.json:
            emit_json(rec)
        else:
            print(_table_line(rec))
            for note in rec.get("notes", []):
                print(f"{'':<32}       note: {note}")
    if seen == 0:
        print("radassist inspect: no image files found in the given folders", file=sys.stderr)
        return EXIT_INPUT_FAILED
    if failed and not args.json:
        print(f"{failed} of {seen} file(s) could not be opened", file=sys.stderr)
    return EXIT_INPUT_FAILED if failed else EXIT_OK
