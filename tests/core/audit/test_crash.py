"""Crash safety: a writer killed with SIGKILL in the middle of a burst loses no committed record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from radassist.core.audit import open_store

REPO = Path(__file__).resolve().parents[3]

# Appends forever, alternating single appends and bursts of 25 in one transaction; prints a record's
# sequence number only after its transaction committed.
_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from radassist.core.audit import open_store
    from tests.core.audit._factory import event
    store = open_store(sys.argv[1])
    i = 0
    while True:
        if i % 50 < 25:
            recs = [store.append(event(i))]
            i += 1
        else:
            recs = store.append_many(event(j) for j in range(i, i + 25))
            i += 25
        print(" ".join(str(r.sequence) for r in recs), flush=True)
""")


def test_sigkill_mid_burst_loses_no_committed_record(store_url, tmp_path):
    open_store(store_url).close()
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(repo=str(REPO)))
    proc = subprocess.Popen([sys.executable, str(script), store_url], stdout=subprocess.PIPE, text=True)
    reported: list[int] = []
    try:
        while len(reported) < 300:  # several bursts in; the next one is in flight when we kill
            line = proc.stdout.readline()
            assert line, "writer died on its own"
            reported.extend(int(x) for x in line.split())
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()  # lines printed before the kill that we had not read yet
        proc.wait(timeout=30)
    reported.extend(int(x) for x in rest.split())
    assert proc.returncode == -signal.SIGKILL
    with open_store(store_url) as store:
        result = store.verify()
        assert result.ok, result
        stored = {r.sequence for r in store.query()}
    assert set(reported) <= stored  # every record reported committed survived
    assert result.count == len(stored) >= max(reported)
    with open_store(store_url) as store:  # and the log takes appends again, continuing the chain
        from tests.core.audit._factory import event

        assert store.append(event(0)).sequence == result.count + 1
        assert store.verify().ok
