"""Redis 7.0 protected mode, proven with a real non-loopback client.

The test builds its own network namespace (unique name swr-pm-<pid>) joined to
the host by a veth pair: host side 198.19.X.1/30, namespace side 198.19.X.2/30
(X derived from the pid).  The server (redis-server, then swredisd, identical
assertions) listens on `--bind 127.0.0.1 198.19.X.1`; a client started with
`ip netns exec` connects from 198.19.X.2, i.e. from outside the loopback
interface:

* protected-mode yes, no password: the namespace client gets the exact
  `-DENIED Redis is running in protected mode ...` text and the connection is
  closed; a loopback client still gets PONG.
* `CONFIG SET protected-mode no` from loopback: the namespace client gets PONG.
* `--requirepass` with protected-mode yes: the namespace client's PING gets
  `-NOAUTH Authentication required.` (protected mode only applies when the
  default user has no password), and AUTH + PING work.

Needs root and iproute2 (`ip netns`); otherwise the tests are skipped with the
reason.  The namespace and the veth pair are removed at teardown, even on
failure.  Every subprocess and socket wait is bounded.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402

IP = shutil.which("ip")
CMD_TIMEOUT = 10.0

DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
    b"for the default user. In this mode connections are only accepted from the loopback interface. If you "
    b"want to connect from external computers to Redis you may adopt one of the following solutions: "
    b"1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback "
    b"interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is "
    b"not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. "
    b"2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you started the "
    b"server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
    b"authentication password for the default user. NOTE: You only need to do one of the above things in "
    b"order for the server to start accepting connections from the outside.\r\n"
)
NOAUTH = b"-NOAUTH Authentication required.\r\n"

# Runs inside the namespace: connect, give the server 0.3 s to speak first
# (redis writes -DENIED right at accept time), send the request bytes, then read
# until EOF / reset / 0.5 s of silence (overall deadline 4 s).  Prints JSON.
CLIENT = r"""
import json, select, socket, sys, time
host, port, payload = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
out = {"connected": False, "data": "", "closed": False, "error": None}
data = b""
try:
    s = socket.create_connection((host, port), timeout=3)
    out["connected"] = True
    out["local"] = s.getsockname()[0]
    deadline = time.monotonic() + 4
    select.select([s], [], [], 0.3)
    try:
        s.sendall(payload)
    except OSError as e:            # the server may already have closed
        out["send_error"] = type(e).__name__
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            break                   # 0.5 s of silence: the connection stays open
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            out["closed"] = True
            break
        if not chunk:
            out["closed"] = True
            break
        data += chunk
    s.close()
except OSError as e:
    out["error"] = f"{type(e).__name__}: {e}"
out["data"] = data.hex()
print(json.dumps(out))
"""


def _run(*argv, check=True):
    p = subprocess.run(list(argv), capture_output=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} -> rc {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    return p


class NetNS:
    """A network namespace + veth pair; host side HOST_IP, namespace side NS_IP."""

    def __init__(self):
        pid = os.getpid()
        self.name = f"swr-pm-{pid}"
        self.veth_host = f"swpm{pid % 10**7}h"      # <= 15 chars (IFNAMSIZ)
        self.veth_ns = f"swpm{pid % 10**7}n"
        used = _run(IP, "-4", "-o", "addr", "show", check=False).stdout.decode()
        x = pid % 250 + 1
        for _ in range(250):
            if f"198.19.{x}." not in used:
                break
            x = x % 250 + 1
        self.host_ip = f"198.19.{x}.1"
        self.ns_ip = f"198.19.{x}.2"
        self.created_ns = self.created_link = False

    def setup(self):
        _run(IP, "netns", "add", self.name)
        self.created_ns = True
        _run(IP, "link", "add", self.veth_host, "type", "veth", "peer", "name", self.veth_ns)
        self.created_link = True
        _run(IP, "link", "set", self.veth_ns, "netns", self.name)
        _run(IP, "addr", "add", f"{self.host_ip}/30", "dev", self.veth_host)
        _run(IP, "link", "set", self.veth_host, "up")
        _run(IP, "netns", "exec", self.name, "ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.veth_ns)
        _run(IP, "netns", "exec", self.name, "ip", "link", "set", self.veth_ns, "up")
        _run(IP, "netns", "exec", self.name, "ip", "link", "set", "lo", "up")

    def teardown(self):
        errors = []
        if self.created_link:
            p = _run(IP, "link", "del", self.veth_host, check=False)  # removes the peer too
            if p.returncode != 0 and b"Cannot find device" not in p.stderr:
                errors.append(p.stderr.decode(errors="replace"))
        if self.created_ns:
            p = _run(IP, "netns", "del", self.name, check=False)
            if p.returncode != 0:
                errors.append(p.stderr.decode(errors="replace"))
        return errors

    def client(self, port, *commands):
        """Send `commands` (lists of args) from inside the namespace; returns
        (reply bytes, closed-by-server, info dict)."""
        payload = b"".join(helpers.encode_command(*c) for c in commands)
        p = _run(IP, "netns", "exec", self.name, sys.executable, "-c", CLIENT,
                 self.host_ip, str(port), payload.hex())
        info = json.loads(p.stdout.decode())
        assert info["connected"], f"namespace client could not connect: {info}"
        assert info["local"] == self.ns_ip, info            # really not loopback
        return bytes.fromhex(info["data"]), info["closed"], info


def _unavailable_reason():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root to create a network namespace"
    if IP is None:
        return "`ip` (iproute2) not found"
    p = subprocess.run([IP, "netns", "list"], capture_output=True, timeout=CMD_TIMEOUT)
    if p.returncode != 0:
        return f"`ip netns` unavailable: {p.stderr.decode(errors='replace').strip()}"
    return None


@pytest.fixture(scope="module")
def netns():
    reason = _unavailable_reason()
    if reason:
        pytest.skip(reason)
    ns = NetNS()
    try:
        try:
            ns.setup()
        except RuntimeError as e:
            pytest.skip(f"cannot create network namespace/veth: {e}")
        yield ns
    finally:
        errors = ns.teardown()
        assert not errors, f"netns cleanup failed: {errors}"
        listed = _run(IP, "netns", "list", check=False).stdout.decode()
        assert ns.name not in listed.split(), f"namespace {ns.name} still present"


def _start(kind, extra):
    """Like helpers.start_kind, but ready means +PONG *or* -NOAUTH (requirepass)."""
    if kind == "redis":
        reason, argv = helpers.redis_unavailable_reason(), helpers.redis_argv()
    else:
        reason, argv = helpers.swredis_unavailable_reason(), helpers.swredis_argv()
    if reason:
        if os.environ.get("SWREDIS_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    d = tempfile.mkdtemp(prefix="swr-pm-")
    port = helpers.free_port()
    argv = list(argv) + ["--port", str(port), "--dir", d, "--save", "", "--appendonly", "no",
                         "--daemonize", "no"] + [str(a) for a in extra]
    log_path = os.path.join(d, f"server-{port}.log")
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=d, preexec_fn=helpers._die_with_parent)
    sp = helpers.ServerProcess(argv=argv, port=port, dir=d, log_path=log_path, proc=proc)
    helpers._LIVE.add(sp)
    deadline = time.monotonic() + helpers.STARTUP_TIMEOUT
    last = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection((helpers.HOST, port), timeout=0.5) as c:
                c.settimeout(1.0)
                c.sendall(b"*1\r\n$4\r\nPING\r\n")
                data = b""
                while not data.endswith(b"\r\n"):
                    chunk = c.recv(256)
                    if not chunk:
                        break
                    data += chunk
                if data in (b"+PONG\r\n", NOAUTH):
                    return sp
                last = data
        except OSError as e:
            last = e
        time.sleep(0.02)
    log = sp.log_tail()
    sp.cleanup()
    raise helpers.ServerStartError(f"{kind} not ready (last: {last!r})\nargv: {argv}\n{log}")


@pytest.fixture
def start():
    started = []

    def _f(kind, extra):
        sp = _start(kind, extra)
        started.append(sp)
        return sp

    yield _f
    for sp in started:
        sp.cleanup()


def _bind_args(ns):
    return ["--bind", "127.0.0.1", ns.host_ip, "--protected-mode", "yes"]


@pytest.mark.parametrize("kind", ["redis", "swredis"])
def test_protected_mode_denies_non_loopback(kind, netns, start):
    s = start(kind, _bind_args(netns))
    # a loopback client is served
    with s.client() as c:
        assert c.command("PING") == b"+PONG\r\n"
        assert c.command("CONFIG", "GET", "protected-mode") == b"*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n"

    data, closed, info = netns.client(s.port, ["PING"])
    assert data == DENIED, (kind, info)
    assert closed, f"{kind}: connection not closed after -DENIED: {info}"

    # the loopback client is still served after the refusal
    with s.client() as c:
        assert c.command("PING") == b"+PONG\r\n"
        # turning protected mode off from loopback lets the namespace client in
        assert c.command("CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"

    data, closed, info = netns.client(s.port, ["PING"], ["ECHO", "hi"])
    assert data == b"+PONG\r\n$2\r\nhi\r\n", (kind, info)
    assert not closed, (kind, info)

    # and back on: refused again
    with s.client() as c:
        assert c.command("CONFIG", "SET", "protected-mode", "yes") == b"+OK\r\n"
    data, closed, info = netns.client(s.port, ["PING"])
    assert data == DENIED and closed, (kind, info)
    assert s.alive()


@pytest.mark.parametrize("kind", ["redis", "swredis"])
def test_protected_mode_with_password_requires_auth(kind, netns, start):
    s = start(kind, _bind_args(netns) + ["--requirepass", "s3cret"])
    with s.client() as c:
        assert c.command("PING") == NOAUTH
        assert c.command("AUTH", "s3cret") == b"+OK\r\n"
        assert c.command("PING") == b"+PONG\r\n"

    # a password is set for the default user: protected mode does not apply,
    # the namespace client gets NOAUTH (not DENIED) and stays connected
    data, closed, info = netns.client(s.port, ["PING"])
    assert data == NOAUTH, (kind, info)
    assert not closed, (kind, info)

    data, closed, info = netns.client(s.port, ["AUTH", "wrong"], ["AUTH", "s3cret"], ["PING"])
    assert data == (b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
                    b"+OK\r\n+PONG\r\n"), (kind, info)
    assert not closed, (kind, info)
    assert s.alive()
