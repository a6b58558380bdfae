"""``radassist render FILE OUT.png``: write the 8-bit picture exactly as the viewer shows it by default.

Same pipeline as the viewer and the models (``core.display.render_uint8``): Modality LUT, the file's
first window (or VOI LUT, or full range), MONOCHROME1 inversion. ``--window C W`` and ``--invert`` change
it as the viewer's window/level and invert do.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radassist.config import EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE

HELP = "write FILE as an 8-bit PNG exactly as the viewer shows it"


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "render", help=HELP, doc=__doc__)
    p.add_argument("file", type=Path, metavar="FILE", help="DICOM, PNG or JPEG image")
    p.add_argument("out", type=Path, metavar="OUT.png", help="PNG file to write")
    p.add_argument("--window", nargs=2, type=float, metavar=("CENTER", "WIDTH"),
                   help="linear window instead of the file's default (Modality-LUT units)")
    p.add_argument("--voi-lut", type=int, metavar="N", help="use the file's N-th VOI LUT (0-based)")
    p.add_argument("--invert", action="store_true", help="invert the displayed image")
    p.set_defaults(func=run)


def run(args) -> int:
    from radassist.cli._common import quiet_libraries

    quiet_libraries()
    from radassist.core.display import render_uint8
    from radassist.core.errors import RadAssistError
    from radassist.core.image import Window, load_image

    out = args.out if args.out.suffix else args.out.with_suffix(".png")
    problem = _output_problem(args.out, out)
    if problem:
        print(f"radassist render: {problem}", file=sys.stderr)
        return EXIT_USAGE
    window = None
    if args.window is not None:
        center, width = args.window
        if width <= 0:
            print("radassist render: --window WIDTH must be positive", file=sys.stderr)
            return EXIT_USAGE
        window = Window(center=center, width=width, explanation="command line")
    try:
        image = load_image(args.file)
    except RadAssistError as exc:
        print(f"radassist render: {exc}", file=sys.stderr)
        return EXIT_INPUT_FAILED
    if args.voi_lut is not None and not 0 <= args.voi_lut < len(image.display.voi_luts):
        print(f"radassist render: {args.file.name} has {len(image.display.voi_luts)} VOI LUT(s); "
              f"--voi-lut {args.voi_lut} does not exist", file=sys.stderr)
        return EXIT_USAGE
    u8 = render_uint8(image, window, invert=args.invert, voi_lut_index=args.voi_lut)
    import cv2

    try:
        ok = cv2.imwrite(str(out), u8)
    except (OSError, cv2.error) as exc:
        ok, why = False, str(exc)
    else:
        why = "unsupported file extension or unwritable folder"
    if not ok:
        print(f"radassist render: cannot write {out} ({why})", file=sys.stderr)
        return EXIT_INPUT_FAILED
    size = out.stat().st_size
    print(f"wrote {out} ({u8.shape[1]}x{u8.shape[0]} pixels, 8-bit, {_bytes(size)})")
    return EXIT_OK


def _output_problem(given: Path, out: Path) -> str:
    """Why OUT cannot be written, said before any decoding; empty when it can be."""
    for p in dict.fromkeys((given, out)):
        if p.is_dir():
            return f"OUT {p} is a folder; give the PNG file to write, e.g. {p / 'image.png'}"
    parent = out.parent
    if not parent.exists():
        return f"the folder {parent} does not exist; create it first (render does not create folders)"
    if not parent.is_dir():
        return f"{parent} is not a folder, so {out.name} cannot be written inside it"
    return ""


def _bytes(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"
