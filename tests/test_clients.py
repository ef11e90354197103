"""Integration tests through real clients (redis-cli and redis-py) against the
swredis fixture.  Expected outputs are what redis-cli / redis-py produce against
Redis 7.0 (run with DIFF_TARGET=redis to check that claim)."""

import shutil
import subprocess

import pytest

import helpers

CLI_TIMEOUT = 10

pytestmark = pytest.mark.skipif(not shutil.which(helpers.REDIS_CLI) and not
                                __import__("os").path.exists(helpers.REDIS_CLI),
                                reason="redis-cli not installed")


def cli(server, *args, stdin=None, raw=None):
    """Run redis-cli against `server`; returns CompletedProcess (bytes)."""
    argv = [helpers.REDIS_CLI, "-h", helpers.HOST, "-p", str(server.port)]
    if raw is True:
        argv.append("--raw")
    elif raw is False:
        argv.append("--no-raw")
    argv += [str(a) for a in args]
    return subprocess.run(argv, input=stdin, capture_output=True, timeout=CLI_TIMEOUT)


def out(server, *args, **kw) -> str:
    p = cli(server, *args, **kw)
    assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p.stdout.decode()


# --------------------------------------------------------------------------
# redis-cli
# --------------------------------------------------------------------------

def test_cli_basic(swredis):
    assert out(swredis, "PING") == "PONG\n"
    assert out(swredis, "SET", "a", "b") == "OK\n"
    assert out(swredis, "GET", "a") == "b\n"
    assert out(swredis, "GET", "nokey") == "\n"            # stdout not a tty -> raw
    assert out(swredis, "INCR", "c") == "1\n"
    assert out(swredis, "INCRBY", "c", "41") == "42\n"
    assert out(swredis, "EXISTS", "a", "c", "nokey") == "2\n"
    assert out(swredis, "DBSIZE") == "2\n"
    assert out(swredis, "ECHO", "hello world") == "hello world\n"


def test_cli_formatted_output(swredis):
    assert out(swredis, "SET", "a", "b", raw=False) == "OK\n"
    assert out(swredis, "GET", "a", raw=False) == '"b"\n'
    assert out(swredis, "GET", "nokey", raw=False) == "(nil)\n"
    assert out(swredis, "INCR", "n", raw=False) == "(integer) 1\n"
    assert out(swredis, "MGET", "a", "nokey", "n", raw=False) == '1) "b"\n2) (nil)\n3) "1"\n'
    assert out(swredis, "KEYS", "nomatch*", raw=False) == "(empty array)\n"
    assert out(swredis, "CONFIG", "GET", "maxmemory-policy", raw=False) == '1) "maxmemory-policy"\n2) "noeviction"\n'
    assert out(swredis, "FOO", "x", raw=False) == \
        "(error) ERR unknown command 'FOO', with args beginning with: 'x' \n"


def test_cli_raw_binary(swredis):
    assert out(swredis, "SET", "bin", "a\x01b\tc", raw=True) == "OK\n"
    p = cli(swredis, "GET", "bin", raw=True)
    assert p.stdout == b"a\x01b\tc\n"
    assert out(swredis, "STRLEN", "bin", raw=True) == "5\n"
    assert out(swredis, "SET", "f", "10.5", raw=True) == "OK\n"
    assert out(swredis, "INCRBYFLOAT", "f", "0.1", raw=True) == "10.6\n"
    # errors are printed (exit status stays 0 for a command error)
    p = cli(swredis, "INCR", "f", raw=True)
    assert p.stdout.decode().startswith("ERR value is not an integer or out of range")


def test_cli_resp3(swredis):
    assert out(swredis, "-3", "SET", "k", "v", raw=False) == "OK\n"
    assert out(swredis, "-3", "GET", "k", raw=False) == '"v"\n'
    assert out(swredis, "-3", "GET", "nokey", raw=False) == "(nil)\n"
    assert out(swredis, "-3", "CONFIG", "GET", "maxmemory-policy", raw=False) == \
        '1# "maxmemory-policy" => "noeviction"\n'
    assert out(swredis, "-3", "INCRBYFLOAT", "f", "1.5", raw=False) == '"1.5"\n'
    assert out(swredis, "-3", "TTL", "k", raw=False) == "(integer) -1\n"
    hello = out(swredis, "-3", "HELLO", "3", raw=False)
    assert '"proto" => (integer) 3' in hello
    assert '"mode" => "standalone"' in hello


def test_cli_stdin_and_db_and_repeat(swredis):
    p = cli(swredis, stdin=b"SET p 1\nINCR p\nGET p\n")
    assert p.returncode == 0 and p.stdout == b"OK\n2\n2\n", p
    assert out(swredis, "-r", "3", "INCR", "rr") == "1\n2\n3\n"
    assert out(swredis, "-n", "2", "SET", "x", "y") == "OK\n"
    assert out(swredis, "-n", "2", "GET", "x") == "y\n"
    assert out(swredis, "GET", "x") == "\n"
    assert out(swredis, "-n", "2", "DBSIZE") == "1\n"


def test_cli_scan_and_pipe(swredis):
    for i in range(30):
        assert out(swredis, "SET", f"key:{i}", str(i)) == "OK\n"
    out(swredis, "SET", "other", "x")
    keys = out(swredis, "--scan", "--pattern", "key:*").split()
    assert sorted(keys) == sorted(f"key:{i}" for i in range(30))
    # mass insertion (--pipe appends an ECHO with a random tag and waits for it)
    proto = b"".join(helpers.encode_command("SET", f"pipe:{i}", i) for i in range(500))
    proto += helpers.encode_command("INCR", "pipe:1")
    p = cli(swredis, "--pipe", stdin=proto)
    assert p.returncode == 0, p
    assert b"errors: 0, replies: 501" in p.stdout, p.stdout
    assert out(swredis, "GET", "pipe:1") == "2\n"
    assert out(swredis, "GET", "pipe:499") == "499\n"


def test_cli_info(swredis):
    info = out(swredis, "INFO", "server")
    assert "# Server" in info
    assert "redis_version:" in info
    assert "redis_mode:standalone" in info


# --------------------------------------------------------------------------
# redis-py
# --------------------------------------------------------------------------

redis = pytest.importorskip("redis")


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def rpy(request, swredis):
    r = swredis.redis_py(protocol=request.param)
    yield r
    r.close()


def test_py_basic(rpy):
    assert rpy.ping() is True
    assert rpy.set("a", "b") is True
    assert rpy.get("a") == b"b"
    assert rpy.get("nokey") is None
    assert rpy.set("a", "c", nx=True) is None
    assert rpy.set("a", "c", xx=True, get=True) == b"b"
    assert rpy.incr("n") == 1
    assert rpy.incrby("n", 9) == 10
    assert rpy.decr("n") == 9
    assert rpy.incrbyfloat("f", 1.5) == 1.5
    assert rpy.append("a", "d") == 2
    assert rpy.strlen("a") == 2
    assert rpy.getrange("a", 0, 0) == b"c"
    assert rpy.mset({"x": 1, "y": 2}) is True
    assert rpy.mget("x", "nokey", "y") == [b"1", None, b"2"]
    assert rpy.exists("x", "y", "nokey") == 2
    assert rpy.delete("x", "nokey") == 1
    assert rpy.type("y") == b"string"
    assert sorted(rpy.keys("*")) == [b"a", b"f", b"n", b"y"]
    assert rpy.dbsize() == 4
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        rpy.incr("a")


def test_py_expire(rpy):
    rpy.set("k", "v")
    assert rpy.ttl("k") == -1
    assert rpy.expire("k", 100) is True
    assert rpy.ttl("k") == 100
    assert 99000 < rpy.pttl("k") <= 100000
    assert rpy.persist("k") is True
    assert rpy.ttl("k") == -1
    assert rpy.ttl("nokey") == -2
    rpy.set("s", "v", px=50)
    import time
    time.sleep(0.15)
    assert rpy.get("s") is None
    assert rpy.set("e", "v", ex=100) is True
    assert rpy.ttl("e") == 100
    assert rpy.getex("e", persist=True) == b"v"
    assert rpy.ttl("e") == -1


def test_py_pipeline(rpy):
    p = rpy.pipeline(transaction=False)
    p.set("a", 1).incr("a").get("a").mget("a", "nokey").ping().echo("hi")
    assert p.execute() == [True, 2, b"2", [b"2", None], True, b"hi"]
    p = rpy.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"k{i}", i)
    assert all(r is True for r in p.execute())
    assert rpy.dbsize() == 1001
    p = rpy.pipeline(transaction=False)
    p.set("x", "y").incr("x").get("x")
    res = p.execute(raise_on_error=False)
    assert res[0] is True and isinstance(res[1], redis.ResponseError) and res[2] == b"y"


def test_py_info_and_config(rpy):
    info = rpy.info()
    assert "redis_version" in info
    assert info["redis_mode"] == "standalone"
    assert info["connected_clients"] >= 1
    server = rpy.info("server")
    assert "redis_version" in server
    assert rpy.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    assert rpy.config_get("databases") == {"databases": "16"}
    assert rpy.client_id() > 0
    assert rpy.client_setname("tester") is True
    assert rpy.client_getname() in ("tester", b"tester")  # redis-py: str on RESP2, bytes on RESP3


def test_py_scan_and_select(rpy, swredis):
    for i in range(50):
        rpy.set(f"s:{i}", i)
    rpy.set("other", 1)
    assert sorted(rpy.scan_iter(match="s:*", count=7)) == sorted(f"s:{i}".encode() for i in range(50))
    r1 = swredis.redis_py(protocol=rpy.connection_pool.connection_kwargs.get("protocol", 2), db=1)
    try:
        assert r1.dbsize() == 0
        r1.set("in1", "x")
        assert r1.get("in1") == b"x"
        assert rpy.get("in1") is None
    finally:
        r1.close()


def test_py_binary_values(rpy):
    blob = bytes(range(256)) * 40
    assert rpy.set(b"\x00bin\xff", blob) is True
    assert rpy.get(b"\x00bin\xff") == blob
    assert rpy.strlen(b"\x00bin\xff") == len(blob)
