"""``radassist audit verify|export``: prove the audit trail is intact, or hand it to an auditor.

``verify`` exits 0 and prints the count when the chain is intact, 1 naming the first bad record (edited,
deleted, inserted, reordered, not authenticated by the anchor key, or missing since the last checkpoint).
It opens the store read-only and never creates one: a missing database is exit 1 — except when no store
was named (no ``--url``, ``RADASSIST_AUDIT_URL`` or ``audit_url``) and there are no checkpoints either,
i.e. a workstation that has recorded nothing yet, which is exit 0 with "no audit trail yet". ``export``
writes csv or jsonl (default stdout) from an existing store and is itself audited. Both use ``--url``, else
``RADASSIST_AUDIT_URL``, else the ``audit_url`` setting, else the local SQLite file. Store URLs are shown
with their password hidden.
"""

from __future__ import annotations

import os
import sys

from radassist.config import EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE

#: what --since/--until accept (ISO 8601, as datetime.fromisoformat reads it): said in --help and in the error
DATE_FORMS = ("YYYY-MM-DD (00:00 UTC that day), YYYY-MM-DDTHH:MM[:SS] (UTC), or with an offset or Z, "
              "e.g. 2024-05-01, 2024-05-01T14:30, 2024-05-01T14:30+02:00, 2024-05-01T12:30Z")


def register(subparsers) -> None:
    from radassist.cli._common import add_command

    p = add_command(subparsers, "audit", help="verify or export the audit trail", doc=__doc__)
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="walk the hash chain; exit 1 naming the first bad record")
    v.add_argument("--url", help="audit store: file path or postgresql://... (default: the settings)")
    v.set_defaults(func=run)
    e = sub.add_parser("export", help="write the audit records as csv or jsonl")
    e.add_argument("--url", help="audit store: file path or postgresql://... (default: the settings)")
    e.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    e.add_argument("--since", metavar="DATE", help=f"from this date or time (inclusive): {DATE_FORMS}")
    e.add_argument("--until", metavar="DATE", help="up to this date or time (exclusive), in the same forms")
    e.add_argument("--user", help="only this user's records")
    e.add_argument("--image", metavar="SHA256", help="only records about this image (pixel SHA-256)")
    e.add_argument("--event", action="append", metavar="TYPE", help="only this event type (repeatable)")
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.set_defaults(func=run)
    p.set_defaults(func=run)


def run(args) -> int:
    from radassist.core.audit import open_store

    if args.audit_command == "verify":
        return _verify(args)
    store = open_store(args.url, create=False)  # AuditStoreMissingError (exit 1) rather than a new store
    try:
        return _export(store, args)
    finally:
        store.close()


def _verify(args) -> int:
    from radassist.config import load_settings
    from radassist.core.audit import anchor, open_store, resolve_location
    from radassist.core.audit.location import parse_location
    from radassist.core.errors import AuditError, AuditStoreMissingError

    where = parse_location(resolve_location(args.url))
    named = bool(args.url) or bool(load_settings().audit_url)
    try:
        store = open_store(args.url, read_only=True)
    except AuditError as exc:
        cps = where.checkpoints_path
        if anchor.has_checkpoints(cps):
            print(f"AUDIT TRAIL BROKEN: {exc.message} Its checkpoints ({cps}) say it held records: it was "
                  "deleted, replaced or cannot be reached.", file=sys.stderr)
            print("first bad record: 1")
            return EXIT_INPUT_FAILED
        if isinstance(exc, AuditStoreMissingError) and not named:
            print(f"no audit trail yet: {where.display} does not exist and has no checkpoints (nothing recorded "
                  "on this workstation)")
            return EXIT_OK
        raise
    try:
        result = store.verify()
    finally:
        store.close()
    if result.ok:
        anchored = ("not anchored" if result.anchored_from is None
                    else f"anchored from #{result.anchored_from}")
        checkpoint = f"last checkpoint #{result.checkpoint}" if result.checkpoint else "no checkpoint"
        print(f"audit trail intact: {result.count} records in {store.location}; head #{result.head_sequence} "
              f"{result.head_hash}; {anchored}; {checkpoint}")
        for note in result.notes:
            print(f"note: {note}")
        return EXIT_OK
    if result.first_bad_sequence is None:
        print(f"AUDIT TRAIL CANNOT BE TRUSTED ({store.location}): {result.reason}", file=sys.stderr)
        print("first bad record: unknown")
    else:
        print(f"AUDIT TRAIL BROKEN at record {result.first_bad_sequence}: {result.reason} ({store.location})",
              file=sys.stderr)
        print(f"first bad record: {result.first_bad_sequence}")
    return EXIT_INPUT_FAILED


def _export(store, args) -> int:
    from radassist.core.audit import new_event
    from radassist.core.audit.store import Query
    from radassist.core.errors import AuditWriteError

    for flag, value in (("--since", args.since), ("--until", args.until)):
        try:  # each date on its own, parsed as the query parses it, so the error names the flag
            Query.build(since=value)
        except ValueError:
            print(f"radassist audit export: {flag} {value!r} is not a date or time; use {DATE_FORMS}",
                  file=sys.stderr)
            return EXIT_USAGE
    try:
        query = Query.build(since=args.since, until=args.until, user=args.user, pixel_sha256=args.image,
                            event_types=args.event)
    except ValueError as exc:
        print(f"radassist audit export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    filters = {k: v for k, v in {"since": query.since, "until": query.until, "user": query.user,
                                 "image": query.pixel_sha256, "events": list(query.event_types)}.items() if v}
    from radassist.core.audit.export import write_records

    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            n = write_records(store.iter_records(query), out, args.format)
    else:
        try:
            n = write_records(store.iter_records(query), sys.stdout, args.format)
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: stop quietly, the export was not complete
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_INPUT_FAILED
    event = new_event("export", details={"format": args.format, "filters": filters, "records": n,
                                         "destination": "file" if args.out else "stdout"})
    try:
        store.append(event)
    except AuditWriteError as exc:  # the export itself succeeded; say that it could not be logged
        print(f"radassist: warning: the export was not recorded in the audit trail ({exc})", file=sys.stderr)
    print(f"exported {n} records ({args.format})" + (f" to {args.out}" if args.out else ""), file=sys.stderr)
    return EXIT_OK
