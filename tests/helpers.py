"""Shared helpers for the swredis Python test harness.

* start_server(argv, extra_args)  -- run a redis-server-compatible binary on a
  free loopback port with a private --dir, wait (bounded) until it answers PING.
* RespClient                      -- raw socket client that sends bytes and reads
  exactly one complete RESP2/RESP3 reply, returning its raw bytes (or a parsed
  Node tree).
* split_args                      -- redis-cli style argument splitting
  (port of Redis's sdssplitargs), used by the differential script runner.

Everything talks to 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Union

HOST = "127.0.0.1"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REDIS_SERVER = os.environ.get("REDIS_SERVER", shutil.which("redis-server") or "/usr/bin/redis-server")
REDIS_CLI = os.environ.get("REDIS_CLI", shutil.which("redis-cli") or "/usr/bin/redis-cli")
SWREDISD = os.environ.get("SWREDISD", os.path.join(REPO_ROOT, ".build", "debug", "swredisd"))

STARTUP_TIMEOUT = float(os.environ.get("SERVER_STARTUP_TIMEOUT", "10"))
STOP_TIMEOUT = 5.0
REPLY_TIMEOUT = float(os.environ.get("REPLY_TIMEOUT", "5"))

Bytesish = Union[bytes, bytearray, str, int, float]


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "yes", "true", "on")


# --------------------------------------------------------------------------
# Which binaries play which role
# --------------------------------------------------------------------------

def redis_argv() -> List[str]:
    return [REDIS_SERVER]


def swredis_is_redis() -> bool:
    """True when the 'swredis' side should be played by redis-server itself
    (SWREDISD_IS_REDIS=1 or DIFF_TARGET=redis): used to prove the harness and
    the scripts are deterministic."""
    return _truthy("SWREDISD_IS_REDIS") or os.environ.get("DIFF_TARGET", "").strip().lower() == "redis"


def swredis_argv() -> List[str]:
    if swredis_is_redis():
        return [REDIS_SERVER]
    return [SWREDISD, "server"]


def swredis_unavailable_reason() -> Optional[str]:
    """None if the swredis side can be started, else a human readable reason."""
    if swredis_is_redis():
        return redis_unavailable_reason()
    if not (os.path.isfile(SWREDISD) and os.access(SWREDISD, os.X_OK)):
        return (f"swredisd binary not found at {SWREDISD} (set $SWREDISD, build it, "
                f"or run with DIFF_TARGET=redis to exercise the harness redis-vs-redis)")
    return None


def redis_unavailable_reason() -> Optional[str]:
    if not (os.path.isfile(REDIS_SERVER) and os.access(REDIS_SERVER, os.X_OK)):
        return f"redis-server not found at {REDIS_SERVER} (apt-get install redis-server)"
    return None


# --------------------------------------------------------------------------
# Process management
# --------------------------------------------------------------------------

def free_port() -> int:
    """A currently free loopback TCP port (bind to port 0, read it, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_LIVE: "set[ServerProcess]" = set()


def _die_with_parent():  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


@dataclass(eq=False)
class ServerProcess:
    argv: List[str]
    port: int
    dir: str
    log_path: str
    proc: subprocess.Popen
    own_dir: bool = True
    host: str = HOST
    extra: List[str] = field(default_factory=list)

    # -- info ---------------------------------------------------------------
    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-n:])

    # -- clients ------------------------------------------------------------
    def client(self, timeout: float = REPLY_TIMEOUT) -> "RespClient":
        return RespClient(self.host, self.port, timeout=timeout)

    def redis_py(self, **kw):
        import redis  # imported lazily: only some tests need it
        kw.setdefault("socket_timeout", REPLY_TIMEOUT)
        kw.setdefault("socket_connect_timeout", REPLY_TIMEOUT)
        return redis.Redis(host=self.host, port=self.port, **kw)

    # -- shutdown -----------------------------------------------------------
    def stop(self, timeout: float = STOP_TIMEOUT) -> Optional[int]:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Idempotent."""
        rc = self.proc.poll()
        if rc is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass
                rc = self.proc.wait(timeout=timeout)
        _LIVE.discard(self)
        return rc

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def __repr__(self):
        return f"<ServerProcess {os.path.basename(self.argv[0])} port={self.port} pid={self.proc.pid}>"


@atexit.register
def _kill_leftovers():
    for s in list(_LIVE):
        try:
            s.stop(timeout=2)
        except Exception:
            pass


class ServerStartError(RuntimeError):
    pass


def wait_for_ping(host: str, port: int, deadline: float, proc: Optional[subprocess.Popen] = None,
                  accept_noauth: bool = False) -> None:
    """Wait until PING answers +PONG (or -NOAUTH when `accept_noauth`: a password-protected server is up)."""
    last_err: Optional[BaseException] = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerStartError(f"server exited with status {proc.returncode} before answering PING")
        try:
            with socket.create_connection((host, port), timeout=0.5) as s:
                s.settimeout(1.0)
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                data = b""
                while not data.endswith(b"\r\n"):
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    data += chunk
                if data == b"+PONG\r\n" or (accept_noauth and data.startswith(b"-NOAUTH")):
                    return
                # e.g. "-LOADING ..." : keep waiting
                last_err = RuntimeError(f"PING replied {data!r}")
        except OSError as e:
            last_err = e
        time.sleep(0.02)
    raise ServerStartError(f"no PONG from {host}:{port} in time (last error: {last_err!r})")


def cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too, both below 65536."""
    import random
    for _ in range(200):
        port = random.randrange(20000, 50000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as s:
                    s.bind((HOST, candidate))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


def start_server(binary_argv: Sequence[str], extra_args: Sequence[str] = (), *,
                 dir: Optional[str] = None, port: Optional[int] = None,
                 conf_file: Optional[str] = None,
                 timeout: float = STARTUP_TIMEOUT, attempts: int = 3,
                 default_args: bool = True) -> ServerProcess:
    """Start `binary_argv [conf_file] --port P --dir D --save "" --appendonly no
    --daemonize no --bind 127.0.0.1 <extra_args>` and wait until it answers PING.

    The caller owns the returned ServerProcess and must call .cleanup() (or use
    it as a context manager).  Stdout/stderr go to <dir>/server.log.
    Retries on a fresh port if the chosen one was raced away.
    """
    own_dir = dir is None
    if own_dir:
        dir = tempfile.mkdtemp(prefix="swredis-test-")
    last: Optional[BaseException] = None
    for attempt in range(attempts):
        p = port if port is not None else free_port()
        argv = list(binary_argv)
        if conf_file:
            argv.append(conf_file)
        if default_args:
            argv += ["--port", str(p), "--dir", dir, "--save", "", "--appendonly", "no",
                     "--daemonize", "no", "--bind", HOST]
        argv += [str(a) for a in extra_args]
        log_path = os.path.join(dir, f"server-{p}.log")
        logf = open(log_path, "wb")
        try:
            proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=dir, preexec_fn=_die_with_parent)
        finally:
            logf.close()
        sp = ServerProcess(argv=argv, port=p, dir=dir, log_path=log_path, proc=proc, own_dir=own_dir,
                           extra=list(extra_args))
        _LIVE.add(sp)
        try:
            wait_for_ping(HOST, p, time.monotonic() + timeout, proc)
            return sp
        except ServerStartError as e:
            log = sp.log_tail()
            sp.stop()
            last = ServerStartError(f"{e}\nargv: {argv}\n--- log tail ---\n{log}")
            if port is not None or "Address already in use" not in log:
                break
    if own_dir:
        shutil.rmtree(dir, ignore_errors=True)
    assert last is not None
    raise last


def start_redis(extra_args: Sequence[str] = (), **kw) -> ServerProcess:
    return start_server(redis_argv(), extra_args, **kw)


def start_swredis(extra_args: Sequence[str] = (), **kw) -> ServerProcess:
    return start_server(swredis_argv(), extra_args, **kw)


def argv_for_kind(kind: str) -> List[str]:
    """The argv prefix of "redis" or "swredis"; pytest.skip() with the reason if unavailable."""
    import pytest
    if kind == "redis":
        reason, argv = redis_unavailable_reason(), redis_argv()
    elif kind == "swredis":
        reason, argv = swredis_unavailable_reason(), swredis_argv()
    else:
        raise ValueError(kind)
    if reason:
        # Under `make test` (SWREDIS_REQUIRED=1) a missing server is a failure, never a silent skip.
        if os.environ.get("SWREDIS_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return list(argv)


def start_kind(kind: str, extra_args: Sequence[str] = (), **kw) -> ServerProcess:
    """Start "redis" or "swredis"; pytest.skip() with the reason if unavailable."""
    return start_server(argv_for_kind(kind), extra_args, **kw)


# --------------------------------------------------------------------------
# RESP encoding / decoding
# --------------------------------------------------------------------------

def to_bytes(x: Bytesish) -> bytes:
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, (int, float)):
        return repr(x).encode() if isinstance(x, float) else str(x).encode()
    raise TypeError(f"cannot encode {type(x)}")


def encode_command(*args: Bytesish) -> bytes:
    """RESP multibulk encoding of one command."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        b = to_bytes(a)
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


class ProtocolError(Exception):
    pass


class ConnectionClosed(Exception):
    pass


@dataclass
class Node:
    """One parsed RESP frame.

    type:     the type byte as a 1-char str ('+', '-', ':', '$', '*', '_', ',', '#',
              '=', '%', '~', '>', '(', '!', '|' is folded into `attrs`)
    raw:      exact bytes of this frame (including any attribute prefix)
    header:   the first line without CRLF, e.g. b'*3' or b'+OK'
    payload:  bytes for simple/bulk types (None for null and aggregates)
    children: sub-frames for aggregates (maps: k1, v1, k2, v2 ...)
    """
    type: str
    raw: bytes
    header: bytes
    payload: Optional[bytes] = None
    children: List["Node"] = field(default_factory=list)
    attrs: Optional["Node"] = None

    @property
    def is_null(self) -> bool:
        return self.type == "_" or (self.type in "$*" and self.header[1:] == b"-1")

    @property
    def is_error(self) -> bool:
        return self.type in "-!"

    def value(self):
        """Convert to plain Python values (bytes, int, float, list, dict, set, None, Exception)."""
        t = self.type
        if self.is_null:
            return None
        if t == "+":
            return self.payload
        if t in "-!":
            return RespError(self.payload.decode("utf-8", "replace"))
        if t in ":(":
            return int(self.payload)
        if t == ",":
            return float(self.payload)
        if t == "#":
            return self.payload == b"t"
        if t in "$=":
            return self.payload
        if t in "*>":
            return [c.value() for c in self.children]
        if t == "~":
            return [c.value() for c in self.children]
        if t == "%":
            it = iter(self.children)
            return {_hashable(k.value()): v.value() for k, v in zip(it, it)}
        raise ProtocolError(f"unknown type {t!r}")


class RespError(Exception):
    def __eq__(self, other):
        return isinstance(other, RespError) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v


_SIMPLE = set("+-:_,#(")
_BLOB = set("$=!")
_AGG = set("*~>")


class RespReader:
    """Incremental reader of RESP frames from a socket (or any recv()-able)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            raise
        except ConnectionResetError as e:
            raise ConnectionClosed(f"connection reset: {e}") from e
        if not chunk:
            raise ConnectionClosed("connection closed by server")
        if self.pos > (1 << 20) and self.pos > len(self.buf) // 2:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk

    def _line(self) -> bytes:
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self.buf) - self.pos < n:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return data

    def read(self) -> Node:
        """Read exactly one complete frame (blocking, subject to the socket timeout)."""
        return self._read()

    def _read(self) -> Node:
        line = self._line()
        if not line:
            raise ProtocolError("empty line where a RESP type byte was expected")
        t = chr(line[0])
        raw_head = line + b"\r\n"
        if t in _SIMPLE:
            payload = line[1:]
            if t == "_" and payload:
                raise ProtocolError(f"bad null frame {line!r}")
            if t == "#" and payload not in (b"t", b"f"):
                raise ProtocolError(f"bad boolean {line!r}")
            if t in ":(":
                _parse_int(payload, line)
            return Node(t, raw_head, line, payload=None if t == "_" else payload)
        if t in _BLOB:
            n = _parse_int(line[1:], line)
            if n == -1 and t == "$":
                return Node(t, raw_head, line)
            if n < 0:
                raise ProtocolError(f"bad blob length {line!r}")
            data = self._exact(n + 2)
            if data[-2:] != b"\r\n":
                raise ProtocolError(f"blob of {n} bytes not followed by CRLF: {data[-2:]!r}")
            if t == "=" and (n < 4 or data[3:4] != b":"):
                raise ProtocolError(f"bad verbatim string {data!r}")
            return Node(t, raw_head + data, line, payload=data[:-2])
        if t in _AGG or t == "%" or t == "|":
            n = _parse_int(line[1:], line)
            if n == -1 and t == "*":
                return Node(t, raw_head, line)
            if n < 0:
                raise ProtocolError(f"bad aggregate length {line!r}")
            count = n * 2 if t in "%|" else n
            children = [self._read() for _ in range(count)]
            raw = raw_head + b"".join(c.raw for c in children)
            node = Node(t, raw, line, children=children)
            if t == "|":
                # attribute: out-of-band metadata followed by the actual reply
                real = self._read()
                real.attrs = node
                real.raw = raw + real.raw
                return real
            return node
        raise ProtocolError(f"unknown RESP type byte {line[:1]!r} in line {line!r}")


def _parse_int(b: bytes, line: bytes) -> int:
    try:
        if not b or b != b.strip():
            raise ValueError
        return int(b)
    except ValueError:
        raise ProtocolError(f"bad integer in {line!r}") from None


def parse_one(data: bytes) -> Node:
    """Parse exactly one frame from a complete bytes object (for unit tests)."""
    class _Buf:
        def __init__(self, d):
            self.d = d

        def recv(self, n):
            d, self.d = self.d[:n], self.d[n:]
            return d
    r = RespReader(_Buf(data))  # type: ignore[arg-type]
    node = r._read()
    rest = bytes(r.buf[r.pos:]) + r.sock.d
    if rest:
        raise ProtocolError(f"trailing bytes after frame: {rest[:50]!r}")
    return node


class RespClient:
    """Raw RESP client: send bytes, read exactly one full reply."""

    def __init__(self, host: str = HOST, port: int = 6379, timeout: float = REPLY_TIMEOUT):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.reader = RespReader(self.sock)

    def settimeout(self, t: float):
        self.sock.settimeout(t)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_node(self) -> Node:
        return self.reader.read()

    def read_reply(self) -> bytes:
        """Raw bytes of exactly one complete reply."""
        return self.reader.read().raw

    def command(self, *args: Bytesish) -> bytes:
        self.send(encode_command(*args))
        return self.read_reply()

    def command_node(self, *args: Bytesish) -> Node:
        self.send(encode_command(*args))
        return self.read_node()

    def call(self, *args: Bytesish):
        """Send a command and return the decoded Python value."""
        return self.command_node(*args).value()

    def pending(self) -> bytes:
        return bytes(self.reader.buf[self.reader.pos:])

    def wait_closed(self, timeout: float = 3.0) -> bool:
        """True if the server closes the connection within `timeout` (any
        unread reply bytes are discarded)."""
        deadline = time.monotonic() + timeout
        old = self.sock.gettimeout()
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    return False
                except (ConnectionResetError, BrokenPipeError):
                    return True
                if not chunk:
                    return True
                self.reader.buf += chunk
        finally:
            try:
                self.sock.settimeout(old)
            except OSError:
                pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# redis-cli style argument splitting (port of sdssplitargs)
# --------------------------------------------------------------------------

class SplitError(ValueError):
    pass


_HEX = b"0123456789abcdefABCDEF"
_SPACE = b" \n\r\t\v\f"


def split_args(line: Union[str, bytes]) -> List[bytes]:
    """Split a line the way redis-cli / Redis inline protocol / redis.conf do.

    Unquoted tokens are literal.  "double quotes" support \\xHH, \\n \\r \\t \\b \\a
    and \\<any> escapes; 'single quotes' support only \\'.  A closing quote must be
    followed by whitespace or end of line.  Raises SplitError on unbalanced quotes.
    """
    if isinstance(line, str):
        line = line.encode("utf-8")
    p, n = 0, len(line)
    out: List[bytes] = []
    while True:
        while p < n and line[p] in _SPACE:
            p += 1
        if p >= n:
            return out
        inq = insq = done = False
        cur = bytearray()
        while not done:
            c = line[p] if p < n else None
            if inq:
                if c is None:
                    raise SplitError("unbalanced double quotes")
                if c == 0x5C and p + 3 < n and line[p + 1] == ord("x") \
                        and line[p + 2] in _HEX and line[p + 3] in _HEX:
                    cur.append(int(line[p + 2:p + 4], 16))
                    p += 3
                elif c == 0x5C and p + 1 < n:
                    p += 1
                    e = line[p]
                    cur.append({ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}.get(e, e))
                elif c == ord('"'):
                    if p + 1 < n and line[p + 1] not in _SPACE:
                        raise SplitError("closing quote must be followed by a space")
                    done = True
                else:
                    cur.append(c)
            elif insq:
                if c is None:
                    raise SplitError("unbalanced single quotes")
                if c == 0x5C and p + 1 < n and line[p + 1] == ord("'"):
                    p += 1
                    cur.append(ord("'"))
                elif c == ord("'"):
                    if p + 1 < n and line[p + 1] not in _SPACE:
                        raise SplitError("closing quote must be followed by a space")
                    done = True
                else:
                    cur.append(c)
            else:
                if c is None or c in b" \n\r\t\0":
                    done = True
                elif c == ord('"'):
                    inq = True
                elif c == ord("'"):
                    insq = True
                else:
                    cur.append(c)
            if p < n:
                p += 1
        out.append(bytes(cur))
