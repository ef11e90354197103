"""Engine-core server features, proved black-box on real processes.

Every test that is parametrized over ``kind`` runs the *same* assertions
against Debian's redis-server 7.0 and against swredisd, which is how we show
Redis parity.  Tests marked ``swredis_only`` check behaviour that swredis adds
on top of Redis (file:line in config errors, ``--test-config``, ...) and are
skipped when the "swredis" side is played by redis-server (DIFF_TARGET=redis).

Covered: config file errors / --test-config / stdin config / include /
command-line precedence; requirepass + AUTH + HELLO + rename-command; unix
socket + permissions; maxclients; idle timeout; graceful shutdown (SIGTERM,
pidfile, SHUTDOWN NOSAVE); logfile format; sd_notify; MONITOR; CLIENT
KILL/LIST/SETNAME/PAUSE; SLOWLOG; INFO sections and statistics; DEBUG DIGEST
against redis-server; CONFIG REWRITE; garbage input robustness.

Loopback only; every wait is bounded; every process started here is stopped
(SIGTERM, then SIGKILL) by the ``launcher`` fixture even when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from typing import List, Optional, Sequence

import pytest

import helpers
from helpers import HOST, RespClient, encode_command

KINDS = ["redis", "swredis"]


PROC_TIMEOUT = 10.0  # bound for one-shot processes (config errors, redis-cli)

swredis_only = pytest.mark.skipif(helpers.swredis_is_redis(),
                                  reason="swredis-specific behaviour; the swredis side is played by redis-server")


# --------------------------------------------------------------------------
# Process plumbing
# --------------------------------------------------------------------------

def wait_ready(port: int, proc: subprocess.Popen, timeout: float = helpers.STARTUP_TIMEOUT) -> None:
    """Wait (bounded) until the server answers PING with +PONG or -NOAUTH."""
    helpers.wait_for_ping(HOST, port, time.monotonic() + timeout, proc, accept_noauth=True)


class Launcher:
    """Starts servers (and owns temp dirs); everything is cleaned up at teardown."""

    def __init__(self):
        self.servers: List[helpers.ServerProcess] = []
        self.dirs: List[str] = []

    def tmpdir(self) -> str:
        d = tempfile.mkdtemp(prefix="swr-feat-")
        self.dirs.append(d)
        return d

    def start(self, kind: str, extra: Sequence[str] = (), *, conf: Optional[str] = None,
              env: Optional[dict] = None, stdin_data: Optional[bytes] = None,
              dir: Optional[str] = None, wait: bool = True) -> helpers.ServerProcess:
        argv0 = helpers.argv_for_kind(kind)
        d = dir or self.tmpdir()
        port = helpers.free_port()
        argv = list(argv0)
        if conf:
            argv.append(conf)
        argv += ["--port", str(port), "--dir", d, "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--bind", HOST]
        argv += [str(a) for a in extra]
        if stdin_data is not None:
            argv.append("-")  # last argument: read config from stdin (redis-server convention)
        log_path = os.path.join(d, f"server-{port}.log")
        with open(log_path, "wb") as logf:
            proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                    stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                                    cwd=d, env=env, preexec_fn=helpers._die_with_parent)
        sp = helpers.ServerProcess(argv=argv, port=port, dir=d, log_path=log_path, proc=proc,
                                   own_dir=False, extra=list(extra))
        helpers._LIVE.add(sp)
        self.servers.append(sp)
        if stdin_data is not None:
            try:
                proc.stdin.write(stdin_data)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        if wait:
            try:
                wait_ready(port, proc)
            except helpers.ServerStartError as e:
                raise helpers.ServerStartError(f"{e}\nargv: {argv}\n--- log ---\n{sp.log_tail()}") from None
        return sp

    def cleanup(self):
        for s in self.servers:
            try:
                s.stop()
            except Exception:
                pass
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def launcher():
    lx = Launcher()
    try:
        yield lx
    finally:
        lx.cleanup()


def debug_args(kind: str) -> List[str]:
    # Redis 7.0 refuses DEBUG unless enable-debug-command is set (see test_debug_command_disabled_by_default).
    return ["--enable-debug-command", "yes"]


def run_once(argv: Sequence[str], stdin: Optional[bytes] = None, cwd: Optional[str] = None,
             timeout: float = PROC_TIMEOUT) -> subprocess.CompletedProcess:
    """Run a process that is expected to exit by itself (bounded)."""
    return subprocess.run(list(argv), input=stdin if stdin is not None else b"", capture_output=True,
                          timeout=timeout, cwd=cwd, preexec_fn=helpers._die_with_parent)


def redis_cli(*args: str, timeout: float = PROC_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([helpers.REDIS_CLI, *args], capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def write(path: str, text: str) -> str:
    with open(path, "w") as f:
        f.write(text)
    return path


def info(c: RespClient, section: str = "") -> str:
    v = c.call("INFO", section) if section else c.call("INFO")
    assert isinstance(v, bytes), v
    return v.decode()


def info_field(text: str, name: str) -> str:
    m = re.search(rf"^{re.escape(name)}:(.*?)\r?$", text, re.M)
    assert m, f"INFO has no field {name!r}:\n{text}"
    return m.group(1)


def wait_until(pred, timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())


def wait_exit(proc: subprocess.Popen, timeout: float) -> Optional[int]:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


# --------------------------------------------------------------------------
# 1. Configuration files
# --------------------------------------------------------------------------

BAD_CONFIGS = [
    ("unknown-directive", "foobar yes", "Bad directive or wrong number of arguments"),
    ("bad-memory", "maxmemory abc", "argument must be a memory value"),
    ("port-range", "port 99999", "argument must be between 0 and 65535 inclusive"),
    ("unbalanced-quotes", 'requirepass "abc', "Unbalanced quotes in configuration line"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,line,reason", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_config_file_error_is_fatal(kind, name, line, reason, launcher):
    argv = helpers.argv_for_kind(kind)
    d = launcher.tmpdir()
    path = write(os.path.join(d, "x.conf"), f"# line one is a comment\n{line}\nloglevel notice\n")
    r = run_once(argv + [path], cwd=d)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1, (r.returncode, err, r.stdout)
    assert "*** FATAL CONFIG FILE ERROR" in err, err
    assert f">>> '{line}'" in err, err
    assert reason in err, err
    assert "at line 2" in err, err
    if kind == "swredis" and not helpers.swredis_is_redis():
        # swredis names the file as well as the line
        assert f"Reading the configuration file {path}, at line 2" in err, err


@swredis_only
def test_test_config_flag(launcher):
    argv = helpers.argv_for_kind("swredis")
    d = launcher.tmpdir()
    good = write(os.path.join(d, "good.conf"), "port 7777\nmaxmemory 64mb\nsave \"\"\n")
    bad = write(os.path.join(d, "bad.conf"), "port 7777\nmaxmemory abc\n")
    r = run_once(argv + ["--test-config", good], cwd=d)
    assert r.returncode == 0, (r.stdout, r.stderr)
    r = run_once(argv + ["--test-config", bad], cwd=d)
    assert r.returncode == 1, (r.stdout, r.stderr)
    err = r.stderr.decode()
    assert "*** FATAL CONFIG FILE ERROR" in err and ">>> 'maxmemory abc'" in err, err
    assert f"{bad}, at line 2" in err, err
    # a bad command-line option is reported too, without starting anything
    r = run_once(argv + ["--test-config", good, "--port", "99999"], cwd=d)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "argument must be between 0 and 65535 inclusive" in r.stderr.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_config_from_stdin(kind, launcher):
    s = launcher.start(kind, stdin_data=b"maxmemory 5mb\nmaxmemory-policy allkeys-lru\n")
    with s.client() as c:
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"5242880"]
        assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]


@pytest.mark.parametrize("kind", KINDS)
def test_config_stdin_error_is_fatal(kind, launcher):
    d = launcher.tmpdir()
    r = run_once(helpers.argv_for_kind(kind) + ["--port", str(helpers.free_port()), "-"], stdin=b"maxmemory abc\n", cwd=d)
    err = r.stderr.decode()
    assert r.returncode == 1, (r.returncode, err)
    assert "*** FATAL CONFIG FILE ERROR" in err and ">>> 'maxmemory abc'" in err, err


@pytest.mark.parametrize("kind", KINDS)
def test_config_include(kind, launcher):
    d = launcher.tmpdir()
    inc = write(os.path.join(d, "included.conf"), "# included\nmaxmemory 3mb\nmaxmemory-policy volatile-lru\n")
    main = write(os.path.join(d, "main.conf"), f"maxmemory 1mb\ninclude {inc}\nhz 20\n")
    s = launcher.start(kind, conf=main, dir=d)
    with s.client() as c:
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"3145728"]
        assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"volatile-lru"]
        assert c.call("CONFIG", "GET", "hz") == [b"hz", b"20"]


@pytest.mark.parametrize("kind", KINDS)
def test_command_line_overrides_file(kind, launcher):
    d = launcher.tmpdir()
    file_port = helpers.free_port()
    conf = write(os.path.join(d, "x.conf"), f"port {file_port}\nmaxmemory 1mb\nhz 15\n")
    s = launcher.start(kind, ["--maxmemory", "2mb"], conf=conf, dir=d)  # launcher adds --port
    assert s.port != file_port
    with s.client() as c:
        assert c.call("CONFIG", "GET", "port") == [b"port", str(s.port).encode()]
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"2097152"]
        assert c.call("CONFIG", "GET", "hz") == [b"hz", b"15"]  # untouched file value stays
    with pytest.raises(OSError):
        socket.create_connection((HOST, file_port), timeout=1).close()


# --------------------------------------------------------------------------
# 2. requirepass, AUTH, HELLO, rename-command
# --------------------------------------------------------------------------

NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
HELLO_NOAUTH = (b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                b"HELLO AUTH <user> <pass> option can be used to authenticate the client and "
                b"select the RESP protocol version at the same time\r\n")


@pytest.mark.parametrize("kind", KINDS)
def test_requirepass(kind, launcher):
    s = launcher.start(kind, ["--requirepass", "s3cret"])
    with s.client() as c:
        assert c.command("GET", "k") == NOAUTH
        assert c.command("SET", "k", "v") == NOAUTH
        assert c.command("AUTH", "wrong") == WRONGPASS
        assert c.command("AUTH", "default", "wrong") == WRONGPASS
        assert c.command("GET", "k") == NOAUTH
        assert c.command("AUTH", "default", "s3cret") == b"+OK\r\n"
        assert c.command("SET", "k", "v") == b"+OK\r\n"
        assert c.command("GET", "k") == b"$1\r\nv\r\n"
    with s.client() as c:
        assert c.command("AUTH", "s3cret") == b"+OK\r\n"
        assert c.command("GET", "k") == b"$1\r\nv\r\n"
    with s.client() as c:
        assert c.command("HELLO", "3", "AUTH", "default", "nope") == WRONGPASS
        node = c.command_node("HELLO", "3", "AUTH", "default", "s3cret")
        assert node.type == "%", node.raw
        hello = node.value()
        assert hello[b"proto"] == 3 and hello[b"server"] == b"redis", hello
        assert c.command("GET", "k") == b"$1\r\nv\r\n"
        assert c.command("HGETALL", "nokey") == b"%0\r\n"  # RESP3 is really on
    r = redis_cli("-p", str(s.port), "-a", "s3cret", "--no-auth-warning", "GET", "k")
    assert r.returncode == 0 and r.stdout == b"v\n", r
    r = redis_cli("-p", str(s.port), "GET", "k")
    assert b"NOAUTH Authentication required." in r.stdout + r.stderr, r


@pytest.mark.parametrize("kind", KINDS)
def test_hello_before_auth_error_text(kind, launcher):
    s = launcher.start(kind, ["--requirepass", "s3cret"])
    with s.client() as c:
        assert c.command("HELLO", "3") == HELLO_NOAUTH
        assert c.command("HELLO", "2") == HELLO_NOAUTH
        assert c.command("HELLO") == HELLO_NOAUTH
        assert c.command("PING") == NOAUTH  # still RESP2, still unauthenticated


@pytest.mark.parametrize("kind", KINDS)
def test_rename_command(kind, launcher):
    s = launcher.start(kind, ["--rename-command", "CONFIG", "", "--rename-command", "GET", "FETCH"])
    with s.client() as c:
        assert c.command("SET", "k", "v") == b"+OK\r\n"
        assert c.command("GET", "k") == b"-ERR unknown command 'GET', with args beginning with: 'k' \r\n"
        assert c.command("FETCH", "k") == b"$1\r\nv\r\n"
        assert c.command("fetch", "k") == b"$1\r\nv\r\n"
        assert c.command("CONFIG", "GET", "port") == \
            b"-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' \r\n"
        assert c.command("PING") == b"+PONG\r\n"


# --------------------------------------------------------------------------
# 3. unix socket
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_unixsocket(kind, launcher):
    d = launcher.tmpdir()
    path = os.path.join(d, "s.sock")
    s = launcher.start(kind, ["--unixsocket", path, "--unixsocketperm", "700"], dir=d)
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o700, oct(st.st_mode)
    r = redis_cli("-s", path, "SET", "viaunix", "yes")
    assert r.stdout == b"OK\n", r
    r = redis_cli("-s", path, "PING")
    assert r.returncode == 0 and r.stdout == b"PONG\n", r
    with s.client() as c:  # same dataset over TCP
        assert c.command("GET", "viaunix") == b"$3\r\nyes\r\n"
    s.proc.send_signal(signal.SIGTERM)
    assert wait_exit(s.proc, 5) == 0
    assert not os.path.exists(path), "unix socket file left behind after shutdown"


# --------------------------------------------------------------------------
# 4. maxclients
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_maxclients(kind, launcher):
    s = launcher.start(kind, ["--maxclients", "2"])
    c1 = s.client()
    try:
        assert c1.command("PING") == b"+PONG\r\n"
        # the readiness probe's connection must be gone before we count
        assert wait_until(lambda: info_field(info(c1, "clients"), "connected_clients") == "1", 3)
        c2 = s.client()
        try:
            assert c2.command("PING") == b"+PONG\r\n"
            assert info_field(info(c1, "clients"), "connected_clients") == "2"
            before = int(info_field(info(c1, "stats"), "rejected_connections"))
            with s.client() as c3:
                assert c3.read_reply() == b"-ERR max number of clients reached\r\n"
                assert c3.wait_closed(3), "rejected connection was not closed"
            after = int(info_field(info(c1, "stats"), "rejected_connections"))
            assert after == before + 1
            assert c2.command("PING") == b"+PONG\r\n"
        finally:
            c2.close()
        # a slot frees up once a client leaves
        assert wait_until(lambda: info_field(info(c1, "clients"), "connected_clients") == "1", 3)
        with s.client() as c4:
            assert c4.command("PING") == b"+PONG\r\n"
    finally:
        c1.close()


# --------------------------------------------------------------------------
# 5. idle timeout
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_idle_timeout(kind, launcher):
    s = launcher.start(kind, ["--timeout", "1"])
    with s.client() as idle, s.client() as active:
        assert idle.command("PING") == b"+PONG\r\n"
        t0 = time.monotonic()
        closed_at = None
        while time.monotonic() - t0 < 4.0:
            assert active.command("PING") == b"+PONG\r\n"
            r, _, _ = select.select([idle.sock], [], [], 0.2)
            if r:
                try:
                    data = idle.sock.recv(4096)
                except (ConnectionResetError, OSError):
                    data = b""
                if not data:
                    closed_at = time.monotonic() - t0
                    break
        assert closed_at is not None, "idle client was not disconnected within 4 s"
        assert closed_at >= 0.9, f"idle client disconnected too early ({closed_at:.2f}s)"
        assert active.command("PING") == b"+PONG\r\n"
        assert active.command("CONFIG", "GET", "timeout") == b"*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n"


# --------------------------------------------------------------------------
# 6. graceful shutdown
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_sigterm_shutdown_and_pidfile(kind, launcher):
    d = launcher.tmpdir()
    pidfile = os.path.join(d, "srv.pid")
    s = launcher.start(kind, ["--pidfile", pidfile], dir=d)
    assert wait_until(lambda: os.path.exists(pidfile), 3), "pidfile not written"
    with open(pidfile) as f:
        assert f.read().strip() == str(s.pid)
    t0 = time.monotonic()
    s.proc.send_signal(signal.SIGTERM)
    rc = wait_exit(s.proc, 5)
    assert rc == 0, f"exit status {rc}"
    assert time.monotonic() - t0 < 5
    assert not os.path.exists(pidfile), "pidfile not removed on shutdown"
    log = s.log()
    assert "Received SIGTERM scheduling shutdown" in log, log
    assert "ready to exit, bye bye" in log, log


@pytest.mark.parametrize("kind", KINDS)
def test_shutdown_nosave_via_redis_cli(kind, launcher):
    d = launcher.tmpdir()
    pidfile = os.path.join(d, "srv.pid")
    s = launcher.start(kind, ["--pidfile", pidfile], dir=d)
    redis_cli("-p", str(s.port), "SHUTDOWN", "NOSAVE")
    rc = wait_exit(s.proc, 5)
    assert rc == 0, f"exit status {rc}"
    assert not os.path.exists(pidfile)
    assert "ready to exit, bye bye" in s.log()
    with pytest.raises(OSError):
        socket.create_connection((HOST, s.port), timeout=1).close()


# --------------------------------------------------------------------------
# 7. logfile format
# --------------------------------------------------------------------------

LOG_LINE = re.compile(r"^\d+:[XCSM] \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] .+$")


@pytest.mark.parametrize("kind", KINDS)
def test_logfile_format(kind, launcher):
    d = launcher.tmpdir()
    logfile = os.path.join(d, "x.log")
    s = launcher.start(kind, ["--logfile", logfile, "--loglevel", "verbose"], dir=d)
    with s.client() as c:
        assert c.command("PING") == b"+PONG\r\n"
    s.proc.send_signal(signal.SIGTERM)
    assert wait_exit(s.proc, 5) == 0
    with open(logfile, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    lines = [ln for ln in text.split("\n") if ln != ""]
    assert lines, "empty logfile"
    # redis-server logs from inside its signal handler in a reduced format
    # ("pid:signal-handler (unixtime) Received SIGTERM ..."); swredis has no such exception.
    bad = [ln for ln in lines if not LOG_LINE.match(ln)
           and not (s.argv[0] == helpers.REDIS_SERVER and re.match(r"^\d+:signal-handler \(\d+\) .+$", ln))]
    assert not bad, "log lines not in Redis format:\n" + "\n".join(bad)
    assert any(ln.endswith("Ready to accept connections") for ln in lines), text
    assert any("ready to exit, bye bye" in ln for ln in lines), text
    pids = {ln.split(":", 1)[0] for ln in lines}
    assert pids == {str(s.pid)}, pids
    assert any(re.match(r"^\d+:M ", ln) for ln in lines)
    # with a logfile, nothing is logged to stdout
    assert "Ready to accept connections" not in s.log()


# --------------------------------------------------------------------------
# 8. sd_notify
# --------------------------------------------------------------------------

def _recv_until(sock: socket.socket, needle: bytes, timeout: float, got: List[bytes]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        got.append(data)
        if needle in data.split(b"\n"):
            return True
    return False


@pytest.mark.parametrize("kind", KINDS)
def test_sd_notify(kind, launcher):
    d = launcher.tmpdir()
    path = os.path.join(d, "notify.sock")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        ns.bind(path)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        s = launcher.start(kind, ["--supervised", "systemd"], env=env, dir=d, wait=False)
        got: List[bytes] = []
        assert _recv_until(ns, b"READY=1", 10, got), f"no READY=1; got {got!r}\n{s.log_tail()}"
        wait_ready(s.port, s.proc, timeout=5)
        with s.client() as c:
            assert c.command("PING") == b"+PONG\r\n"
        status = [ln for dg in got for ln in dg.split(b"\n") if ln.startswith(b"STATUS=")]
        assert status and any(b"Ready to accept connections" in ln for ln in status), got
        s.proc.send_signal(signal.SIGTERM)
        got2: List[bytes] = []
        assert _recv_until(ns, b"STOPPING=1", 5, got2), f"no STOPPING=1; got {got2!r}"
        assert wait_exit(s.proc, 5) == 0
    finally:
        ns.close()


# --------------------------------------------------------------------------
# 9. MONITOR
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_monitor(kind, launcher):
    s = launcher.start(kind)
    with s.client() as mon, s.client() as w:
        assert mon.command("MONITOR") == b"+OK\r\n"
        wport = w.sock.getsockname()[1]
        assert w.command("set", "k", "v") == b"+OK\r\n"
        assert w.command("get", "k") == b"$1\r\nv\r\n"
        assert w.command("set", "k2", 'a "quoted" \x01 value') == b"+OK\r\n"
        lines = [mon.read_reply() for _ in range(3)]
        pat = r"^\+(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:(\d+)\] (.*)\r\n$"
        parsed = []
        for ln in lines:
            m = re.match(pat.encode(), ln)
            assert m, ln
            assert abs(int(m.group(1)) - time.time()) < 60
            assert int(m.group(4)) == wport, (ln, wport)
            parsed.append((int(m.group(3)), m.group(5)))
        assert parsed == [
            (0, b'"set" "k" "v"'),
            (0, b'"get" "k"'),
            (0, b'"set" "k2" "a \\"quoted\\" \\x01 value"'),
        ], parsed


@pytest.mark.parametrize("kind", KINDS)
def test_monitor_db_after_select(kind, launcher):
    s = launcher.start(kind)
    with s.client() as mon, s.client() as w:
        assert mon.command("MONITOR") == b"+OK\r\n"
        assert w.command("SELECT", "3") == b"+OK\r\n"
        assert w.command("set", "k", "v") == b"+OK\r\n"
        assert w.command("SELECT", "0") == b"+OK\r\n"
        lines = [mon.read_reply() for _ in range(3)]
        got = [re.sub(rb"^\+\d+\.\d{6} \[(\d+) [^\]]*\] ", rb"\1 ", ln) for ln in lines]
        assert got == [b'3 "SELECT" "3"\r\n', b'3 "set" "k" "v"\r\n', b'0 "SELECT" "0"\r\n'], lines


# --------------------------------------------------------------------------
# 10. CLIENT KILL / LIST / SETNAME / PAUSE
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_client_kill_list_setname(kind, launcher):
    s = launcher.start(kind)
    with s.client() as a, s.client() as b:
        assert a.command("CLIENT", "SETNAME", "alpha") == b"+OK\r\n"
        assert b.command("CLIENT", "SETNAME", "beta") == b"+OK\r\n"
        assert a.call("CLIENT", "GETNAME") == b"alpha"
        bid = b.call("CLIENT", "ID")
        aid = a.call("CLIENT", "ID")
        assert isinstance(bid, int) and bid != aid
        listing = a.call("CLIENT", "LIST").decode()
        rows = {}
        for ln in listing.strip().split("\n"):
            fields = dict(kv.split("=", 1) for kv in ln.strip().split(" ") if "=" in kv)
            rows[fields["name"]] = fields
        assert rows["alpha"]["id"] == str(aid) and rows["beta"]["id"] == str(bid), listing
        assert rows["beta"]["addr"] == "127.0.0.1:%d" % b.sock.getsockname()[1]
        assert rows["alpha"]["cmd"] == "client|list", listing
        assert a.command("CLIENT", "KILL", "ID", str(bid)) == b":1\r\n"
        assert b.wait_closed(3), "killed client still connected"
        # new-style filter: number of clients killed (old-style ADDR form errors instead)
        assert a.command("CLIENT", "KILL", "ID", str(bid)) == b":0\r\n"
        assert a.command("CLIENT", "KILL", "127.0.0.1:1") == b"-ERR No such client\r\n"
        assert "name=beta" not in a.call("CLIENT", "LIST").decode()
        assert a.command("PING") == b"+PONG\r\n"


@pytest.mark.parametrize("kind", KINDS)
def test_client_pause(kind, launcher):
    s = launcher.start(kind)
    with s.client() as a, s.client() as b:
        assert b.command("SET", "k", "v") == b"+OK\r\n"
        assert a.command("CLIENT", "PAUSE", "500") == b"+OK\r\n"
        t0 = time.monotonic()
        assert b.command("GET", "k") == b"$1\r\nv\r\n"
        dt = time.monotonic() - t0
        assert 0.3 <= dt < 3.0, f"GET during CLIENT PAUSE 500 took {dt:.3f}s"
        t0 = time.monotonic()
        assert b.command("GET", "k") == b"$1\r\nv\r\n"
        assert time.monotonic() - t0 < 1.0, "still paused after the pause ended"


@pytest.mark.parametrize("kind", KINDS)
def test_client_pause_write_holds_writes_only_until_unpause(kind, launcher):
    s = launcher.start(kind)
    with s.client() as a, s.client() as b:
        assert b.command("SET", "k", "v") == b"+OK\r\n"
        assert a.command("CLIENT", "PAUSE", "20000", "WRITE") == b"+OK\r\n"
        assert b.command("GET", "k") == b"$1\r\nv\r\n"
        b.send(helpers.encode_command("SET", "k", "v2") + helpers.encode_command("GET", "k"))
        b.settimeout(0.5)
        with pytest.raises(socket.timeout):
            b.read_reply()  # the SET (and the GET behind it) are held
        assert a.command("GET", "k") == b"$1\r\nv\r\n"
        assert a.command("CLIENT", "UNPAUSE") == b"+OK\r\n"
        b.settimeout(3)
        assert b.read_reply() == b"+OK\r\n"
        assert b.read_reply() == b"$2\r\nv2\r\n"


# --------------------------------------------------------------------------
# 11. SLOWLOG
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_slowlog(kind, launcher):
    s = launcher.start(kind, ["--slowlog-log-slower-than", "0", "--slowlog-max-len", "128"])
    with s.client() as c:
        assert c.command("CLIENT", "SETNAME", "slowpoke") == b"+OK\r\n"
        assert c.command("SLOWLOG", "RESET") == b"+OK\r\n"
        assert c.command("SET", "foo", "bar") == b"+OK\r\n"
        assert c.command("GET", "foo") == b"$3\r\nbar\r\n"
        entries = c.call("SLOWLOG", "GET", "10")
        assert isinstance(entries, list) and entries, entries
        by_args = {tuple(e[3]): e for e in entries}
        assert (b"SET", b"foo", b"bar") in by_args, entries
        assert (b"GET", b"foo") in by_args, entries
        e = by_args[(b"SET", b"foo", b"bar")]
        assert len(e) == 6, e
        eid, ts, dur, _args, addr, name = e
        assert isinstance(eid, int) and isinstance(dur, int) and dur >= 0
        assert abs(ts - time.time()) < 60
        assert addr == b"127.0.0.1:%d" % c.sock.getsockname()[1]
        assert name == b"slowpoke"
        # newest first
        assert entries[0][0] > entries[-1][0]
        assert c.call("SLOWLOG", "LEN") >= 2
        assert c.command("SLOWLOG", "RESET") == b"+OK\r\n"
        after = c.call("SLOWLOG", "GET", "10")
        assert not [x for x in after if x[3][:1] in ([b"SET"], [b"GET"])], after
        assert len(after) <= 1  # at most the SLOWLOG RESET itself
        assert c.call("SLOWLOG", "GET", "0") == []


@pytest.mark.parametrize("kind", KINDS)
def test_passwords_redacted_in_slowlog_and_monitor(kind, launcher):
    """AUTH, HELLO AUTH and CONFIG SET of a secret show `(redacted)` where they are logged, as Redis 7.0 shows."""
    s = launcher.start(kind, ["--slowlog-log-slower-than", "0"])
    with s.client() as mon, s.client() as c:
        assert mon.command("MONITOR") == b"+OK\r\n"
        assert c.command("AUTH", "hunter2").startswith(b"-ERR AUTH <password> called without")
        assert c.command("HELLO", "2", "AUTH", "default", "hunter2").startswith(b"*")
        assert c.command("CONFIG", "SET", "masterauth", "hunter2") == b"+OK\r\n"
        assert c.command("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
        monitored = [re.sub(rb"^\+[^\]]*\] ", b"", mon.read_reply()) for _ in range(2)]
        assert monitored == [b'"AUTH" "(redacted)"\r\n',
                             b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"\r\n'], monitored
        logged = [e[3] for e in c.call("SLOWLOG", "GET", "10")]
        assert [b"CONFIG", b"SET", b"masterauth", b"(redacted)"] in logged, logged
        assert [b"CONFIG", b"SET", b"requirepass", b"(redacted)"] in logged, logged
        assert [b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)"] in logged, logged
        assert [b"AUTH", b"(redacted)"] in logged, logged
        assert not any(b"hunter2" in arg for entry in logged for arg in entry), logged


@pytest.mark.parametrize("kind", KINDS)
def test_client_list_fd_is_the_sockets_descriptor(kind, launcher):
    """CLIENT LIST `fd=` names the server's real descriptor for the connection, distinct per client."""
    s = launcher.start(kind)
    with s.client() as a, s.client() as b:
        assert b.command("PING") == b"+PONG\r\n"  # b's connection is accepted before a lists the clients
        rows = {}
        for line in a.call("CLIENT", "LIST").decode().strip().split("\n"):
            fields = dict(kv.split("=", 1) for kv in line.split(" ") if "=" in kv)
            rows[fields["addr"]] = int(fields["fd"])
        fds = [rows["127.0.0.1:%d" % c.sock.getsockname()[1]] for c in (a, b)]
        assert fds[0] != fds[1] and min(fds) > 2, rows
        for fd in fds:
            assert os.readlink("/proc/%d/fd/%d" % (s.pid, fd)).startswith("socket:"), fd


# --------------------------------------------------------------------------
# 12. INFO
# --------------------------------------------------------------------------

INFO_FIELDS = {
    "Server": ["redis_version", "redis_mode", "os", "arch_bits", "process_id", "run_id", "tcp_port",
               "uptime_in_seconds", "hz", "executable", "config_file"],
    "Clients": ["connected_clients", "blocked_clients", "maxclients"],
    "Memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak", "maxmemory",
               "maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio"],
    "Stats": ["total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
              "rejected_connections", "expired_keys", "evicted_keys", "keyspace_hits", "keyspace_misses",
              "total_error_replies"],
    "Keyspace": [],
}


@pytest.mark.parametrize("kind", KINDS)
def test_info_sections_and_stats(kind, launcher):
    s = launcher.start(kind)
    with s.client() as c:
        text = info(c)
        for section, fields in INFO_FIELDS.items():
            assert f"# {section}\r\n" in text, section
            for f in fields:
                info_field(text, f)
        assert info_field(text, "process_id") == str(s.pid)
        assert info_field(text, "tcp_port") == str(s.port)
        assert info_field(text, "redis_version") == "7.0.15" or info_field(text, "redis_version").startswith("7.0")
        assert "# Commandstats" not in text  # not a default section
        everything = info(c, "everything")
        for section in ("Server", "Clients", "Memory", "Stats", "Keyspace", "Commandstats", "Errorstats"):
            assert f"# {section}\r\n" in everything, section

        assert c.command("CONFIG", "RESETSTAT") == b"+OK\r\n"
        assert c.command("SET", "k", "v") == b"+OK\r\n"
        assert c.command("GET", "k") == b"$1\r\nv\r\n"
        assert c.command("GET", "missing") == b"$-1\r\n"
        assert c.command("GET").startswith(b"-ERR wrong number of arguments")
        assert c.command("INCR", "k") == b"-ERR value is not an integer or out of range\r\n"
        assert c.command("NOSUCHCMD").startswith(b"-ERR unknown command")
        cs = info(c, "commandstats")
        assert re.search(r"^cmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d+,rejected_calls=0,failed_calls=0\r$",
                         cs, re.M), cs
        assert re.search(r"^cmdstat_get:calls=2,usec=\d+,usec_per_call=\d+\.\d+,rejected_calls=1,failed_calls=0\r$",
                         cs, re.M), cs
        assert re.search(r"^cmdstat_incr:calls=1,usec=\d+,usec_per_call=\d+\.\d+,rejected_calls=0,failed_calls=1\r$",
                         cs, re.M), cs
        assert "nosuchcmd" not in cs.lower()
        es = info(c, "errorstats")
        assert re.search(r"^errorstat_ERR:count=3\r$", es, re.M), es
        st = info(c, "stats")
        assert info_field(st, "total_error_replies") == "3"
        assert info_field(st, "keyspace_hits") == "1"
        assert info_field(st, "keyspace_misses") == "1"

        # keyspace line
        for i in range(3):
            assert c.command("SET", f"p{i}", "x") == b"+OK\r\n"
        assert c.command("EXPIREAT", "p0", "4102444800") == b":1\r\n"
        assert c.command("EXPIRE", "p1", "100000") == b":1\r\n"
        assert c.command("SELECT", "2") == b"+OK\r\n"
        assert c.command("SET", "other", "x", "EX", "5000") == b"+OK\r\n"
        ks = info(c, "keyspace")
        assert re.search(r"^db0:keys=4,expires=2,avg_ttl=\d+\r$", ks, re.M), ks
        assert re.search(r"^db2:keys=1,expires=1,avg_ttl=\d+\r$", ks, re.M), ks
        assert "db1:" not in ks
        assert c.command("FLUSHDB") == b"+OK\r\n"
        assert "db2:" not in info(c, "keyspace")


@pytest.mark.parametrize("kind", KINDS)
def test_info_used_memory_is_real(kind, launcher):
    s = launcher.start(kind)
    with s.client() as c:
        before = int(info_field(info(c, "memory"), "used_memory"))
        value = b"x" * 1024
        batch = 500
        for start in range(0, 10000, batch):
            c.send(b"".join(encode_command("SET", f"key:{i:06d}", value) for i in range(start, start + batch)))
            for _ in range(batch):
                assert c.read_reply() == b"+OK\r\n"
        assert c.call("DBSIZE") == 10000
        mem = info(c, "memory")
        after = int(info_field(mem, "used_memory"))
        grown = after - before
        assert grown >= 8_000_000, f"used_memory grew by only {grown} bytes for ~10 MB of data"
        assert grown <= 200_000_000, f"used_memory grew by {grown} bytes for ~10 MB of data"
        assert int(info_field(mem, "used_memory_peak")) >= after
        human = info_field(mem, "used_memory_human")
        assert re.fullmatch(r"\d+(\.\d+)?[BKMG]", human), human
        assert c.command("FLUSHALL") == b"+OK\r\n"


# --------------------------------------------------------------------------
# 13. DEBUG DIGEST parity with redis-server
# --------------------------------------------------------------------------

def _digest_dataset() -> List[tuple]:
    rnd = random.Random(20240613)
    cmds: List[tuple] = []
    for db in (0, 1, 5):
        cmds.append(("SELECT", str(db)))
        cmds += [
            ("SET", f"int:{db}", "12345"),
            ("SET", f"neg:{db}", "-42"),
            ("SET", f"zero:{db}", "0"),
            ("SET", f"lead0:{db}", "007"),
            ("SET", f"bigint:{db}", "123456789012345678901234567890"),
            ("SET", f"float:{db}", "3.14"),
            ("SET", f"empty:{db}", ""),
            ("SET", f"str:{db}", "hello world"),
            ("SET", f"long:{db}", "L" * 5000),
            ("SET", b"bin:\x00\xff" + str(db).encode(), bytes(range(256))),
            ("SET", f"ttl:{db}", "expiring", "EX", "500000"),
            ("SET", f"ttlint:{db}", "99"),
            ("EXPIREAT", f"ttlint:{db}", "4102444800"),
            ("INCRBY", f"counter:{db}", str(db * 1000 + 7)),
            ("APPEND", f"app:{db}", "abc"),
            ("APPEND", f"app:{db}", "def"),
        ]
        for i in range(30):
            k = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 12)))
            v = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 64)))
            cmds.append(("SET", b"r:" + k, v))
    cmds.append(("SELECT", "0"))
    return cmds


def _load_digest_dataset(launcher):
    """Both servers, same dataset; returns {kind: client}."""
    clients = {}
    for kind in KINDS:
        s = launcher.start(kind, debug_args(kind))
        c = s.client()
        assert c.command("DEBUG", "DIGEST") == b"+" + b"0" * 40 + b"\r\n", kind  # empty dataset
        for cmd in _digest_dataset():
            r = c.command(*cmd)
            assert not r.startswith(b"-"), (kind, cmd, r)
        clients[kind] = c
    return clients


DIGEST_KEYS = ["int:0", "neg:0", "lead0:0", "bigint:0", "float:0", "empty:0", "long:0", b"bin:\x00\xff0",
               "ttl:0", "ttlint:0", "counter:0", "app:0", "missing"]


def test_debug_digest_value_matches_redis(launcher):
    clients = _load_digest_dataset(launcher)
    values = {}
    try:
        for kind, c in clients.items():
            values[kind] = c.call("DEBUG", "DIGEST-VALUE", *DIGEST_KEYS)
            assert c.call("SELECT", "5") == b"OK"
            values[kind] += c.call("DEBUG", "DIGEST-VALUE", "int:5", "ttl:5", "int:0")
    finally:
        for c in clients.values():
            c.close()
    assert len(values["redis"]) == len(DIGEST_KEYS) + 3
    assert values["redis"][len(DIGEST_KEYS) - 1] == b"0" * 40  # missing key
    assert values["redis"][-1] == b"0" * 40  # int:0 does not exist in db 5
    assert all(re.fullmatch(rb"[0-9a-f]{40}", v) for v in values["redis"])
    assert len(set(values["redis"])) >= len(DIGEST_KEYS) - 1  # distinct values, distinct digests
    assert values["swredis"] == values["redis"]


def test_debug_digest_matches_redis(launcher):
    clients = _load_digest_dataset(launcher)
    digests = {}
    try:
        for kind, c in clients.items():
            digests[kind] = c.call("DEBUG", "DIGEST")
            # the digest depends on content: change one byte and it changes; restore and it is back
            assert c.command("SET", "str:0", "hello worle") == b"+OK\r\n"
            changed = c.call("DEBUG", "DIGEST")
            assert c.command("SET", "str:0", "hello world") == b"+OK\r\n"
            assert c.call("DEBUG", "DIGEST") == digests[kind]
            assert changed != digests[kind]
    finally:
        for c in clients.values():
            c.close()
    assert re.fullmatch(rb"[0-9a-f]{40}", digests["redis"])
    assert digests["redis"] != b"0" * 40
    assert digests["swredis"] == digests["redis"]


def test_debug_digest_single_key_matches_redis_model(launcher):
    """Pin redis-server 7.0.15's DEBUG DIGEST algorithm with a Python model (documents the expected
    computation for swredis developers); runs against redis-server only."""
    import hashlib
    import struct

    def sha(b):
        return hashlib.sha1(b).digest()

    def xor(a, b):
        return bytes(x ^ y for x, y in zip(a, b))

    def mix(d, b):
        return sha(xor(d, sha(b)))

    z = bytes(20)

    def model(db, items):
        final = mix(z, struct.pack(">I", db))
        for k, v, has_ttl in items:
            d = mix(mix(mix(z, k), struct.pack(">I", 0)), v)
            if has_ttl:
                d = xor(d, sha(b"!!expire!!"))
            final = xor(final, sha(d))
        return final.hex().encode()

    s = launcher.start("redis", debug_args("redis"))
    with s.client() as c:
        assert c.command("SET", "a", "b") == b"+OK\r\n"
        assert c.call("DEBUG", "DIGEST") == model(0, [(b"a", b"b", False)])
        assert c.command("SET", "n", "12345", "EX", "1000") == b"+OK\r\n"
        assert c.call("DEBUG", "DIGEST") == model(0, [(b"a", b"b", False), (b"n", b"12345", True)])


# --------------------------------------------------------------------------
# 14. CONFIG REWRITE
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_config_rewrite(kind, launcher):
    d = launcher.tmpdir()
    conf = write(os.path.join(d, "rw.conf"),
                 "# operator comment: keep me\n"
                 "maxmemory 1mb\n"
                 "\n"
                 "# second comment\n"
                 "maxmemory-policy allkeys-lru\n"
                 "hz 12\n")
    s = launcher.start(kind, conf=conf, dir=d)
    with s.client() as c:
        assert c.command("CONFIG", "SET", "maxmemory", "10mb") == b"+OK\r\n"
        assert c.command("CONFIG", "REWRITE") == b"+OK\r\n"
    with open(conf) as f:
        text = f.read()
    assert "# operator comment: keep me\n" in text, text
    assert "# second comment\n" in text, text
    mm = re.findall(r"^maxmemory .*$", text, re.M)
    assert len(mm) == 1 and re.fullmatch(r"maxmemory (10mb|10485760)", mm[0]), text
    assert re.search(r"^maxmemory-policy allkeys-lru$", text, re.M), text
    assert re.search(r"^hz 12$", text, re.M), text
    s.stop()
    # the rewritten file still parses and carries the new value
    s2 = launcher.start(kind, conf=conf, dir=d)
    with s2.client() as c:
        assert c.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"10485760"]
        assert c.call("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]
        assert c.call("CONFIG", "GET", "hz") == [b"hz", b"12"]


@pytest.mark.parametrize("kind", KINDS)
def test_config_rewrite_without_file_fails(kind, launcher):
    s = launcher.start(kind)
    with s.client() as c:
        assert c.command("CONFIG", "REWRITE") == b"-ERR The server is running without a config file\r\n"


# --------------------------------------------------------------------------
# 15. Garbage input never kills the server
# --------------------------------------------------------------------------

def _garbage_buffers(n: int = 50) -> List[bytes]:
    rnd = random.Random(0x5EED)
    prefixes = [b"", b"*", b"*3\r\n", b"*3\r\n$3\r\nSET\r\n", b"$", b"*1\r\n$", b"\r\n", b"PING ", b'"', b"*-1\r\n"]
    out = []
    for i in range(n):
        size = rnd.randint(1, 4096)
        body = bytes(rnd.getrandbits(8) for _ in range(size))
        if i % 5 == 0:  # mostly-printable noise with CRLFs, looks like inline commands
            body = bytes(rnd.choice(b"abcXYZ019 \"'\\\r\n$*:+-") for _ in range(size))
        out.append(rnd.choice(prefixes) + body)
    return out


def _send_and_drain(port: int, data: bytes, timeout: float = 3.0) -> bytes:
    """Send data, half-close, read until the server closes (bounded)."""
    got = b""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.settimeout(timeout)
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            return got
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
    return got


@pytest.mark.parametrize("kind", KINDS)
def test_garbage_input_never_kills_server(kind, launcher):
    s = launcher.start(kind)
    with s.client() as probe:
        for i, buf in enumerate(_garbage_buffers()):
            _send_and_drain(s.port, buf)
            assert s.alive(), f"server died on garbage buffer #{i}: {buf[:80]!r}"
            assert probe.command("PING") == b"+PONG\r\n", f"after garbage buffer #{i}"
        with s.client() as c:
            c.send(b"*1\r\n$2147483648\r\n")
            assert c.read_reply() == b"-ERR Protocol error: invalid bulk length\r\n"
            assert c.wait_closed(3)
        assert probe.command("PING") == b"+PONG\r\n"
        with s.client() as c:
            try:
                c.send(b"A" * 70 * 1024)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert c.read_reply() == b"-ERR Protocol error: too big inline request\r\n"
            assert c.wait_closed(3)
        assert probe.command("PING") == b"+PONG\r\n"
        with s.client() as c:
            assert c.command("SET", "still", "alive") == b"+OK\r\n"
            assert c.command("GET", "still") == b"$5\r\nalive\r\n"
    assert s.alive()


# --------------------------------------------------------------------------
# COMMAND INFO of commands whose keys depend on their arguments
# --------------------------------------------------------------------------

@contextlib.contextmanager
def redis_and_swredis_clients():
    """A client of a fresh redis-server and one of a fresh swredisd; both servers are stopped afterwards."""
    redis_server = helpers.start_redis()
    swredis_server = helpers.start_swredis()
    try:
        with redis_server.client() as r, swredis_server.client() as s:
            yield r, s
    finally:
        redis_server.cleanup()
        swredis_server.cleanup()


# Commands swredis has that Redis 7.0 has not (CLIENT SETINFO is Redis 7.2's, sent by redis-py on connect).
NEWER_THAN_REDIS_7_0 = {b"client|setinfo"}


def _subcommands_in_name_order(info_or_docs, docs):
    """Redis lists subcommands in its dict's order; swredis by name. Sort both the same way."""
    if docs:
        fields = list(info_or_docs)
        for index in range(0, len(fields), 2):
            if fields[index] == b"subcommands":
                pairs = sorted(zip(fields[index + 1][::2], fields[index + 1][1::2]))
                fields[index + 1] = [x for pair in pairs if pair[0] not in NEWER_THAN_REDIS_7_0 for x in pair]
        return fields
    entry = list(info_or_docs)
    entry[9] = sorted((sub for sub in entry[9] if sub[0] not in NEWER_THAN_REDIS_7_0), key=lambda sub: sub[0])
    return entry


def test_the_whole_command_table_matches_redis_command_info_and_docs():
    """Every command and subcommand swredis declares is described exactly as redis-server 7.0 describes it: COMMAND
    INFO (arity, flags with movablekeys, legacy key range, ACL categories, tips, key specs with notes) byte for byte in
    RESP3, and COMMAND DOCS (summary, since, group, complexity, doc flags, deprecation, history, the argument tree)."""
    with redis_and_swredis_clients() as (r, s):
        names = [n for n in s.call("COMMAND", "LIST") if n not in NEWER_THAN_REDIS_7_0]
        assert len(names) > 230
        for name in names:
            expected_info, got_info = r.call("COMMAND", "INFO", name)[0], s.call("COMMAND", "INFO", name)[0]
            assert expected_info is not None, name
            expected_docs, got_docs = r.call("COMMAND", "DOCS", name)[1], s.call("COMMAND", "DOCS", name)[1]
            if b"|" in name or not expected_info[9]:
                assert got_info == expected_info, name
                assert got_docs == expected_docs, name
            else:
                assert _subcommands_in_name_order(got_info, False) == _subcommands_in_name_order(expected_info, False)
                assert _subcommands_in_name_order(got_docs, True) == _subcommands_in_name_order(expected_docs, True)
        for client in (r, s):
            client.command("HELLO", "3")
        for name in names:
            if not s.call("COMMAND", "INFO", name)[0][9]:
                assert s.command("COMMAND", "INFO", name) == r.command("COMMAND", "INFO", name), name


def test_command_getkeys_and_flags_follow_the_key_specs_like_redis():
    """GETKEYSANDFLAGS reports each key with its spec's flags; GETKEYS's errors come in Redis's order."""
    calls = [
        ("SET", "k", "v"), ("MSET", "a", "1", "b", "2"), ("LMOVE", "s", "d", "LEFT", "RIGHT"),
        ("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"), ("ZUNIONSTORE", "d", "3", "a", "b"),
        ("ZUNIONSTORE", "d", "9223372036854775807", "a"), ("LMPOP", "0", "LEFT"), ("BLPOP", "a", "b", "0"),
        ("SORT", "k", "BY", "w_*", "LIMIT", "0", "1", "STORE", "d"), ("SORT_RO", "k", "GET", "#"),
        ("COPY", "a", "b"), ("SPUBLISH", "c", "m"), ("PING",), ("GET",), ("NOSUCH", "k"), ("CONFIG", "NOSUCH"),
        ("OBJECT", "ENCODING", "k"), ("EXISTS", "a", "b"), ("BITOP", "AND", "d", "a", "b"),
        ("SET", "k", "v", "GET"), ("BITFIELD", "k", "GET", "u8", "0"), ("BITFIELD", "k", "INCRBY", "u8", "0", "1"),
        ("BITFIELD", "k", "OVERFLOW", "SAT", "GET", "u8", "0"), ("BITFIELD_RO", "k", "GET", "u8", "0"),
    ]
    with redis_and_swredis_clients() as (r, s):
        for call in calls:
            for subcommand in ("GETKEYS", "GETKEYSANDFLAGS"):
                expected = r.command("COMMAND", subcommand, *call)
                assert s.command("COMMAND", subcommand, *call) == expected, (subcommand, call)


@pytest.mark.parametrize("kind", KINDS)
def test_debug_command_disabled_by_default(kind, launcher):
    """enable-debug-command: `no` by default refuses DEBUG with Redis's text; `local` allows loopback clients."""
    refused = (b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it"
               b" from a local connection, otherwise you need to set this option in the configuration file, and then"
               b" restart the server.\r\n")
    s = launcher.start(kind)
    with s.client() as c:
        assert c.call("CONFIG", "GET", "enable-debug-command") == [b"enable-debug-command", b"no"]
        assert c.command("DEBUG", "SLEEP", "0") == refused
        assert c.command("PING") == b"+PONG\r\n"
    local = launcher.start(kind, ["--enable-debug-command", "local"])
    with local.client() as c:
        assert c.command("DEBUG", "SLEEP", "0") == b"+OK\r\n"


def test_client_info_command_field_and_info_section_order_match_redis():
    """CLIENT INFO names the command being run; INFO all/everything/default list their sections in Redis's order."""
    with redis_and_swredis_clients() as (r, s):
        for client in (r, s):
            assert b" cmd=client|info " in client.call("CLIENT", "INFO")
            client.call("PING")
            assert b" cmd=client|info " in client.call("CLIENT", "INFO")
        for section in ("all", "everything", "default"):
            headers = [re.findall(rb"^# (\w+)", c.call("INFO", section), re.M) for c in (r, s)]
            assert headers[1] == headers[0], section
