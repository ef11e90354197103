"""Helpers for replication tests: start masters and replicas (swredis or Debian's redis-server) on loopback,
wait until replicas caught up, read INFO replication, cut links.

Every server goes into the test's `procs` list and is stopped by the fixture; waits are bounded."""

from __future__ import annotations

import os
import signal
import time
from typing import Dict, List, Sequence

import helpers
import persistence_helpers as ph

# Tests don't wait the default 5 s for more replicas before a diskless sync.
REPL_ARGS = ["--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"]


def start(procs: list, kind: str, extra: Sequence = (), **kw) -> helpers.ServerProcess:
    s = helpers.start_kind(kind, REPL_ARGS + [str(x) for x in extra], **kw)
    procs.append(s)
    return s


def start_replica(procs: list, kind: str, master: helpers.ServerProcess, extra: Sequence = (), **kw):
    return start(procs, kind, ["--replicaof", "127.0.0.1", str(master.port), *extra], **kw)


def replication(s: helpers.ServerProcess) -> Dict[str, str]:
    with s.client() as c:
        return ph.info(c, "replication")


def stats(s: helpers.ServerProcess) -> Dict[str, str]:
    with s.client() as c:
        return ph.info(c, "stats")


def wait_link_up(replica: helpers.ServerProcess, timeout: float = 15.0) -> None:
    ph.wait_for(lambda: replication(replica).get("master_link_status") == "up", timeout=timeout,
                what=f"master link of {replica!r} up")


def wait_in_sync(master: helpers.ServerProcess, *replicas: helpers.ServerProcess, timeout: float = 15.0) -> int:
    """Waits until every replica applied the master's whole stream; returns that offset."""
    target = {"offset": -1}

    def caught_up() -> bool:
        offset = int(replication(master)["master_repl_offset"])
        target["offset"] = offset
        for r in replicas:
            info = replication(r)
            if info.get("master_link_status") != "up" or int(info.get("slave_repl_offset", -1)) != offset:
                return False
        return True

    ph.wait_for(caught_up, timeout=timeout, what="replicas in sync")
    return target["offset"]


def contents(s: helpers.ServerProcess):
    with s.client() as c:
        return ph.contents(c)


def write_dataset(master: helpers.ServerProcess, seed: int = 1234) -> None:
    """Every type and encoding, expiries, 16 databases (persistence_helpers' rich dataset)."""
    base = int(time.time() * 1000)
    with master.client() as c:
        ph.apply_commands(c, ph.dataset_commands(base, seed), plain_nodes=False)
        batch = []
        for db in range(16):
            batch += [["SELECT", db], ["SET", f"db:{db}", db], ["SET", f"ttl:{db}", "v", "EX", 1000 + db]]
        ph.pipeline(c, batch + [["SELECT", 0]])


def write_keys(s: helpers.ServerProcess, prefix: str, count: int, size: int = 10) -> None:
    with s.client() as c:
        ph.pipeline(c, [["SET", f"{prefix}:{i}", "x" * size] for i in range(count)])


def kill_master_link(replica: helpers.ServerProcess) -> None:
    with replica.client() as c:
        assert ph.call(c, "CLIENT", "KILL", "TYPE", "master") == 1


def log_count(s: helpers.ServerProcess, text: str) -> int:
    return s.log().count(text)


def thread_states(pid: int) -> str:
    states = ""
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat") as f:
            states += f.read().rsplit(") ", 1)[1][0]
    return states


def pause(s: helpers.ServerProcess) -> None:
    """SIGSTOP, then wait until every thread is really stopped (delivery is asynchronous)."""
    os.kill(s.pid, signal.SIGSTOP)
    ph.wait_for(lambda: set(thread_states(s.pid)) <= {"T", "t"}, timeout=5, interval=0.001, what="process stopped")


def resume(s: helpers.ServerProcess) -> None:
    os.kill(s.pid, signal.SIGCONT)


def role(s: helpers.ServerProcess) -> List:
    with s.client() as c:
        return ph.call(c, "ROLE")
