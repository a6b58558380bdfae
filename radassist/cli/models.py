"""``radassist models verify|list|doc``: check model packages, list what is bundled and installed, and
write a package's documentation page from its card. Run time only: no TensorFlow is imported.

``verify PKG...`` checks each package's card against the schema, every file against its hash, and runs
its ``.tflite`` in LiteRT on a dummy input, checking every declared output's name, shape, dtype and range.
Exit 0 when every package passes (one ``OK`` line each), 1 when any fails (each problem named).
"""

from __future__ import annotations

import sys
from pathlib import Path

from radassist.config import EXIT_INPUT_FAILED, EXIT_OK

HELP = "verify, list or document model packages"


def register(subparsers) -> None:
    p = subparsers.add_parser("models", help=HELP, description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="check hashes, the card schema and a LiteRT run against the declared outputs")
    v.add_argument("packages", nargs="+", metavar="PKG", help="package folder, id or id@version")
    v.set_defaults(func=run_verify)
    ls = sub.add_parser("list", help="bundled and installed packages (id, version, where, folder)")
    ls.set_defaults(func=run_list)
    d = sub.add_parser("doc", help="the package's Markdown page, generated from its card")
    d.add_argument("package", metavar="PKG", help="package folder, id or id@version")
    d.add_argument("--out", type=Path, help="write the page here (default: print it)")
    d.set_defaults(func=run_doc)


def run_verify(args) -> int:
    from radassist.core.errors import ModelError
    from radassist.core.models import resolve
    from radassist.core.models.verify import verify_package

    failed = 0
    for ref in args.packages:
        try:
            result = verify_package(resolve(ref))
        except ModelError as exc:  # not a package at all
            print(f"FAIL {ref}: {exc}")
            failed += 1
            continue
        if result.ok:
            print(f"OK   {result.ref} {result.root} (card sha256 {result.sha256[:12]}; {'; '.join(result.checked)})")
        else:
            failed += 1
            print(f"FAIL {result.ref} {result.root}:")
            for problem in result.problems:
                print(f"  - {problem}")
    if failed:
        print(f"{failed} of {len(args.packages)} package(s) failed verification", file=sys.stderr)
    return EXIT_INPUT_FAILED if failed else EXIT_OK


def run_list(args) -> int:
    from radassist.core.models import list_packages

    found = list_packages()
    for model_id, version, folder, where in found:
        print(f"{model_id:<20} {version:<14} {where:<9} {folder}")
    if not found:
        print("no model packages are bundled or installed", file=sys.stderr)
        return EXIT_INPUT_FAILED
    return EXIT_OK


def run_doc(args) -> int:
    from radassist.core.models import resolve
    from radassist.core.models.doc import package_markdown

    page = package_markdown(resolve(args.package))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(page, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(page)
    return EXIT_OK
