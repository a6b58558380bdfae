"""``radassist models verify|list|doc|keygen|sign|install|bundle-manifest``: check model packages, list what is
bundled and installed, write a package's documentation page from its card, and the site's signing workflow.
Run time only: no TensorFlow is imported.

``verify PKG...`` checks each package's trust (bundled, or signed by a key in the trusted-keys folder), its
card against the schema, every file against its hash, and runs its ``.tflite`` in LiteRT on a dummy input,
checking every declared output's name, shape, dtype and range. Given the bundled ``TRUSTED.json`` it checks
that the manifest lists the bundled cards' current hashes. Exit 0 when everything passes (one ``OK`` line
each), 1 when anything fails (each problem named).

Signing (the administrator, once per site): ``keygen --out DIR`` writes ``NAME.key`` (mode 0600: keep it
off the workstations) and ``NAME.pub`` (copy it into every workstation's trusted-keys folder);
``sign PKG --key NAME.key`` checks every file and writes ``model_card.sig``; ``install PKG`` refuses an
unsigned or wrongly signed package, checks every hash and copies it into the installed models folder.
Each exits 0 on success and 1 with the reason when refused.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radassist.config import EXIT_INPUT_FAILED, EXIT_OK

HELP = "verify, list, document, sign or install model packages"


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "models", help=HELP, doc=__doc__, first_paragraph=True)
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="check trust, hashes, the card schema and a LiteRT run against the declared "
                                      "outputs")
    v.add_argument("packages", nargs="+", metavar="PKG", help="package folder, id or id@version (or the bundled "
                                                              "TRUSTED.json)")
    v.set_defaults(func=run_verify)
    ls = sub.add_parser("list", help="bundled and installed packages (id, version, where, trust, folder)")
    ls.set_defaults(func=run_list)
    d = sub.add_parser("doc", help="the package's Markdown page, generated from its card")
    d.add_argument("package", metavar="PKG", help="package folder, id or id@version")
    d.add_argument("--out", type=Path, help="write the page here (default: print it)")
    d.set_defaults(func=run_doc)
    k = sub.add_parser("keygen", help="a new Ed25519 signing key: NAME.key (private, 0600) and NAME.pub")
    k.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the two files")
    k.add_argument("--name", default="radassist-signing", help="file name of the key (default: %(default)s)")
    k.set_defaults(func=run_keygen)
    s = sub.add_parser("sign", help="check every file of a package, then sign its card (writes model_card.sig)")
    s.add_argument("package", metavar="PKG", type=Path, help="package folder")
    s.add_argument("--key", type=Path, required=True, metavar="PRIVATE", help="the .key file from keygen")
    s.set_defaults(func=run_sign)
    i = sub.add_parser("install", help="install a signed package into the installed models folder")
    i.add_argument("package", metavar="PKG", type=Path, help="package folder (signed)")
    i.set_defaults(func=run_install)
    b = sub.add_parser("bundle-manifest", help="write the bundled TRUSTED.json from the bundled cards")
    b.add_argument("--check", action="store_true", help="only check it is current (exit 1 when not)")
    b.set_defaults(func=run_bundle_manifest)


def _is_bundle_manifest(ref: str) -> bool:
    from radassist.core.models.trust import MANIFEST_NAME, manifest_path

    p = Path(ref)
    return p.name == MANIFEST_NAME and p.is_file() and p.resolve() == manifest_path().resolve()


def run_verify(args) -> int:
    from radassist.core.errors import ModelError
    from radassist.core.models import resolve
    from radassist.core.models.trust import manifest_problems
    from radassist.core.models.verify import verify_package

    failed = 0
    for ref in args.packages:
        if _is_bundle_manifest(ref):
            problems = manifest_problems()
            if problems:
                failed += 1
                print(f"FAIL {ref}: {'; '.join(problems)}")
            else:
                print(f"OK   {ref} (lists the bundled cards' current hashes)")
            continue
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
    from radassist.core.errors import ModelError
    from radassist.core.models import list_packages, load_package
    from radassist.core.models.trust import BUNDLED_SIGNER, UNTRUSTED_SIGNER

    found = list_packages()
    for model_id, version, folder, where in found:
        try:
            signer = load_package(folder, verify=False, require_trust=False).signer
        except ModelError:
            signer = UNTRUSTED_SIGNER
        trust = signer if signer in (BUNDLED_SIGNER, UNTRUSTED_SIGNER) else "signed"
        print(f"{model_id:<20} {version:<14} {where:<9} {trust.upper() if trust == UNTRUSTED_SIGNER else trust:<9} "
              f"{folder}")
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


def run_keygen(args) -> int:
    from radassist.core.models.trust import generate_keypair, trusted_keys_dir

    key, pub, kid = generate_keypair(args.out, args.name)
    print(f"wrote {key} (private: keep it with the administrator, never on a workstation)")
    print(f"wrote {pub} (key {kid}: copy it into each workstation's {trusted_keys_dir()})")
    return EXIT_OK


def run_sign(args) -> int:
    from radassist.core.models import load_package
    from radassist.core.models.trust import sign_package, trusted_keys

    sig, kid = sign_package(args.package, args.key)
    ref = load_package(args.package, verify=False, require_trust=False).card.ref
    print(f"signed {ref}: {sig} (key {kid})")
    if kid not in trusted_keys()[0]:
        print(f"note: key {kid} is not trusted on this machine; its .pub file must be in the trusted-keys folder "
              "of every workstation that is to use the package", file=sys.stderr)
    return EXIT_OK


def run_install(args) -> int:
    from radassist.core.models import install_package, load_package

    dest = install_package(args.package)
    pkg = load_package(dest)
    print(f"installed {pkg.card.ref} (signed by {pkg.signer}) into {dest}; select it as {pkg.card.ref}")
    return EXIT_OK


def run_bundle_manifest(args) -> int:
    from radassist.core.models.trust import manifest_path, manifest_problems, write_bundle_manifest

    if args.check:
        problems = manifest_problems()
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{manifest_path()} is current")
        return EXIT_INPUT_FAILED if problems else EXIT_OK
    print(f"wrote {write_bundle_manifest()}")
    return EXIT_OK
