"""``radassist review FILE --finding LABEL=present|absent``: record a clinician's decision headlessly.

Runs the same analysis the app shows (``core.analysis.Pipeline``: OOD gate, classifier, lungs, heatmaps, with
the app's policy for a missing or damaged gate or lung package), then records
``image_opened``, ``prediction_shown`` and the decisions through ``core.review``, exactly as the findings
panel does. A decision that disagrees with the AI needs ``--reason``. Exit 0 when every decision was
saved, 1 when something failed (a decision that could not be saved is kept and retried next time),
2 for a malformed ``--finding`` or one naming a label the model does not have, an unknown model
or an unavailable device.
"""

from __future__ import annotations

import sys

from radassist.config import DEVICES, EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "review", help="record a clinician's decision about an image's findings",
                    doc=__doc__)
    p.add_argument("file", metavar="FILE", help="DICOM, PNG or JPEG chest X-ray")
    p.add_argument("--finding", action="append", default=[], metavar="LABEL=present|absent",
                   help="the reviewer's call for a finding (repeatable)")
    p.add_argument("--accept-all", action="store_true", help="accept the AI's call for every undecided finding")
    p.add_argument("--reason", default="", help="why, when the call disagrees with the AI (required then)")
    p.add_argument("--note", default="", help="a note for the study")
    p.add_argument("--user", help="reviewer name (default: the display name setting, else the OS login)")
    p.add_argument("--sign-off", action="store_true", help="close the review (every finding decided)")
    p.add_argument("--url", help="audit store: file path or postgresql://... (default: the settings)")
    p.add_argument("--model", help="classifier package id or folder (default: the settings, else bundled)")
    p.add_argument("--gate", help="OOD gate package id or folder (default: RADASSIST_OOD_GATE, else the "
                                  "ood_gate setting, else the bundled ood-gate)")
    p.add_argument("--device", choices=DEVICES, help="where the classifier runs")
    p.add_argument("--json", action="store_true", help="print the decisions as JSON lines")
    p.set_defaults(func=run)


def parse_findings(items: list[str]) -> list[tuple[str, str]]:
    """``["pneumonia=present"]`` -> ``[("pneumonia", "present")]``; ValueError naming a malformed item."""
    out = []
    for item in items:
        label, sep, value = item.partition("=")
        value = value.strip().lower()
        if not sep or not label.strip() or value not in ("present", "absent"):
            raise ValueError(f"--finding {item!r}: use LABEL=present or LABEL=absent")
        out.append((label.strip(), value))
    return out


def unknown_findings(decisions: list[tuple[str, str]], card) -> str:
    """Why a ``--finding`` label is not one the model reports (naming the labels it has); empty when all are."""
    unknown = [label for label, _ in decisions if label not in card.labels]
    if not unknown:
        return ""
    return (f"--finding {unknown[0]}=...: the model {card.ref} has no finding {unknown[0]!r}; "
            f"its findings: {', '.join(card.labels)}")


def run(args) -> int:
    try:
        decisions = parse_findings(args.finding)
    except ValueError as exc:
        print(f"radassist review: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not decisions and not args.accept_all and not args.note and not args.sign_off:
        print("radassist review: nothing to record: give --finding, --accept-all, --note or --sign-off",
              file=sys.stderr)
        return EXIT_USAGE

    from dataclasses import replace

    from radassist.cli._common import emit_json, pipeline_for, settings_for
    from radassist.core.audit import Outbox, open_store
    from radassist.core.errors import AuditWriteError
    from radassist.core.image import load_image
    from radassist.core.review import Review, identity_of, record_image_opened

    settings = settings_for("review")
    if args.gate:  # the flag beats RADASSIST_OOD_GATE and the setting, as --model and --device do
        settings = replace(settings, ood_gate=args.gate)
    user = (args.user or settings.reviewer).strip()
    # the models first: a usage problem (unknown model or finding) is said before anything is recorded
    pipeline = pipeline_for("review", settings, model=args.model, device=args.device)
    if pipeline is None:
        return EXIT_USAGE
    problem = unknown_findings(decisions, pipeline.engine.package.card)
    if problem:
        print(f"radassist review: {problem}", file=sys.stderr)
        return EXIT_USAGE
    # bound to this store: its spool (beside it) holds only events meant for it
    outbox = Outbox(lambda: open_store(args.url), location=args.url)
    try:
        image = load_image(args.file)
        try:  # opened before the analysis, as in the viewer
            record_image_opened(outbox, identity_of(image), user,
                                details={"format": image.source.format, "shape": list(image.shape)})
        except AuditWriteError as exc:
            print(f"radassist: warning: {exc}", file=sys.stderr)
        analysis = pipeline.analyze(image)
        review = Review(analysis.to_record(), user, outbox)
        failed = False
        steps = [lambda: review.prediction_shown()]
        steps += [lambda label=label, value=value: review.decide(label, value, args.reason)
                  for label, value in decisions]
        if args.accept_all:
            steps.append(review.accept_all)
        if args.note:
            steps.append(lambda: review.add_note(args.note))
        if args.sign_off:
            steps.append(review.sign_off)
        for step in steps:
            try:
                step()
            except AuditWriteError as exc:  # kept and spooled: shown as not yet saved, retried later
                print(f"radassist: {exc}", file=sys.stderr)
                failed = True
        for d in review.decisions:
            if args.json:
                emit_json({"kind": d.kind, "label": d.label, "value": d.value, "ai_value": d.ai_value,
                           "user": d.user, "reason": d.reason, "sequence": d.sequence, "saved": d.saved,
                           "superseded": d.superseded, "timestamp": d.timestamp})
            else:
                what = (f"{d.label}: {d.value} (AI: {d.ai_value})" if d.label
                        else d.note or ("review closed" if d.kind == "signed_off" else ""))
                where = f"#{d.sequence}" if d.saved else "NOT YET SAVED"
                flag = " [superseded]" if d.superseded else ""
                print(f"{d.kind:<18} {what} by {d.user} {where}{flag}".rstrip())
        return EXIT_INPUT_FAILED if failed else EXIT_OK
    finally:
        outbox.close()
