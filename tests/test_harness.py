"""Self-tests of the harness: RESP parser, argument splitter, script parser,
reply comparison, process lifecycle.  No swredis needed."""

import os
import signal
import sys
import textwrap
import time

import pytest

import helpers
from diff import runner
from helpers import ProtocolError, parse_one, split_args


# --------------------------------------------------------------------------
# RESP parser
# --------------------------------------------------------------------------

@pytest.mark.parametrize("raw,value", [
    (b"+OK\r\n", b"OK"),
    (b"-ERR bad\r\n", helpers.RespError("ERR bad")),
    (b":-42\r\n", -42),
    (b"$-1\r\n", None),
    (b"$0\r\n\r\n", b""),
    (b"$5\r\na\r\nbc\r\n", b"a\r\nbc"),
    (b"*-1\r\n", None),
    (b"*0\r\n", []),
    (b"_\r\n", None),
    (b",3.25\r\n", 3.25),
    (b",inf\r\n", float("inf")),
    (b"#t\r\n", True),
    (b"#f\r\n", False),
    (b"(12345678901234567890123\r\n", 12345678901234567890123),
    (b"=8\r\ntxt:abcd\r\n", b"txt:abcd"),
    (b"!5\r\nERR x\r\n", helpers.RespError("ERR x")),
    (b"*3\r\n:1\r\n*2\r\n$1\r\na\r\n_\r\n%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n", [1, [b"a", None], {b"k": [1, 2]}]),
    (b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n", [b"message", b"ch", b"x"]),
    (b"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*1\r\n_\r\n", {b"a": 1, b"b": [None]}),
])
def test_parse_frames(raw, value):
    node = parse_one(raw)
    assert node.raw == raw
    assert node.value() == value


def test_parse_attribute_prefix():
    raw = b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.5\r\n*1\r\n:2\r\n"
    node = parse_one(raw)
    assert node.type == "*" and node.value() == [2]
    assert node.attrs is not None and node.raw == raw


@pytest.mark.parametrize("raw", [b"?x\r\n", b":12a\r\n", b"$3\r\nabcd\r\n", b"_x\r\n", b"#x\r\n", b"*-2\r\n", b"\r\n"])
def test_parse_rejects_garbage(raw):
    with pytest.raises(ProtocolError):
        parse_one(raw)


def test_reader_handles_byte_by_byte_delivery():
    raw = b"*2\r\n$3\r\nfoo\r\n%1\r\n+a\r\n=7\r\ntxt:xyz\r\n"

    class Trickle:
        def __init__(self, d):
            self.d = d

        def recv(self, n):
            d, self.d = self.d[:1], self.d[1:]
            return d
    r = helpers.RespReader(Trickle(raw + b"+NEXT\r\n"))
    assert r.read().raw == raw
    assert r.read().raw == b"+NEXT\r\n"
    with pytest.raises(helpers.ConnectionClosed):
        r.read()


def test_encode_command():
    assert helpers.encode_command("SET", b"k\x00", 12) == b"*3\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$2\r\n12\r\n"


# --------------------------------------------------------------------------
# redis-cli style splitting
# --------------------------------------------------------------------------

@pytest.mark.parametrize("line,args", [
    ("SET a b", [b"SET", b"a", b"b"]),
    ("  SET   a\tb  ", [b"SET", b"a", b"b"]),
    ('SET "a b" c', [b"SET", b"a b", b"c"]),
    ('SET k "\\x00\\xff\\n\\r\\t\\"\\\\"', [b"SET", b"k", b"\x00\xff\n\r\t\"\\"]),
    ('SET k "\\xZZ"', [b"SET", b"k", b"xZZ"]),
    ("SET k 'it\\'s \\n'", [b"SET", b"k", b"it's \\n"]),
    ('SET "" ""', [b"SET", b"", b""]),
    ("KEYS h\\*llo", [b"KEYS", b"h\\*llo"]),
    ("a\"b c\"", [b"ab c"]),
    ("", []),
])
def test_split_args(line, args):
    assert split_args(line) == args


@pytest.mark.parametrize("line", ['SET "a', "SET 'a", 'SET "a"b', "SET 'a'b"])
def test_split_args_errors(line):
    with pytest.raises(helpers.SplitError):
        split_args(line)


# --------------------------------------------------------------------------
# script parser + comparison
# --------------------------------------------------------------------------

def test_parse_script(tmp_path):
    p = tmp_path / "t.redis"
    p.write_text(textwrap.dedent("""\
        # comment
        SET k "a#!b"
        KEYS *  #!sorted
        SCAN 0  #!deepsorted #!ignore

        !sleep 0.01
        GET "x  #!type"
        """))
    steps = runner.parse_script(str(p))
    assert [(s.lineno, s.kind) for s in steps] == [(2, "cmd"), (3, "cmd"), (4, "cmd"), (6, "sleep"), (7, "cmd")]
    assert steps[0].args == [b"SET", b"k", b"a#!b"] and not steps[0].markers
    assert steps[1].markers == {"sorted"} and steps[1].args == [b"KEYS", b"*"]
    assert steps[2].markers == {"deepsorted", "ignore"}
    assert steps[3].seconds == 0.01
    assert steps[4].args == [b"GET", b"x  #!type"]


@pytest.mark.parametrize("text", ["GET k  #!bogus\n", '"unterminated\n', "!nosuch 1\n", "!sleep x\n"])
def test_parse_script_errors(tmp_path, text):
    p = tmp_path / "bad.redis"
    p.write_text(text)
    with pytest.raises(runner.ScriptError, match=r"bad\.redis:1"):
        runner.parse_script(str(p))


def test_allowlist_format(tmp_path):
    p = tmp_path / "allow.txt"
    p.write_text("# c\n\nstrings.redis:12 reason here\nkeys:3 other reason\n")
    assert runner.load_allowlist(str(p)) == {("strings.redis", 12): "reason here", ("keys.redis", 3): "other reason"}
    p.write_text("strings.redis 12 no colon\n")
    with pytest.raises(runner.ScriptError):
        runner.load_allowlist(str(p))


def test_repo_allowlist_parses():
    runner.load_allowlist()


def _n(raw):
    return parse_one(raw)


def test_compare_markers():
    a = _n(b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
    b = _n(b"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n")
    assert not runner.replies_match(a, b, set())
    assert runner.replies_match(a, b, {"sorted"})
    assert runner.replies_match(a, _n(b":1\r\n"), {"ignore"})
    assert not runner.replies_match(a, _n(b":1\r\n"), {"type"})
    assert runner.replies_match(_n(b":1\r\n"), _n(b":2\r\n"), {"type"})
    assert not runner.replies_match(a, _n(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"), {"sorted"})
    # sorted is a multiset comparison
    assert not runner.replies_match(_n(b"*2\r\n:1\r\n:1\r\n"), _n(b"*2\r\n:1\r\n:2\r\n"), {"sorted"})
    # SCAN-shaped replies
    s1 = _n(b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n")
    s2 = _n(b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n")
    s3 = _n(b"*2\r\n$2\r\n17\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n")
    assert runner.replies_match(s1, s2, {"deepsorted"}) and not runner.replies_match(s1, s3, {"deepsorted"})
    # CONFIG GET (RESP2 flat pairs): pairs must stay paired
    c1 = _n(b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")
    c2 = _n(b"*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n")
    c3 = _n(b"*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n")
    assert runner.replies_match(c1, c2, {"sortedpairs"}) and not runner.replies_match(c1, c3, {"sortedpairs"})
    # RESP3 maps under #!sorted keep pairs
    m1 = _n(b"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n")
    m2 = _n(b"%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n")
    m3 = _n(b"%2\r\n+b\r\n:1\r\n+a\r\n:2\r\n")
    assert runner.replies_match(m1, m2, {"sorted"}) and not runner.replies_match(m1, m3, {"sorted"})


# --------------------------------------------------------------------------
# process lifecycle
# --------------------------------------------------------------------------

FAKE_SERVER = r'''
import signal, socket, sys, time
args = sys.argv[1:]
port = int(args[args.index("--port") + 1])
if "--ignore-term" in args:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if "--crash" in args:
    print("fatal: bad config", flush=True); sys.exit(3)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(5)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    if c.recv(100):
        c.sendall(b"+PONG\r\n")
    c.close()
'''


@pytest.fixture
def fake_server(tmp_path):
    p = tmp_path / "fake.py"
    p.write_text(FAKE_SERVER)
    return [sys.executable, str(p)]


def test_start_and_stop(fake_server):
    s = helpers.start_server(fake_server)
    try:
        assert s.alive()
        assert os.path.isdir(s.dir)
        assert "ready" in s.log()
        assert s.argv[s.argv.index("--save") + 1] == ""
    finally:
        s.cleanup()
    assert not s.alive() and not os.path.exists(s.dir)


def test_sigkill_after_bounded_wait(fake_server):
    s = helpers.start_server(fake_server, ["--ignore-term"])
    t0 = time.monotonic()
    rc = s.stop(timeout=0.5)
    assert rc == -signal.SIGKILL
    assert time.monotonic() - t0 < 3
    s.cleanup()


def test_startup_failure_is_reported_with_log(fake_server):
    with pytest.raises(helpers.ServerStartError, match="fatal: bad config"):
        helpers.start_server(fake_server, ["--crash"], timeout=3)


def test_redis_fixture_answers(redis_server):
    with redis_server.client() as c:
        assert c.command("PING") == b"+PONG\r\n"
        assert c.call("CONFIG", "GET", "save") == [b"save", b""]
        assert c.call("CONFIG", "GET", "dir") == [b"dir", redis_server.dir.encode()]


# --------------------------------------------------------------------------
# runner: multi-frame replies, script lookup
# --------------------------------------------------------------------------

def test_ask_reads_every_pubsub_frame(redis_server):
    with redis_server.client() as c:
        st = runner.ConnState()

        def ask(*args):
            frames, err = runner._ask(c, [a.encode() for a in args], st)
            assert err is None
            return frames

        assert len(ask("SUBSCRIBE", "a", "b")) == 2
        assert len(ask("PSUBSCRIBE", "p*")) == 1
        assert len(ask("UNSUBSCRIBE", "a", "nosuch")) == 2
        f = ask("UNSUBSCRIBE")                    # one channel left
        assert len(f) == 1 and f[0].children[1].payload == b"b"
        assert len(ask("PUNSUBSCRIBE")) == 1      # one pattern left
        f = ask("UNSUBSCRIBE")                    # nothing left: a single frame, nil channel
        assert len(f) == 1 and f[0].children[1].is_null
        assert ask("GET", "k")[0].raw == b"$-1\r\n"
        ask("HELLO", "3")
        assert len(ask("SUBSCRIBE", "c")) == 1
        # RESP3: the message push to ourselves precedes the PUBLISH reply
        assert [x.type for x in ask("PUBLISH", "c", "hi")] == [">", ":"]
        assert ask("PING")[0].raw == b"+PONG\r\n"
        assert ask("RESET")[0].raw == b"+RESET\r\n"
        assert st.subs["channels"] == set()
        assert ask("PING")[0].raw == b"+PONG\r\n"


def test_frames_match():
    a = [parse_one(b":1\r\n"), parse_one(b"+OK\r\n")]
    assert runner.frames_match(a, list(a), set())
    assert not runner.frames_match(a, a[:1], set())
    assert runner.frames_match(a, a[:1], {"ignore"})


def test_resolve_script(tmp_path):
    p = tmp_path / "x.redis"
    p.write_text("PING\n")
    assert runner.resolve_script(str(p)) == str(p)
    assert runner.resolve_script("strings").endswith(os.path.join("scripts", "strings.redis"))
    with pytest.raises(runner.ScriptError):
        runner.resolve_script("no-such-script-anywhere")
