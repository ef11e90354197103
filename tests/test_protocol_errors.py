"""Wire-protocol robustness.  Every test runs against redis-server AND swredis
(fixture `any_server`) with the same assertions, demonstrating that the
expected bytes are Redis 7.0's own behaviour."""

import socket
import threading
import time

import pytest

import helpers
from helpers import encode_command

# (id, bytes sent, exact error reply) -- the server must send the reply and
# then close the connection.
FATAL_CASES = [
    ("mbulk-not-a-number", b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-empty-count", b"*\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-plus-sign", b"*+1\r\n$4\r\nPING\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-leading-zero", b"*01\r\n$4\r\nPING\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-space", b"* 1\r\n$4\r\nPING\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-over-int-max", b"*2147483648\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("mbulk-huge", b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("expected-dollar-got-plus", b"*1\r\n+foo\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
    ("expected-dollar-got-colon", b"*2\r\n$3\r\nGET\r\n:1\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
    ("expected-dollar-got-letter", b"*1\r\nPING\r\n", b"-ERR Protocol error: expected '$', got 'P'\r\n"),
    ("bulk-negative", b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-minus-one", b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-not-a-number", b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-empty-len", b"*1\r\n$\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-plus-sign", b"*2\r\n$4\r\nECHO\r\n$+1\r\nx\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-leading-zero", b"*1\r\n$04\r\nPING\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-over-512mb", b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk-huge", b"*1\r\n$1000000000000\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("inline-unbalanced-double", b'SET "a b\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ("inline-unbalanced-single", b"SET 'a\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ("inline-quote-not-followed-by-space", b'SET "a"b c\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ("inline-too-big", b"x" * 70000, b"-ERR Protocol error: too big inline request\r\n"),
    ("mbulk-count-too-big", b"*" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string\r\n"),
    ("bulk-count-too-big", b"*1\r\n$" + b"1" * 70000, b"-ERR Protocol error: too big bulk count string\r\n"),
]


@pytest.fixture(scope="module", params=["redis", "swredis"])
def _module_server(request):
    """One server per kind for the whole module (restarted if a test killed it)."""
    holder = {"kind": request.param, "server": helpers.start_kind(request.param)}
    yield holder
    holder["server"].cleanup()


@pytest.fixture
def any_server(_module_server):
    """Overrides conftest's any_server: module-scoped process, flushed per test."""
    s = _module_server["server"]
    if not s.alive():
        s.cleanup()
        s = _module_server["server"] = helpers.start_kind(_module_server["kind"])
    with s.client() as c:
        assert c.command("FLUSHALL") == b"+OK\r\n"
    return s


@pytest.fixture
def bystander(any_server):
    """A second, well-behaved client connected before the misbehaving one."""
    c = any_server.client()
    assert c.command("SET", "bystander", "still-here") == b"+OK\r\n"
    yield c
    c.close()


def assert_still_served(server, bystander):
    assert bystander.command("PING") == b"+PONG\r\n"
    assert bystander.command("GET", "bystander") == b"$10\r\nstill-here\r\n"
    with server.client() as fresh:
        assert fresh.command("PING") == b"+PONG\r\n"
    assert server.alive()


@pytest.mark.parametrize("data,reply", [c[1:] for c in FATAL_CASES], ids=[c[0] for c in FATAL_CASES])
def test_protocol_error_closes_connection(any_server, bystander, data, reply):
    c = any_server.client()
    try:
        # a good command first: proves the error is per-request, not per-connection
        assert c.command("PING") == b"+PONG\r\n"
        c.send(data)
        assert c.read_reply() == reply
        assert c.wait_closed(3.0), "server did not close the connection after a protocol error"
        assert c.pending() == b"", f"unexpected bytes after the error reply: {c.pending()!r}"
    finally:
        c.close()
    assert_still_served(any_server, bystander)


def test_error_reply_precedes_close_even_with_pipelined_good_commands(any_server, bystander):
    c = any_server.client()
    try:
        c.send(encode_command("SET", "a", "1") + b"*1\r\n+foo\r\n" + encode_command("GET", "a"))
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b"-ERR Protocol error: expected '$', got '+'\r\n"
        assert c.wait_closed(3.0)
        assert c.pending() == b""
    finally:
        c.close()
    assert bystander.command("GET", "a") == b"$1\r\n1\r\n"
    assert_still_served(any_server, bystander)


# --------------------------------------------------------------------------
# Things that are NOT errors
# --------------------------------------------------------------------------

def test_inline_commands(any_server):
    with any_server.client() as c:
        c.send(b"PING\r\n")
        assert c.read_reply() == b"+PONG\r\n"
        c.send(b"PING\n")                              # bare LF accepted inline
        assert c.read_reply() == b"+PONG\r\n"
        c.send(b"\r\n   \r\nPING\r\n")                 # empty inline lines are ignored
        assert c.read_reply() == b"+PONG\r\n"
        c.send(b'SET "a b" "c\\x41\\n"\r\n')           # quoting + escapes as in redis-cli
        assert c.read_reply() == b"+OK\r\n"
        c.send(b"GET 'a b'\r\n")
        assert c.read_reply() == b"$3\r\ncA\n\r\n"
        c.send(b"  echo   hello  \r\n")
        assert c.read_reply() == b"$5\r\nhello\r\n"
        c.send(b"$4\r\n")                              # not multibulk -> inline command "$4"
        assert c.read_reply() == b"-ERR unknown command '$4', with args beginning with: \r\n"
        c.send(b"FOO bar\r\n")
        assert c.read_reply() == b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"
        assert c.command("PING") == b"+PONG\r\n"


def test_empty_and_null_multibulk_are_ignored(any_server):
    with any_server.client() as c:
        c.send(b"*0\r\n*-1\r\n*-5\r\n" + encode_command("PING"))
        assert c.read_reply() == b"+PONG\r\n"
        assert c.command("") == b"-ERR unknown command '', with args beginning with: \r\n"
        assert c.command("GET", "") == b"$-1\r\n"


def test_pipeline_three_commands_one_send(any_server):
    with any_server.client() as c:
        c.send(encode_command("SET", "k", "v") + encode_command("GET", "k") + encode_command("INCR", "n"))
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b"$1\r\nv\r\n"
        assert c.read_reply() == b":1\r\n"
        c.send(b"PING\r\nPING\r\nECHO hi\r\n")           # inline pipeline
        assert [c.read_reply() for _ in range(3)] == [b"+PONG\r\n", b"+PONG\r\n", b"$2\r\nhi\r\n"]
        # mixed inline + multibulk in one send
        c.send(b"PING\r\n" + encode_command("ECHO", "x") + b"ECHO y\r\n")
        assert [c.read_reply() for _ in range(3)] == [b"+PONG\r\n", b"$1\r\nx\r\n", b"$1\r\ny\r\n"]


def test_command_split_across_many_sends(any_server):
    """Incremental parsing: a request arriving a few bytes at a time."""
    with any_server.client() as c:
        data = encode_command("SET", "split", "x" * 100) + encode_command("GET", "split")
        for i in range(0, len(data), 7):
            c.send(data[i:i + 7])
            time.sleep(0.001)
        assert c.read_reply() == b"+OK\r\n"
        assert c.read_reply() == b"$100\r\n" + b"x" * 100 + b"\r\n"
        for piece in (b"*2\r", b"\n$4\r\nEC", b"HO\r\n$3", b"\r\nabc", b"\r", b"\n"):
            c.send(piece)
            time.sleep(0.01)
        assert c.read_reply() == b"$3\r\nabc\r\n"


def test_one_megabyte_value(any_server):
    value = bytes(range(256)) * 4096                     # 1 MiB, all byte values
    with any_server.client(timeout=10) as c:
        assert c.command("SET", "big", value) == b"+OK\r\n"
        assert c.command("STRLEN", "big") == b":1048576\r\n"
        assert c.command("GET", "big") == b"$1048576\r\n" + value + b"\r\n"
        assert c.command("APPEND", "big", value) == b":2097152\r\n"
        assert c.command("GETRANGE", "big", "1048575", "1048576") == b"$2\r\n\xff\x00\r\n"
        # a 1 MiB argument to an unknown command is still answered (truncated)
        r = c.command("NOSUCH", value)
        assert r.startswith(b"-ERR unknown command 'NOSUCH', with args beginning with: '") and len(r) < 400


def test_ten_thousand_pings_in_one_send(any_server):
    n = 10_000
    with any_server.client(timeout=10) as c:
        payload = encode_command("PING") * n
        err = []

        def sender():  # send from a thread so a slow reader can never deadlock us
            try:
                c.sock.sendall(payload)
            except OSError as e:
                err.append(e)
        t = threading.Thread(target=sender, daemon=True)
        t.start()
        deadline = time.monotonic() + 20
        got = 0
        while got < n:
            assert time.monotonic() < deadline, f"only {got} of {n} replies"
            assert c.read_reply() == b"+PONG\r\n"
            got += 1
        t.join(5)
        assert not err
        assert c.command("ECHO", "done") == b"$4\r\ndone\r\n"


def test_ten_thousand_inline_pings(any_server):
    n = 10_000
    with any_server.client(timeout=10) as c:
        c.sock.sendall(b"PING\r\n" * n)
        expected = b"+PONG\r\n" * n
        buf = bytearray()
        deadline = time.monotonic() + 20
        while len(buf) < len(expected):
            assert time.monotonic() < deadline
            chunk = c.sock.recv(1 << 16)
            assert chunk, "connection closed"
            buf += chunk
        assert bytes(buf) == expected


def test_quit_replies_ok_then_closes(any_server):
    with any_server.client() as c:
        c.send(encode_command("QUIT"))
        assert c.read_reply() == b"+OK\r\n"
        assert c.wait_closed(3.0)


def test_client_disconnect_mid_command_does_not_hurt_server(any_server):
    s = socket.create_connection((any_server.host, any_server.port), timeout=5)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nonly-part")
    s.close()
    with any_server.client() as c:
        assert c.command("PING") == b"+PONG\r\n"
        assert c.command("EXISTS", "k") == b":0\r\n"
