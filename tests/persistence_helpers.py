"""Reusable pieces for persistence tests (RDB now, AOF later).

* start_on_file(kind, dir, data=...)   -- start a server whose --dir holds a given dump file
* expect_startup_failure(kind, dir)    -- run a server that must refuse to start; returns (rc, log)
* LOAD_ERROR_PHRASES / assert_log_mentions -- what the log must say for each kind of bad file
* dataset_commands(base_ms) / apply_commands(client, cmds) -- the "rich dataset"
* contents(client), dbsizes(client), digest(client), digest_values(client, keys)
* info(client, section), wait_for(...), wait_bgsave_done(client)
* redis_check_rdb(path)                -- run redis-check-rdb, (returncode, output)
* redis_reference(path)                -- digest/contents redis-server computes for a file

All servers talk on loopback only, every wait is bounded, and every process
started here is stopped by the caller (ServerProcess.cleanup()) or, for the
expect-failure helper, before returning.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import helpers
from helpers import RespClient, RespError, encode_command

REDIS_CHECK_RDB = os.environ.get("REDIS_CHECK_RDB", shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb")

# Redis 7.0 refuses DEBUG unless this is set; swredis accepts the same directive.
DEBUG_ARGS = ["--enable-debug-command", "yes"]

DBS = range(16)

# What the log must contain when a server refuses a bad RDB file.  Redis 7.0's
# phrases; swredis must use one of the same alternatives.
LOAD_ERROR_PHRASES: Dict[str, Tuple[str, ...]] = {
    "truncated": ("Short read",),
    "checksum": ("Wrong RDB checksum",),
    "signature": ("Wrong signature",),
    "version": ("Can't handle RDB format version",),
    "unknown_type": ("Unknown RDB encoding type", "Unknown object type"),
}

# The exact error a write gets after a failed BGSAVE with stop-writes-on-bgsave-error yes.
MISCONF_ERROR = (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
                 b"persist to disk. Commands that may modify the data set are disabled, because this "
                 b"instance is configured to report errors during writes if RDB snapshotting fails "
                 b"(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
                 b"the RDB error.\r\n")


# --------------------------------------------------------------------------
# Starting servers on files
# --------------------------------------------------------------------------

def write_file(path: str, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return path


def start_on_file(kind: str, dir: str, data: Optional[bytes] = None, src: Optional[str] = None,
                  extra_args: Sequence[str] = (), dbfilename: str = "dump.rdb",
                  debug: bool = True) -> helpers.ServerProcess:
    """Start `kind` with --dir `dir` (created if needed) after placing the dump
    there (`data` bytes or a copy of `src`).  The caller must .cleanup()/.stop()."""
    os.makedirs(dir, exist_ok=True)
    if data is not None:
        write_file(os.path.join(dir, dbfilename), data)
    elif src is not None:
        shutil.copyfile(src, os.path.join(dir, dbfilename))
    args = (list(DEBUG_ARGS) if debug else []) + ["--dbfilename", dbfilename] + list(extra_args)
    return helpers.start_kind(kind, args, dir=dir)


def expect_startup_failure(kind: str, dir: str, extra_args: Sequence[str] = (),
                           timeout: float = 10.0) -> Tuple[Optional[int], str]:
    """Run `kind` with the usual default arguments and --dir `dir`; it is
    expected to exit on its own (e.g. because the dump in `dir` is corrupt).
    Returns (returncode, log text).  returncode is None if it started anyway
    (answered PING) or was still running after `timeout` s -- it is then
    killed; negative if it died from a signal."""
    argv = helpers.argv_for_kind(kind)
    port = helpers.free_port()
    full = list(argv) + ["--port", str(port), "--dir", dir, "--save", "", "--appendonly", "no",
                         "--daemonize", "no", "--bind", helpers.HOST] + [str(a) for a in extra_args]
    log_path = os.path.join(dir, f"failing-{port}.log")
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen(full, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=dir, preexec_fn=helpers._die_with_parent)
    rc: Optional[int] = None
    started = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                rc = proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            # answering PING means it started: no point waiting for the timeout
            try:
                helpers.wait_for_ping(helpers.HOST, port, time.monotonic() + 0.2, proc)
                started = True
                break
            except helpers.ServerStartError:
                pass
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=5)
        elif rc is None and not started:
            rc = proc.returncode
    with open(log_path, "rb") as f:
        log = f.read().decode("utf-8", "replace")
    return rc, log


def assert_log_mentions(log: str, category: str) -> None:
    phrases = LOAD_ERROR_PHRASES[category]
    assert any(p in log for p in phrases), \
        f"log does not mention any of {phrases!r}:\n" + "\n".join(log.splitlines()[-25:])


def redis_check_rdb(path: str, timeout: float = 30.0) -> Tuple[int, str]:
    p = subprocess.run([REDIS_CHECK_RDB, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def redis_reference(path: str, dbs: Iterable[int] = DBS, extra_args: Sequence[str] = ()) -> dict:
    """Load `path` into a fresh redis-server and return what it sees:
    {"digest": str, "dbsizes": {...}, "contents": {...}}."""
    tmp = tempfile.mkdtemp(prefix="swredis-ref-")
    try:
        s = start_on_file("redis", tmp, src=path, extra_args=extra_args)
        try:
            with s.client() as c:
                return {"digest": digest(c), "dbsizes": dbsizes(c, dbs), "contents": contents(c, dbs)}
        finally:
            s.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# Talking to servers
# --------------------------------------------------------------------------

def ok(c: RespClient, *args) -> None:
    r = c.command(*args)
    assert r == b"+OK\r\n", f"{args!r} -> {r!r}"


def call(c: RespClient, *args):
    v = c.call(*args)
    if isinstance(v, RespError):
        raise AssertionError(f"{args[:3]!r}... -> error {v}")
    return v


def pipeline(c: RespClient, commands: Sequence[Sequence], check: bool = True) -> List:
    """Send every command at once, read every reply (decoded values)."""
    if not commands:
        return []
    c.send(b"".join(encode_command(*cmd) for cmd in commands))
    out = [c.read_node().value() for _ in commands]
    if check:
        for cmd, v in zip(commands, out):
            if isinstance(v, RespError):
                raise AssertionError(f"{list(cmd)[:3]!r}... -> error {v}")
    return out


def digest(c: RespClient) -> str:
    return call(c, "DEBUG", "DIGEST").decode()


def digest_values(c: RespClient, keys: Sequence[bytes]) -> List[str]:
    return [x.decode() for x in call(c, "DEBUG", "DIGEST-VALUE", *keys)]


def dbsizes(c: RespClient, dbs: Iterable[int] = DBS) -> Dict[int, int]:
    out = {}
    for db in dbs:
        ok(c, "SELECT", db)
        out[db] = call(c, "DBSIZE")
    ok(c, "SELECT", 0)
    return out


def read_value(c: RespClient, key: bytes):
    """(type, value, pexpiretime) of one key, in a comparable form:
    string bytes | list [..] | set sorted [..] | zset [(member, score)] in
    ZRANGE order | hash sorted [(field, value)]."""
    t = call(c, "TYPE", key).decode()
    if t == "string":
        v = call(c, "GET", key)
    elif t == "list":
        v = call(c, "LRANGE", key, 0, -1)
    elif t == "set":
        v = sorted(call(c, "SMEMBERS", key))
    elif t == "zset":
        flat = call(c, "ZRANGE", key, 0, -1, "WITHSCORES")
        v = [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]
    elif t == "hash":
        flat = call(c, "HGETALL", key)
        v = sorted((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))
    else:
        v = None
    return t, v, call(c, "PEXPIRETIME", key)


def contents(c: RespClient, dbs: Iterable[int] = DBS) -> Dict[int, Dict[bytes, tuple]]:
    """Everything in every (non-empty) db: {db: {key: read_value(...)}}."""
    out: Dict[int, Dict[bytes, tuple]] = {}
    for db in dbs:
        ok(c, "SELECT", db)
        keys = call(c, "KEYS", "*")
        if keys:
            out[db] = {k: read_value(c, k) for k in sorted(keys)}
    ok(c, "SELECT", 0)
    return out


def expected_form(kind: str, value, at: Optional[int]):
    """rdbgen's (kind, logical value, expire_at) in read_value()'s form."""
    if kind == "set":
        value = sorted(value)
    elif kind == "zset":
        value = sorted(value.items(), key=lambda p: (p[1], p[0]))
    elif kind == "hash":
        value = sorted(value.items())
    return kind, value, (-1 if at is None else at)


def info(c: RespClient, section: str = "") -> Dict[str, str]:
    raw = call(c, "INFO", section) if section else call(c, "INFO")
    out = {}
    for line in raw.decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def wait_for(pred: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_bgsave_done(c: RespClient, timeout: float = 15.0) -> Dict[str, str]:
    last: Dict[str, str] = {}

    def done():
        nonlocal last
        last = info(c, "persistence")
        return last.get("rdb_bgsave_in_progress") == "0"
    wait_for(done, timeout, what="rdb_bgsave_in_progress:0")
    return last


# --------------------------------------------------------------------------
# The rich dataset
# --------------------------------------------------------------------------

INT_BOUNDARIES = [0, 1, -1, 12, 13, 127, 128, -127, -128, -129, 255, 256, 32767, 32768, -32767, -32768, -32769,
                  2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 63 - 1, -(2 ** 63 - 1), -2 ** 63]
NUMERIC_LOOKING = [b"9223372036854775808", b"-9223372036854775809", b"007", b"-0", b"+1", b" 1", b"1 ", b"0x10",
                   b"1e3", b"3.14", b"12345678901234567890"]


def dataset_commands(base_ms: int, seed: int = 1234) -> List[Tuple[int, List]]:
    """A deterministic list of (db, command) building a dataset that exercises
    every encoding a Redis 7.0 RDB writer produces.  `base_ms` is the epoch ms
    the PEXPIREAT times are relative to (pass the same value to every server
    that must hold the same data)."""
    rng = random.Random(seed)
    cmds: List[Tuple[int, List]] = []

    def add(db, *args):
        cmds.append((db, list(args)))

    # strings
    add(0, "SET", "s:empty", "")
    for v in INT_BOUNDARIES:
        add(0, "SET", f"s:int:{v}", str(v))
    for i, v in enumerate(NUMERIC_LOOKING):
        add(0, "SET", f"s:numlike:{i}", v)
    add(0, "SET", "s:20bytes", "abcdefghijabcdefghij")
    add(0, "SET", "s:21bytes", "a" * 21)
    add(0, "SET", "s:compressible", ("Lorem ipsum dolor sit amet, " * 400).encode())
    add(0, "SET", "s:run", "z" * 100_000)
    add(0, "SET", "s:random", bytes(rng.randrange(256) for _ in range(1000)))
    add(0, "SET", "s:random-big", bytes(rng.randrange(256) for _ in range(40_000)))
    add(0, "SET", "s:binary", b"\x00\xff\r\n\x00" * 10)
    add(0, "SET", "s:utf8", "héllo wörld ✓".encode())
    add(0, "SET", b"\x00binary-key\xff", "v")
    add(0, "SET", "12345", "integer-looking key")
    add(0, "SET", "s:incr", "10")
    add(0, "INCRBY", "s:incr", 5)
    add(0, "SET", "s:float", "3.0")
    add(0, "INCRBYFLOAT", "s:float", "0.5")
    add(0, "SETRANGE", "s:sparse", 5000, "end")
    add(0, "APPEND", "s:append", "part1")
    add(0, "APPEND", "s:append", "part2")

    # lists
    add(0, "RPUSH", "l:small", "a", "b", "c", "1", "-2", "", "a")
    add(0, "RPUSH", "l:big", *[(str(i) if i % 3 else f"elem-{i}") for i in range(300)])
    add(0, "RPUSH", "l:ints", *[str(v) for v in INT_BOUNDARIES])
    add(0, "RPUSH", "l:huge", "head", b"H" * 10_000, "mid", bytes(rng.randrange(256) for _ in range(12_000)),
        b"T" * 9000, "tail")
    add(0, "LPUSH", "l:lpush", "3", "2", "1")
    add(0, "RPUSH", "l:long-elems", *[b"e%03d" % i + b"x" * 200 for i in range(60)])

    # hashes
    add(0, "HSET", "h:small", "f1", "v1", "num", "42", "neg", "-7", "empty", "", "", "empty-field")
    add(0, "HSET", "h:big-count", *[x for i in range(200) for x in (f"field:{i}", f"value:{i}")])
    add(0, "HSET", "h:big-value", "short", "x", "long", "y" * 100)
    add(0, "HSET", "h:ints", *[x for i, v in enumerate(INT_BOUNDARIES) for x in (str(v), str(i))])

    # sets
    add(0, "SADD", "set:ints", "1", "2", "3", "-5", "100000", "0")
    add(0, "SADD", "set:int64", "1", str(2 ** 40), str(-2 ** 63), str(2 ** 63 - 1))
    add(0, "SADD", "set:big-ints", *[str(i * 7 - 1000) for i in range(600)])
    add(0, "SADD", "set:strings", "apple", "banana", "cherry", "", "1")
    add(0, "SADD", "set:big-strings", *[f"member-{i}" for i in range(300)])

    # sorted sets
    add(0, "ZADD", "z:small", "-inf", "minf", "-2.5", "neg", "0", "zero", "0.1", "frac", "1", "one",
        "1e300", "huge", "+inf", "pinf", "3", "", "42", "42")
    add(0, "ZADD", "z:big", *[x for i in range(200) for x in (str(i * 0.25 - 10), f"m{i}")])
    add(0, "ZADD", "z:big", "inf", "big-inf", "-inf", "big-minf")
    add(0, "ZADD", "z:ties", "1", "b", "1", "a", "1", "c")
    add(0, "ZADD", "z:longmember", "5", "M" * 100)

    # expiries (absolute, so both servers agree exactly)
    add(0, "SET", "e:str", "expires")
    add(0, "PEXPIREAT", "e:str", base_ms + 3_600_000)
    add(0, "RPUSH", "e:list", "x")
    add(0, "PEXPIREAT", "e:list", base_ms + 7_200_123)
    add(0, "HSET", "e:hash", "a", "b")
    add(0, "PEXPIREAT", "e:hash", base_ms + 86_400_000)
    add(0, "SADD", "e:set", "1")
    add(0, "PEXPIREAT", "e:set", base_ms + 1_000_000_000)
    add(0, "ZADD", "e:zset", "1", "a")
    add(0, "PEXPIREAT", "e:zset", base_ms + 500_000)

    # db 5
    add(5, "SET", "s:empty", "not empty in db 5")
    add(5, "RPUSH", "l:small", "five")
    add(5, "HSET", "h:five", "k", "v")
    add(5, "SADD", "set:five", "5")
    add(5, "ZADD", "z:five", "5", "five")
    add(5, "SET", "e:five", "5")
    add(5, "PEXPIREAT", "e:five", base_ms + 600_000)

    # db 15
    add(15, "SET", "last-db", "15")
    add(15, "ZADD", "z:15", "-0.5", "a", "inf", "b")
    add(15, "HSET", "h:15-big", *[x for i in range(150) for x in (f"f{i}", "v" * (i % 70))])
    add(15, "SADD", "set:15", *[str(i) for i in range(520)])
    return cmds


DATASET_DBS = (0, 5, 15)


def apply_commands(c: RespClient, cmds: Sequence[Tuple[int, List]], plain_nodes: bool = True) -> None:
    """Run `cmds` (from dataset_commands) on `c`.  With plain_nodes, first
    lower the quicklist packed threshold (DEBUG QUICKLIST-PACKED-THRESHOLD,
    redis-server only; an error reply is ignored) so that list elements above
    1000 bytes become plain quicklist nodes, as in RDB type 18 container 1."""
    if plain_nodes:
        c.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")
    cur = None
    batch: List[Sequence] = []
    for db, cmd in cmds:
        if db != cur:
            batch.append(("SELECT", db))
            cur = db
        batch.append(cmd)
    batch.append(("SELECT", 0))
    pipeline(c, batch)
