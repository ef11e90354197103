"""Blocking commands, pub/sub, keyspace notifications and maxmemory eviction,
proved black-box on real processes.

Every test is parametrized over ``kind`` ("redis" = Debian's redis-server 7.0,
"swredis" = swredisd) and runs *identical* assertions against both, which is how
we show Redis parity.  Known swredis bugs are strict ``xfail``s on the swredis
case only (never when the swredis side is played by redis-server, i.e.
DIFF_TARGET=redis / SWREDISD_IS_REDIS=1).

1. Blocking lists / zsets: FIFO service of several blocked clients, multi-key
   BLPOP, sub-second timeouts, BLMOVE, pipelined command behind a blocked one,
   BLPOP inside MULTI, key re-created with another type, CLIENT UNBLOCK,
   BZPOPMIN, disconnecting a blocked client.
2. Pub/sub through redis-py (RESP2 and RESP3): subscribe/psubscribe, message
   order, PUBSUB NUMSUB/NUMPAT/CHANNELS, unsubscribe; pubsub output buffer limit
   disconnecting a subscriber that never reads.
3. Keyspace notifications (KEA, Ex, Kl, E$): exact message sequences.
4. maxmemory eviction with every policy, and noeviction's -OOM.

Loopback only; every wait is bounded; every server is stopped by the
``server_factory`` fixture (conftest.py) even when a test fails.
"""

from __future__ import annotations

import re
import select
import socket
import threading
import time
from typing import List, Optional, Sequence, Tuple

import pytest

import helpers
from helpers import HOST, RespClient, encode_command

KINDS = ["redis", "swredis"]

WAIT = 5.0  # generic bound for "this should happen soon"


def kind_params(swredis_xfail: Optional[str] = None):
    """[redis, swredis] params; the swredis one strictly xfailed with `swredis_xfail`."""
    marks = []
    if swredis_xfail:
        marks.append(pytest.mark.xfail(condition=not helpers.swredis_is_redis(), strict=True,
                                       reason=f"swredis: {swredis_xfail}"))
    return [pytest.param("redis", id="redis"), pytest.param("swredis", marks=marks, id="swredis")]


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def info_text(c: RespClient, section: str) -> str:
    v = c.call("INFO", section)
    assert isinstance(v, bytes), v
    return v.decode()


def info_int(c: RespClient, section: str, name: str) -> int:
    text = info_text(c, section)
    m = re.search(rf"^{re.escape(name)}:(\d+)\r?$", text, re.M)
    assert m, f"INFO {section} has no integer field {name!r}:\n{text}"
    return int(m.group(1))


def wait_until(pred, timeout: float = WAIT, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())


def blocked_clients(c: RespClient) -> int:
    return info_int(c, "clients", "blocked_clients")


def wait_blocked(c: RespClient, n: int, timeout: float = WAIT) -> None:
    assert wait_until(lambda: blocked_clients(c) == n, timeout), \
        f"blocked_clients never became {n} (now {blocked_clients(c)})"


def silent(c: RespClient, wait: float = 0.2) -> bool:
    """True if no reply byte arrives on `c` within `wait` seconds."""
    if c.pending():
        return False
    r, _, _ = select.select([c.sock], [], [], wait)
    return not r


def bulk_array(*items: bytes) -> bytes:
    out = [b"*%d\r\n" % len(items)]
    for it in items:
        out.append(b"$%d\r\n%s\r\n" % (len(it), it))
    return b"".join(out)


# ==========================================================================
# 1. Blocking lists
# ==========================================================================

@pytest.mark.parametrize("kind", kind_params())
def test_blpop_several_clients_fifo(kind, server_factory):
    s = server_factory(kind)
    with s.client() as ctl:
        for push, expected in (("LPUSH", [b"c", b"b", b"a"]), ("RPUSH", [b"a", b"b", b"c"])):
            waiters = []
            try:
                for i in range(3):
                    w = s.client()
                    waiters.append(w)
                    w.send(encode_command("BLPOP", "q", 0))
                    wait_blocked(ctl, i + 1)  # really blocked before the next one blocks
                assert all(silent(w, 0.05) for w in waiters)
                # one push of three elements from a fourth client
                assert ctl.call(push, "q", "a", "b", "c") == 3
                # first come, first served; each gets [key, element] popped from the head
                got = [w.read_reply() for w in waiters]
                assert got == [bulk_array(b"q", e) for e in expected], (push, got)
                wait_blocked(ctl, 0)
                assert ctl.call("EXISTS", "q") == 0
            finally:
                for w in waiters:
                    w.close()


@pytest.mark.parametrize("kind", kind_params())
def test_blpop_multiple_keys_argument_order(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        assert c.call("RPUSH", "k3", "z") == 1
        assert c.call("RPUSH", "k2", "y1", "y2") == 2
        # first non-empty key in argument order, not in creation order
        assert c.command("BLPOP", "k1", "k2", "k3", 0) == bulk_array(b"k2", b"y1")
        assert c.command("BRPOP", "k1", "k3", "k2", 0) == bulk_array(b"k3", b"z")
        # blocked on several keys: served by whichever receives data
        w.send(encode_command("BLPOP", "a", "b", "c", 0))
        wait_blocked(c, 1)
        assert c.call("RPUSH", "c", "x") == 1
        assert w.read_reply() == bulk_array(b"c", b"x")
        wait_blocked(c, 0)


@pytest.mark.parametrize("kind", kind_params())
def test_blocking_timeouts(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c:
        t0 = time.monotonic()
        assert c.command("BRPOP", "nokey", "0.2") == b"*-1\r\n"
        dt = time.monotonic() - t0
        assert 0.15 <= dt <= 2.0, dt
        # sub-second precision
        t0 = time.monotonic()
        assert c.command("BLPOP", "nokey", "0.05") == b"*-1\r\n"
        dt = time.monotonic() - t0
        assert 0.04 <= dt <= 1.0, dt
        # Redis 7.0 answers a timed-out BLMOVE with a null *array* too (not a null bulk)
        assert c.command("BLMOVE", "nokey", "dst", "LEFT", "RIGHT", "0.05") == b"*-1\r\n"
        assert c.command("BZPOPMIN", "nozset", "0.05") == b"*-1\r\n"
        # RESP3: the null is `_`
        c.call("HELLO", "3")
        assert c.command("BRPOP", "nokey", "0.05") == b"_\r\n"
        # bad timeouts
        assert c.command("BLPOP", "nokey", "-1") == b"-ERR timeout is negative\r\n"
        assert c.command("BLPOP", "nokey", "abc") == b"-ERR timeout is not a float or out of range\r\n"
        assert blocked_clients(c) == 0


@pytest.mark.parametrize("kind", kind_params())
def test_blmove_blocks_then_moves(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        assert c.call("RPUSH", "dst", "old") == 1
        w.send(encode_command("BLMOVE", "src", "dst", "LEFT", "RIGHT", 0))
        wait_blocked(c, 1)
        assert silent(w, 0.1)
        assert c.call("RPUSH", "src", "e1", "e2") == 2
        assert w.read_reply() == b"$2\r\ne1\r\n"
        wait_blocked(c, 0)
        assert c.call("LRANGE", "dst", 0, -1) == [b"old", b"e1"]
        assert c.call("LRANGE", "src", 0, -1) == [b"e2"]


@pytest.mark.parametrize("kind", kind_params())
def test_pipelined_command_waits_behind_blocked_one(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        w.send(b"BLPOP k 0\r\nPING\r\n")
        wait_blocked(c, 1)
        assert silent(w, 0.3), w.pending()  # PING is not answered while BLPOP is blocked
        assert c.call("RPUSH", "k", "v") == 1
        assert w.read_reply() == bulk_array(b"k", b"v")
        assert w.read_reply() == b"+PONG\r\n"
        wait_blocked(c, 0)


@pytest.mark.parametrize("kind", kind_params())
def test_blpop_inside_multi_does_not_block(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c:
        assert c.command("MULTI") == b"+OK\r\n"
        assert c.command("BLPOP", "empty", 0) == b"+QUEUED\r\n"
        assert c.command("BZPOPMIN", "emptyz", 0) == b"+QUEUED\r\n"
        t0 = time.monotonic()
        assert c.command("EXEC") == b"*2\r\n*-1\r\n*-1\r\n"
        assert time.monotonic() - t0 < 1.0
        assert blocked_clients(c) == 0


@pytest.mark.parametrize("kind", kind_params())
def test_transaction_runs_whole_before_blocked_clients_are_served(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w1, s.client() as w2:
        w1.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 1)
        # the element pushed inside the transaction is still there for its own LPOP
        assert c.command("MULTI") == b"+OK\r\n"
        for args in (("RPUSH", "k", "a"), ("LPOP", "k")):
            assert c.command(*args) == b"+QUEUED\r\n"
        assert c.command("EXEC") == b"*2\r\n:1\r\n$1\r\na\r\n"
        assert silent(w1, 0.2)
        w2.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 2)
        # two pushes inside one transaction: the second sees the first; the waiters are served after EXEC, in order
        assert c.command("MULTI") == b"+OK\r\n"
        for args in (("RPUSH", "k", "x"), ("RPUSH", "k", "y")):
            assert c.command(*args) == b"+QUEUED\r\n"
        assert c.command("EXEC") == b"*2\r\n:1\r\n:2\r\n"
        assert w1.read_reply() == bulk_array(b"k", b"x")
        assert w2.read_reply() == bulk_array(b"k", b"y")
        wait_blocked(c, 0)


@pytest.mark.parametrize("kind", kind_params())
@pytest.mark.parametrize("create", ["rename", "renamenx", "copy", "sort_store", "move", "swapdb", "zset_rename"])
def test_key_created_by_other_commands_serves_blocked_client(kind, create, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        if create == "zset_rename":
            w.send(encode_command("BZPOPMIN", "k", 0))
        else:
            w.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 1)
        if create in ("rename", "renamenx"):
            c.call("RPUSH", "k2", "a")
            c.call(create.upper(), "k2", "k")
        elif create == "copy":
            c.call("RPUSH", "k2", "a")
            c.call("COPY", "k2", "k")
        elif create == "sort_store":
            c.call("RPUSH", "src", "a")
            c.call("SORT", "src", "ALPHA", "STORE", "k")
        elif create == "move":
            c.call("SELECT", 1)
            c.call("RPUSH", "k", "a")
            c.call("MOVE", "k", 0)
            c.call("SELECT", 0)
        elif create == "swapdb":
            c.call("SELECT", 1)
            c.call("RPUSH", "k", "a")
            c.call("SELECT", 0)
            c.call("SWAPDB", 0, 1)
        elif create == "zset_rename":
            c.call("ZADD", "z2", 1, "a")
            c.call("RENAME", "z2", "k")
        if create == "zset_rename":
            assert w.read_reply() == b"*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n"
        else:
            assert w.read_reply() == bulk_array(b"k", b"a")
        wait_blocked(c, 0)


@pytest.mark.parametrize("kind", kind_params())
def test_served_blmove_breaks_watch_on_destination(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w, s.client() as watcher:
        w.send(encode_command("BLMOVE", "src", "dst", "LEFT", "LEFT", 0))
        wait_blocked(c, 1)
        assert watcher.call("WATCH", "dst") == b"OK"
        assert c.call("RPUSH", "src", "x") == 1
        assert w.read_reply() == b"$1\r\nx\r\n"
        assert watcher.command("MULTI") == b"+OK\r\n"
        assert watcher.command("PING") == b"+QUEUED\r\n"
        assert watcher.command("EXEC") == b"*-1\r\n"


@pytest.mark.parametrize("kind", kind_params())
def test_blocked_key_written_by_other_type(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        w.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 1)
        assert c.call("SET", "k", "x") == b"OK"
        assert silent(w, 0.2)  # still blocked, no WRONGTYPE
        assert blocked_clients(c) == 1
        assert c.call("DEL", "k") == 1
        assert c.call("RPUSH", "k", "v") == 1
        assert w.read_reply() == bulk_array(b"k", b"v")
        wait_blocked(c, 0)
        assert c.call("EXISTS", "k") == 0


@pytest.mark.parametrize("kind", kind_params())
def test_client_unblock(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        wid = w.call("CLIENT", "ID")
        assert isinstance(wid, int)
        # not blocked -> 0
        assert c.call("CLIENT", "UNBLOCK", wid) == 0
        assert c.call("CLIENT", "UNBLOCK", 999999) == 0
        # TIMEOUT (default): the blocked command replies as if it timed out
        w.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 1)
        assert c.call("CLIENT", "UNBLOCK", wid) == 1
        assert w.read_reply() == b"*-1\r\n"
        wait_blocked(c, 0)
        w.send(encode_command("BRPOP", "k", 0))
        wait_blocked(c, 1)
        assert c.call("CLIENT", "UNBLOCK", wid, "TIMEOUT") == 1
        assert w.read_reply() == b"*-1\r\n"
        # ERROR
        w.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 1)
        assert c.command("CLIENT", "UNBLOCK", wid, "FOO") == \
            b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
        assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
        assert w.read_reply() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        wait_blocked(c, 0)
        assert c.call("CLIENT", "UNBLOCK", wid, "ERROR") == 0
        # the connection is still usable
        assert w.command("PING") == b"+PONG\r\n"


@pytest.mark.parametrize("kind", kind_params())
def test_bzpopmin_served_by_zadd(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as w:
        w.send(encode_command("BZPOPMIN", "z", 0))
        wait_blocked(c, 1)
        assert c.call("ZADD", "z", "3", "c", "1.5", "a", "2", "b") == 3
        assert w.read_reply() == bulk_array(b"z", b"a", b"1.5")
        wait_blocked(c, 0)
        assert c.call("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"b", b"2", b"c", b"3"]
        w.send(encode_command("BZPOPMAX", "z2", "z", 0))
        assert w.read_reply() == bulk_array(b"z", b"c", b"3")


@pytest.mark.parametrize("kind", kind_params())
def test_disconnect_blocked_client(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c:
        w = s.client()
        w.send(encode_command("BLPOP", "k", 0))
        wait_blocked(c, 1)
        w.close()
        wait_blocked(c, 0)
        # the element is not swallowed by the dead client
        assert c.call("RPUSH", "k", "v") == 1
        assert c.call("LRANGE", "k", 0, -1) == [b"v"]


# ==========================================================================
# 2. Pub/sub
# ==========================================================================

def next_message(p, timeout: float = WAIT):
    """Next pub/sub message from a redis-py PubSub (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = p.get_message(timeout=min(0.2, max(0.01, deadline - time.monotonic())))
        if m is not None:
            return m
    raise AssertionError("no pub/sub message in time")


def brief(m) -> tuple:
    return (m["type"], m["pattern"], m["channel"], m["data"])


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("kind", kind_params())
def test_pubsub_redis_py(kind, protocol, server_factory):
    s = server_factory(kind)
    sub = s.redis_py(protocol=protocol)
    pub = s.redis_py(protocol=protocol)
    p = sub.pubsub()
    try:
        p.subscribe("ch1", "ch2", "news.a")
        p.psubscribe("news.*")
        got = [brief(next_message(p)) for _ in range(4)]
        assert got == [("subscribe", None, b"ch1", 1), ("subscribe", None, b"ch2", 2),
                       ("subscribe", None, b"news.a", 3), ("psubscribe", None, b"news.*", 4)]

        for i in range(20):
            assert pub.publish("ch1", f"m{i}") == 1
        assert pub.publish("news.sport", "goal") == 1
        assert pub.publish("news.a", "both") == 2  # channel + pattern
        assert pub.publish("ch2", "x") == 1
        assert pub.publish("other", "y") == 0
        got = [brief(next_message(p)) for _ in range(24)]
        assert got == ([("message", None, b"ch1", f"m{i}".encode()) for i in range(20)] + [
            ("pmessage", b"news.*", b"news.sport", b"goal"),
            ("message", None, b"news.a", b"both"),
            ("pmessage", b"news.*", b"news.a", b"both"),
            ("message", None, b"ch2", b"x"),
        ])
        assert p.get_message(timeout=0.1) is None

        assert pub.pubsub_numsub("ch1", "ch2", "nope") == [(b"ch1", 1), (b"ch2", 1), (b"nope", 0)]
        assert pub.pubsub_numpat() == 1
        assert sorted(pub.pubsub_channels()) == [b"ch1", b"ch2", b"news.a"]
        assert sorted(pub.pubsub_channels("ch*")) == [b"ch1", b"ch2"]

        p.unsubscribe("ch1")
        assert brief(next_message(p)) == ("unsubscribe", None, b"ch1", 3)
        assert pub.publish("ch1", "lost") == 0
        assert pub.pubsub_numsub("ch1") == [(b"ch1", 0)]
        p.punsubscribe("news.*")
        assert brief(next_message(p)) == ("punsubscribe", None, b"news.*", 2)
        assert pub.pubsub_numpat() == 0
        assert pub.publish("news.sport", "lost") == 0
        p.unsubscribe()
        rest = [brief(next_message(p)) for _ in range(2)]
        assert sorted(r[2] for r in rest) == [b"ch2", b"news.a"]
        assert all(r[0] == "unsubscribe" for r in rest)
        assert sorted(r[3] for r in rest) == [0, 1]
        assert pub.pubsub_channels() == []
        assert pub.pubsub_numsub("ch2") == [(b"ch2", 0)]
    finally:
        p.close()
        sub.close()
        pub.close()


class Reader(threading.Thread):
    """Reads pub/sub messages from a RespClient in the background until the
    payload `b"END"`."""

    def __init__(self, c: RespClient):
        super().__init__(daemon=True)
        self.c = c
        self.payloads: List[bytes] = []
        self.error: Optional[BaseException] = None
        self.done = False

    def run(self):
        try:
            while True:
                v = self.c.read_node().value()
                assert isinstance(v, list) and v[0] == b"message", v
                if v[2] == b"END":
                    self.done = True
                    return
                self.payloads.append(v[2])
        except BaseException as e:  # reported by the test
            self.error = e


SUB_BIG = b"*3\r\n$9\r\nsubscribe\r\n$3\r\nbig\r\n:1\r\n"
OBUF_MAX_MESSAGES = 10000  # bound: the kernel buffers absorb a few MB before the limit bites
OBUF_SIZE = 1024


@pytest.mark.parametrize("burst", [
    pytest.param(10, id="burst10"),
    pytest.param(100, id="burst100"),
])
@pytest.mark.parametrize("kind", KINDS)
def test_pubsub_output_buffer_limit(kind, burst, server_factory, request):
    s = server_factory(kind)
    with s.client(timeout=10) as ctl:
        assert ctl.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 32kb 60") == b"OK"
        assert b"pubsub 65536 32768 60" in ctl.call("CONFIG", "GET", "client-output-buffer-limit")[1]

        # slow subscriber: tiny receive window, never reads after the confirmation
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.settimeout(WAIT)
        slow = RespClient.__new__(RespClient)
        slow.host, slow.port, slow.sock, slow.reader = HOST, s.port, raw, helpers.RespReader(raw)
        fast = s.client(timeout=10)
        reader = None
        try:
            raw.connect((HOST, s.port))
            assert slow.command("CLIENT", "SETNAME", "slowsub") == b"+OK\r\n"
            assert slow.command("SUBSCRIBE", "big") == SUB_BIG
            assert fast.command("CLIENT", "SETNAME", "fastsub") == b"+OK\r\n"
            assert fast.command("SUBSCRIBE", "big") == SUB_BIG
            assert ctl.call("PUBSUB", "NUMSUB", "big") == [b"big", 2]

            reader = Reader(fast)
            reader.start()
            pad = b"x" * OBUF_SIZE
            counts: List[int] = []
            sent = 0
            # publish (bounded) until the slow subscriber is dropped, then one more burst
            extra = None
            while sent < OBUF_MAX_MESSAGES and (extra is None or extra > 0):
                ctl.send(b"".join(encode_command("PUBLISH", "big", b"%06d" % i + pad[6:])
                                  for i in range(sent, sent + burst)))
                counts += [ctl.read_node().value() for _ in range(burst)]
                sent += burst
                if extra is None and counts[-1] != 2:
                    extra = 100
                elif extra is not None:
                    extra -= burst
                # other clients are still served
                assert ctl.command("PING") == b"+PONG\r\n"
            assert ctl.call("PUBLISH", "big", "END") in (1, 2)
            assert 2 in counts and counts[-1] == 1, (sent, sorted(set(counts)))
            assert set(counts) <= {1, 2}, set(counts)

            # the slow subscriber is gone (bounded wait)
            assert wait_until(lambda: b"name=slowsub" not in ctl.call("CLIENT", "LIST"), WAIT), \
                ctl.call("CLIENT", "LIST")
            assert ctl.call("PUBSUB", "NUMSUB", "big") == [b"big", 1]
            assert info_int(ctl, "clients", "connected_clients") == 2
            assert slow.wait_closed(WAIT)

            # the normal subscriber got every message, in order
            reader.join(timeout=15)
            assert reader.error is None, reader.error
            assert reader.done, f"fast subscriber got only {len(reader.payloads)} of {sent}"
            assert [int(p[:6]) for p in reader.payloads] == list(range(sent))
            assert all(len(p) == OBUF_SIZE for p in reader.payloads)
            assert b"name=fastsub" in ctl.call("CLIENT", "LIST")
        finally:
            slow.close()
            fast.close()
            if reader is not None:
                reader.join(timeout=2)


# ==========================================================================
# 3. Keyspace notifications
# ==========================================================================

# (commands, events) per step; an event is (class, event name, key).
KS_STEPS: List[Tuple[List[List[str]], List[Tuple[str, str, str]]]] = [
    ([["SET", "foo", "bar"]], [("$", "set", "foo")]),
    ([["EXPIRE", "foo", "100"]], [("g", "expire", "foo")]),
    ([["SET", "tmp", "v", "PX", "50"]], [("$", "set", "tmp"), ("g", "expire", "tmp")]),
    ("WAIT-EXPIRED", [("x", "expired", "tmp")]),
    ([["DEL", "foo"]], [("g", "del", "foo")]),
    ([["RPUSH", "L", "a", "b"]], [("l", "rpush", "L")]),
    ([["LPOP", "L"]], [("l", "lpop", "L")]),
    ([["LPOP", "L"]], [("l", "lpop", "L"), ("g", "del", "L")]),
    ([["HSET", "H", "f", "v"]], [("h", "hset", "H")]),
    ([["SADD", "S", "m"]], [("s", "sadd", "S")]),
    ([["SADD", "S", "m"]], []),  # no change, no event
    ([["ZADD", "Z", "1", "m"]], [("z", "zadd", "Z")]),
    ([["INCR", "n"]], [("$", "incrby", "n")]),
    ([["RENAME", "n", "n2"]], [("g", "rename_from", "n"), ("g", "rename_to", "n2")]),
    ([["GET", "n2"], ["EXISTS", "nokey"]], []),  # reads: nothing
    ([["RPUSH", "BL", "x", "y"]], [("l", "rpush", "BL")]),
    ([["BLPOP", "BL", "0"]], [("l", "lpop", "BL")]),  # served at once: a pop like LPOP
    ([["RPUSH", "src", "a"]], [("l", "rpush", "src")]),
    # the push into the destination is announced before the pop from the source
    ([["LMOVE", "src", "dst", "LEFT", "RIGHT"]], [("l", "rpush", "dst"), ("l", "lpop", "src"), ("g", "del", "src")]),
    ([["ZINCRBY", "Z", "0", "m"]], []),  # score unchanged: no write, no event
]

ALL_CLASSES = "g$lshzxe"


def expected_messages(flags: str, events) -> List[Tuple[bytes, bytes]]:
    classes = ALL_CLASSES if "A" in flags else flags
    out = []
    for cls, ev, key in events:
        if cls not in classes:
            continue
        if "K" in flags:
            out.append((f"__keyspace@0__:{key}".encode(), ev.encode()))
        if "E" in flags:
            out.append((f"__keyevent@0__:{ev}".encode(), key.encode()))
    return out


def collect_keyspace_messages(s: helpers.ServerProcess, flags: str, steps=None) -> List[List[Tuple[bytes, bytes]]]:
    """Run KS_STEPS on `s`; per step, the (channel, payload) list the RESP2
    subscriber on __key*__:* received.  A sentinel PUBLISH on `sync` after
    each step delimits the messages without sleeping."""
    result = []
    with s.client() as c, s.client() as sub:
        assert c.call("CONFIG", "SET", "notify-keyspace-events", flags) == b"OK"
        sub.send(encode_command("PSUBSCRIBE", "__key*__:*"))
        assert sub.read_node().value() == [b"psubscribe", b"__key*__:*", 1]
        sub.send(encode_command("SUBSCRIBE", "sync"))
        assert sub.read_node().value() == [b"subscribe", b"sync", 2]
        for i, (cmds, _events) in enumerate(KS_STEPS if steps is None else steps):
            if cmds == "WAIT-EXPIRED":
                # active expiry, without touching the key (bounded wait)
                assert wait_until(lambda: info_int(c, "stats", "expired_keys") >= 1, WAIT), \
                    "key with PX 50 never expired"
            else:
                for cmd in cmds:
                    r = c.call(*cmd)
                    assert not isinstance(r, helpers.RespError), (cmd, r)
            token = f"step-{i}".encode()
            assert c.call("PUBLISH", "sync", token) == 1
            msgs = []
            while True:
                v = sub.read_node().value()
                if v == [b"message", b"sync", token]:
                    break
                assert isinstance(v, list) and v[0] == b"pmessage" and v[1] == b"__key*__:*", v
                msgs.append((v[2], v[3]))
            result.append(msgs)
        assert c.call("EXISTS", "tmp") == 0
    return result


KS_VARIANTS = ["KEA", "Ex", "Kl", "E$"]


@pytest.mark.parametrize("flags", KS_VARIANTS)
@pytest.mark.parametrize("kind", kind_params())
def test_keyspace_notifications(kind, flags, server_factory):
    s = server_factory(kind)
    got = collect_keyspace_messages(s, flags)
    want = [expected_messages(flags, events) for _cmds, events in KS_STEPS]
    for (cmds, _), g, w in zip(KS_STEPS, got, want):
        assert g == w, f"{cmds}: got {g}, want {w}"


def test_keyspace_notifications_redis_vs_swredis(server_factory):
    """The same sequence, compared directly between the two servers."""
    a = collect_keyspace_messages(server_factory("redis"), "KEA")
    b = collect_keyspace_messages(server_factory("swredis"), "KEA")
    assert a == b


# `new` (n) and `keymiss` (m) events, which "A" does not include: keys created by RENAME, COPY and MOVE announce
# themselves, and every read lookup of a missing key (TYPE and COPY included) is one keymiss.
NEW_AND_MISS_STEPS = [
    ([["SET", "a", "1"]], None),
    ([["RENAME", "a", "b"]], None),
    ([["COPY", "b", "c"]], None),
    ([["SELECT", "1"], ["SET", "m", "1"], ["MOVE", "m", "0"], ["SELECT", "0"]], None),
    ([["TYPE", "nokey"]], None),
    ([["COPY", "nokey", "x"]], None),
    ([["BITCOUNT", "nokey"]], None),
    ([["GET", "nokey"], ["BITPOS", "nokey", "1"]], None),
]


def test_new_and_keymiss_events_redis_vs_swredis(server_factory):
    a = collect_keyspace_messages(server_factory("redis"), "KEnm", NEW_AND_MISS_STEPS)
    b = collect_keyspace_messages(server_factory("swredis"), "KEnm", NEW_AND_MISS_STEPS)
    assert a == b
    assert (b"__keyevent@0__:new", b"b") in a[1] and (b"__keyevent@0__:keymiss", b"nokey") in a[4]


# ==========================================================================
# 4. Eviction
# ==========================================================================

MB = 1024 * 1024
N_KEYS, VALUE_SIZE, BATCH = 10000, 1024, 250
# Sampled eviction overshoots a little, more on a loaded machine (both servers alike).
SLACK = 4 * MB
OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"


def limit_memory(c: RespClient, policy: str) -> int:
    used = info_int(c, "memory", "used_memory")
    maxmem = used + 4 * MB
    assert c.call("CONFIG", "SET", "maxmemory-policy", policy) == b"OK"
    assert c.call("CONFIG", "SET", "maxmemory", maxmem) == b"OK"
    return maxmem


def pipeline(c: RespClient, cmds: Sequence[Sequence]) -> List[bytes]:
    c.send(b"".join(encode_command(*cmd) for cmd in cmds))
    return [c.read_reply() for _ in cmds]


EVICT_POLICIES = ["allkeys-lru", "allkeys-random", "allkeys-lfu",
                  "volatile-lru", "volatile-ttl", "volatile-random", "volatile-lfu"]


@pytest.mark.parametrize("policy", EVICT_POLICIES)
@pytest.mark.parametrize("kind", kind_params())
def test_eviction_policy(kind, policy, server_factory):
    s = server_factory(kind)
    volatile = policy.startswith("volatile-")
    value = b"v" * VALUE_SIZE
    with s.client(timeout=20) as c:
        maxmem = limit_memory(c, policy)
        persistent = []  # keys written without a TTL under a volatile policy
        peak = 0
        lfu = policy.endswith("-lfu")
        if lfu:
            # A key read a hundred times has an LFU counter of about 8 where every key written once has 5 (4 after a
            # minute boundary): it must outlive the whole fill, on either server.
            hot = ("SET", "hot", value, "EX", 500000) if volatile else ("SET", "hot", value)
            assert pipeline(c, [hot] + [("GET", "hot")] * 100)[0] == b"+OK\r\n"
        for start in range(0, N_KEYS, BATCH):
            if policy.endswith("-lru") and start == N_KEYS - BATCH:
                # The LRU clock ticks once a second: the last batch is then younger than every earlier key, so
                # its keys are only chosen when a whole sample falls in it.
                time.sleep(1.1)
            cmds = []
            for i in range(start, start + BATCH):
                key = f"key:{i}"
                if volatile and i % 5 == 0:
                    persistent.append(key)
                    cmds.append(("SET", key, value))
                elif volatile:
                    # distinct TTLs so volatile-ttl has something to order by
                    cmds.append(("SET", key, value, "EX", 100000 + (i * 7919) % 100000))
                else:
                    cmds.append(("SET", key, value))
            replies = pipeline(c, cmds)
            assert set(replies) == {b"+OK\r\n"}, (start, set(replies))
            peak = max(peak, info_int(c, "memory", "used_memory"))
        assert info_int(c, "stats", "evicted_keys") > 0
        assert peak <= maxmem + SLACK, (peak, maxmem)
        assert info_int(c, "memory", "used_memory") <= maxmem + SLACK
        dbsize = c.call("DBSIZE")
        assert 0 < dbsize < N_KEYS, dbsize
        if lfu:
            assert c.call("GET", "hot") == value
        if policy.endswith("-lru") and kind != "redis":
            # The newest key, a second younger than all but its batch, is not our LRU victim. A random policy
            # may pick it, and volatile-ttl orders by TTL, not age. redis-server is not held to it: its LRU
            # clock is refreshed by its cron, so on a loaded machine the last batch can share a tick with the
            # keys before the pause.
            assert c.call("GET", f"key:{N_KEYS - 1}") == value
        if volatile:
            # keys without a TTL are never evicted by volatile-* policies
            assert c.call("EXISTS", *persistent) == len(persistent)
            assert dbsize > len(persistent)
        assert c.command("PING") == b"+PONG\r\n"


@pytest.mark.parametrize("kind", kind_params())
def test_noeviction_oom(kind, server_factory):
    s = server_factory(kind)
    value = b"v" * VALUE_SIZE
    with s.client(timeout=20) as c:
        limit_memory(c, "noeviction")
        written = 0
        # fill with pipelined batches until the first -OOM
        for start in range(0, N_KEYS, BATCH):
            replies = pipeline(c, [("SET", f"key:{written + i}", value) for i in range(BATCH)])
            assert set(replies) <= {b"+OK\r\n", OOM}, set(replies)
            written += replies.count(b"+OK\r\n")
            # No OKs-then-OOMs order is asserted: right at the limit a batch split across two reads can free its
            # first read's buffer, and a refused write may then fit (the stable refusal is checked below).
            if OOM in replies:
                break
        else:
            pytest.fail("maxmemory never reached")
        assert written > 0
        # Right at the limit, used_memory drifts (query buffers are shrunk by the cron), so
        # a refused write may succeed a moment later.  Put the limit well below what is used
        # now to make the refusal stable.
        used = info_int(c, "memory", "used_memory")
        assert c.call("CONFIG", "SET", "maxmemory", used - 2 * MB) == b"OK"
        assert info_int(c, "stats", "evicted_keys") == 0
        # writes that may grow memory fail ...
        assert c.command("SET", "another", "x") == OOM
        assert c.command("RPUSH", "list", "x") == OOM
        # ... reads and DEL still work
        assert c.call("GET", "key:0") == value
        assert c.call("EXISTS", "key:0", f"key:{written - 1}") == 2
        assert c.call("DBSIZE") == written
        assert c.call("DEL", "key:0") == 1
        assert c.call("GET", "key:0") is None
        assert c.command("SET", "key:0", value) == OOM  # 1 KB freed is not enough
        assert c.command("INCR", "counter") == OOM
        # writes not flagged deny-oom are still allowed
        assert c.call("EXPIRE", "key:1", 1000) == 1
        assert c.call("PERSIST", "key:1") == 1
        assert c.call("FLUSHALL") == b"OK"
        assert c.command("SET", "another", "x") == b"+OK\r\n"


@pytest.mark.parametrize("kind", kind_params())
def test_out_of_memory_refuses_queueing_inside_multi(kind, server_factory):
    """Under noeviction with memory over the limit, MULTI queues nothing (queueing takes memory) except EXEC, DISCARD,
    QUIT and RESET; the refused command aborts the transaction."""
    s = server_factory(kind)
    with s.client() as c:
        assert c.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == b"OK"
        assert c.call("CONFIG", "SET", "maxmemory", 1) == b"OK"
        try:
            assert c.command("GET", "q") == b"$-1\r\n"  # outside MULTI a read still runs
            assert c.command("MULTI") == b"+OK\r\n"
            assert c.command("GET", "q") == OOM
            assert c.command("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
            assert c.command("MULTI") == b"+OK\r\n"
            assert c.command("DISCARD") == b"+OK\r\n"
        finally:
            assert c.call("CONFIG", "SET", "maxmemory", 0) == b"OK"


@pytest.mark.parametrize("kind", kind_params())
def test_pubsub_numpat_counts_distinct_patterns(kind, server_factory):
    s = server_factory(kind)
    with s.client() as c, s.client() as a, s.client() as b:
        a.send(encode_command("PSUBSCRIBE", "x*", "x*", "y*"))
        for _ in range(3):
            a.read_reply()
        b.send(encode_command("PSUBSCRIBE", "x*"))
        b.read_reply()
        assert c.call("PUBSUB", "NUMPAT") == 2
        assert info_int(c, "stats", "pubsub_patterns") == 2
        assert c.call("PUBLISH", "x1", "m") == 2


def test_idle_subscriber_does_not_hold_what_it_was_sent(server_factory):
    """A subscriber that reads everything but never sends a command: the server keeps no copy of what it delivered
    (swredis only: redis-server's used_memory moves with jemalloc's own bookkeeping)."""
    s = server_factory("swredis")
    payload = b"p" * 100
    with s.client() as c, s.client() as sub:
        sub.send(encode_command("SUBSCRIBE", "ch"))
        sub.read_reply()
        reader = Reader(sub)
        reader.start()
        before = info_int(c, "memory", "used_memory")
        for start in range(0, 5000, 500):
            pipeline(c, [("PUBLISH", "ch", payload) for _ in range(500)])
        assert c.call("PUBLISH", "ch", "END") == 1
        reader.join(timeout=30)
        assert reader.done and len(reader.payloads) == 5000, (reader.error, len(reader.payloads))
        grown = info_int(c, "memory", "used_memory") - before
        assert grown < 256 * 1024, grown  # 5000 x 100-byte messages were 500 kB before the buffer was reclaimed
