"""Helpers for Sentinel tests: write a sentinel config file, start swredisd sentinel or Debian's redis-sentinel on
loopback, read SENTINEL replies as dicts, wait (bounded) for conditions.

Every process goes into the test's `procs` list and is stopped by the fixture."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import Callable, Dict, List, Sequence

import helpers

REDIS_SENTINEL = shutil.which("redis-sentinel") or "/usr/bin/redis-sentinel"


def sentinel_argv(kind: str) -> List[str]:
    return [REDIS_SENTINEL] if kind == "redis" else [helpers.SWREDISD, "sentinel"]


def write_config(directory: str, lines: Sequence[str]) -> str:
    path = os.path.join(directory, "sentinel.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def start_sentinel(procs: list, kind: str, lines: Sequence[str], extra: Sequence[str] = ()) -> helpers.ServerProcess:
    """A sentinel of `kind` ("swredis" or "redis") on a free loopback port, its config file holding `lines` (the port
    and bind address go on the command line, so the file stays as the test wrote it until the sentinel rewrites it)."""
    directory = tempfile.mkdtemp(prefix=f"swredis-sentinel-{kind}-")
    path = write_config(directory, lines)
    last = None
    for _ in range(3):
        port = helpers.free_port()
        try:
            s = helpers.start_server(sentinel_argv(kind), ["--port", str(port), "--bind", helpers.HOST,
                                                           *[str(x) for x in extra]],
                                     dir=directory, conf_file=path, default_args=False, port=port, attempts=1)
            s.own_dir = True
            s.conf = path
            procs.append(s)
            return s
        except helpers.ServerStartError as error:
            last = error
    raise last


def pairs(reply) -> Dict[str, str]:
    """A flat [k1, v1, k2, v2...] reply (RESP2) as a dict of str."""
    if isinstance(reply, dict):
        return {decode(k): decode(v) for k, v in reply.items()}
    return {decode(reply[i]): decode(reply[i + 1]) for i in range(0, len(reply), 2)}


def decode(value):
    return value.decode() if isinstance(value, bytes) else value


def master(s: helpers.ServerProcess, name: str = "mymaster") -> Dict[str, str]:
    with s.client() as c:
        return pairs(c.call("SENTINEL", "MASTER", name))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception as error:  # a server restarting, a reply not there yet
            last = error
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last error: {last!r})")
