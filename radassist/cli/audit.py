"""``radassist audit verify|export``: prove the audit trail is intact, or hand it to an auditor.

``verify`` exits 0 and prints the count when the chain is intact, 1 naming the first bad record (edited,
deleted, inserted or reordered). ``export`` writes csv or jsonl (default stdout) and is itself audited.
Both use ``--url``, else ``RADASSIST_AUDIT_URL``, else the ``audit_url`` setting, else the local SQLite file.
"""

from __future__ import annotations

import os
import sys

from radassist.config import EXIT_INPUT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers) -> None:
    p = subparsers.add_parser("audit", help="verify or export the audit trail",
                              description="Verify the hash chain of the audit trail, or export it.")
    sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = sub.add_parser("verify", help="walk the hash chain; exit 1 naming the first bad record")
    v.add_argument("--url", help="audit store: file path or postgresql://... (default: the settings)")
    v.set_defaults(func=run)
    e = sub.add_parser("export", help="write the audit records as csv or jsonl")
    e.add_argument("--url", help="audit store: file path or postgresql://... (default: the settings)")
    e.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    e.add_argument("--since", metavar="DATE", help="from this UTC date or ISO time (inclusive)")
    e.add_argument("--until", metavar="DATE", help="up to this UTC date or ISO time (exclusive)")
    e.add_argument("--user", help="only this user's records")
    e.add_argument("--image", metavar="SHA256", help="only records about this image (pixel SHA-256)")
    e.add_argument("--event", action="append", metavar="TYPE", help="only this event type (repeatable)")
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.set_defaults(func=run)
    p.set_defaults(func=run)


def run(args) -> int:
    from radassist.core.audit import open_store

    store = open_store(args.url)
    try:
        if args.audit_command == "verify":
            return _verify(store)
        return _export(store, args)
    finally:
        store.close()


def _verify(store) -> int:
    result = store.verify()
    if result.ok:
        print(f"audit trail intact: {result.count} records in {store.location}; "
              f"head #{result.head_sequence} {result.head_hash}")
        return EXIT_OK
    print(f"AUDIT TRAIL BROKEN at record {result.first_bad_sequence}: {result.reason}", file=sys.stderr)
    print(f"first bad record: {result.first_bad_sequence}")
    return EXIT_INPUT_FAILED


def _export(store, args) -> int:
    from radassist.core.audit import new_event
    from radassist.core.audit.store import Query
    from radassist.core.errors import AuditWriteError

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
