"""A crash during BGSAVE never damages the last good dump.rdb: the snapshot goes to a temporary file that is
renamed over the old one only after fsync."""

import os
import random
import signal
import time

import helpers
import persistence_helpers as ph


def test_kill9_during_bgsave_keeps_the_previous_dump(procs, tmp_path):
    rng = random.Random(11)
    directory = str(tmp_path / "a")
    os.makedirs(directory)
    s = helpers.start_kind("swredis", ["--enable-debug-command", "yes"], dir=directory)
    procs.append(s)
    with s.client() as c:
        ph.pipeline(c, [["SET", "first:%d" % i, "x" * 20] for i in range(2000)])
        ph.ok(c, "SAVE")
        saved = ph.digest(c)
        for batch in range(20):
            ph.pipeline(c, [["SET", "more:%d:%d" % (batch, i), "y" * 50] for i in range(5000)])
    dump = os.path.join(directory, "dump.rdb")
    size = os.path.getsize(dump)
    with s.client() as c:
        c.command("BGSAVE")
    time.sleep(rng.uniform(0.0, 0.02))
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=5)
    # Either the BGSAVE finished (a complete new file) or the old file is untouched; never a torn one.
    again = helpers.start_kind("swredis", ["--enable-debug-command", "yes"], dir=directory)
    procs.append(again)
    with again.client() as c:
        digest = ph.digest(c)
        count = ph.call(c, "DBSIZE")
    assert (digest == saved and os.path.getsize(dump) == size) or count == 2000 + 20 * 5000, (count, size)
