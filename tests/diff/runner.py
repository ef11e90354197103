"""Differential script runner: send the same commands to redis-server and to
swredis, compare the raw RESP replies byte for byte.

Script syntax (tests/diff/scripts/*.redis), one command per line:

    # comment line
    SET key "binary\\x00value"        redis-cli quoting (see helpers.split_args)
    KEYS *  #!sorted                  per-line markers, at the end of the line
    !sleep 0.2                        directive: wait 0.2 s (both sides)

Markers (several may be combined; each starts with whitespace + "#!"):
    #!ignore       both servers must reply; contents are not compared
    #!type         compare only the RESP type byte of the reply
    #!sorted       top-level aggregate compared as a sorted multiset of elements
                   (maps: of key/value pairs)
    #!sortedpairs  top-level flat array compared as a sorted multiset of
                   consecutive (name, value) pairs (RESP2 CONFIG GET, HGETALL)
    #!deepsorted   every aggregate at every depth compared as a sorted multiset
                   (e.g. SCAN: cursor + keys)

Commands that answer with several frames are read completely: the
(P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE family (one frame per argument; without
arguments one per current subscription, or one if there is none -- the runner
tracks each connection's subscriptions from the frames it reads), and RESP3
out-of-band pub/sub pushes (">3 message ...", ">4 pmessage ...") that arrive
before a reply are kept as part of that command's reply.  All frames must
match, in order (markers apply to each frame).

Run standalone:  python3 tests/diff/runner.py [--target redis] [--transcript] [--pending] [script ...]
A script is a path (any directory) or a name looked up in scripts/, then pending/.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import helpers  # noqa: E402
from helpers import ConnectionClosed, Node, ProtocolError, RespClient, SplitError, encode_command, split_args  # noqa: E402

SCRIPTS_DIR = os.path.join(HERE, "scripts")
PENDING_DIR = os.path.join(HERE, "pending")   # scripts for commands not implemented yet (not run by pytest)
ALLOWLIST = os.path.join(HERE, "allowlist.txt")

MARKERS = {"ignore", "type", "sorted", "sortedpairs", "deepsorted"}
_MARKER_RE = re.compile(rb"((?:[ \t]+#![A-Za-z]+)+)[ \t]*$")


class ScriptError(Exception):
    pass


@dataclass
class Step:
    script: str
    lineno: int
    text: str
    kind: str                      # "cmd" | "sleep"
    args: List[bytes] = field(default_factory=list)
    markers: frozenset = frozenset()
    seconds: float = 0.0

    @property
    def where(self) -> str:
        return f"{self.script}:{self.lineno}"


def parse_script(path: str) -> List[Step]:
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    steps: List[Step] = []
    for lineno, raw in enumerate(data.split(b"\n"), 1):
        line = raw.rstrip(b"\r").strip()
        if not line or line.startswith(b"#"):
            continue
        text = line.decode("utf-8", "backslashreplace")
        if line.startswith(b"!"):
            parts = line[1:].split()
            if len(parts) == 2 and parts[0] == b"sleep":
                try:
                    secs = float(parts[1])
                except ValueError:
                    raise ScriptError(f"{name}:{lineno}: bad !sleep duration {parts[1]!r}") from None
                if not 0 <= secs <= 5:
                    raise ScriptError(f"{name}:{lineno}: !sleep must be within 0..5 s")
                steps.append(Step(name, lineno, text, "sleep", seconds=secs))
                continue
            raise ScriptError(f"{name}:{lineno}: unknown directive {text!r}")
        markers: set = set()
        m = _MARKER_RE.search(line)
        if m:
            for tok in m.group(1).split():
                mk = tok[2:].decode().lower()
                if mk not in MARKERS:
                    raise ScriptError(f"{name}:{lineno}: unknown marker #!{mk} (known: {sorted(MARKERS)})")
                markers.add(mk)
            line = line[:m.start()].rstrip()
        try:
            args = split_args(line)
        except SplitError as e:
            raise ScriptError(f"{name}:{lineno}: {e}: {text!r}") from None
        if not args:
            raise ScriptError(f"{name}:{lineno}: empty command")
        steps.append(Step(name, lineno, text, "cmd", args=args, markers=frozenset(markers)))
    return steps


def load_allowlist(path: str = ALLOWLIST) -> Dict[Tuple[str, int], str]:
    """{(script file name, line): reason}."""
    out: Dict[Tuple[str, int], str] = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([^\s:]+):(\d+)\s+(\S.*)$", line)
            if not m:
                raise ScriptError(f"allowlist.txt:{n}: expected 'script-name:line-number reason', got {line!r}")
            script = m.group(1)
            if not script.endswith(".redis"):
                script += ".redis"
            out[(script, int(m.group(2)))] = m.group(3)
    return out


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def _pairs(children: List[Node]) -> List[bytes]:
    return [children[i].raw + children[i + 1].raw for i in range(0, len(children) - 1, 2)] + \
        ([children[-1].raw] if len(children) % 2 else [])


def _canon_sorted(n: Node) -> bytes:
    if not n.children:
        return n.raw
    items = _pairs(n.children) if n.type == "%" else [c.raw for c in n.children]
    return n.header + b"\r\n" + b"".join(sorted(items))


def _canon_deep(n: Node) -> bytes:
    if not n.children:
        return n.raw
    kids = [_canon_deep(c) for c in n.children]
    if n.type == "%":
        kids = [kids[i] + kids[i + 1] for i in range(0, len(kids), 2)]
    return n.header + b"\r\n" + b"".join(sorted(kids))


def _canon_pairs(n: Node) -> bytes:
    if not n.children:
        return n.raw
    return n.header + b"\r\n" + b"".join(sorted(_pairs(n.children)))


def replies_match(a: Node, b: Node, markers) -> bool:
    if "ignore" in markers:
        return True
    if "type" in markers:
        return a.type == b.type
    if "deepsorted" in markers:
        return _canon_deep(a) == _canon_deep(b)
    if "sortedpairs" in markers:
        return _canon_pairs(a) == _canon_pairs(b)
    if "sorted" in markers:
        return _canon_sorted(a) == _canon_sorted(b)
    return a.raw == b.raw


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------

@dataclass
class Mismatch:
    step: Step
    a: Optional[bytes]
    b: Optional[bytes]
    note: str = ""


def _shorten(b: Optional[bytes], limit: int = 600) -> str:
    if b is None:
        return "<no reply>"
    r = repr(b)
    return r if len(r) <= limit else r[:limit] + f"... ({len(b)} bytes)"


def format_mismatch(m: Mismatch, a_name: str = "redis", b_name: str = "swredis") -> str:
    w = max(len(a_name), len(b_name))
    s = (f"{m.step.where}: {m.step.text}\n"
         f"    {a_name:<{w}} -> {_shorten(m.a)}\n"
         f"    {b_name:<{w}} -> {_shorten(m.b)}")
    if m.note:
        s += f"\n    ({m.note})"
    return s


# (P|S)SUBSCRIBE family: reply frame kind -> (subscription set, +1 add / -1 remove)
_SUB_KINDS = {b"subscribe": ("channels", 1), b"psubscribe": ("patterns", 1), b"ssubscribe": ("shard", 1),
              b"unsubscribe": ("channels", -1), b"punsubscribe": ("patterns", -1),
              b"sunsubscribe": ("shard", -1)}
# RESP3 out-of-band pushes that may precede a command's reply (e.g. PUBLISH to a
# channel the publishing connection itself is subscribed to)
_OOB_PUSHES = {b"message", b"pmessage", b"smessage"}


class ConnState:
    """What the runner must know about one connection to read its replies:
    its subscriptions, tracked from the subscribe/unsubscribe frames it got."""

    def __init__(self):
        self.subs: Dict[str, set] = {"channels": set(), "patterns": set(), "shard": set()}

    def note_frame(self, node: Node) -> Optional[bytes]:
        """If `node` is a (un)subscribe confirmation frame, update the tracked
        subscriptions and return its kind (lowercase), else None."""
        if node.type not in "*>" or len(node.children) != 3:
            return None
        kind = (node.children[0].payload or b"").lower()
        if kind not in _SUB_KINDS or node.children[2].type != ":":
            return None
        which, sign = _SUB_KINDS[kind]
        name = node.children[1].payload
        if name is not None:
            if sign > 0:
                self.subs[which].add(name)
            else:
                self.subs[which].discard(name)
        return kind


def _is_oob_push(node: Node) -> bool:
    return (node.type == ">" and len(node.children) >= 3
            and (node.children[0].payload or b"").lower() in _OOB_PUSHES)


def _ask(conn: RespClient, args: Sequence[bytes], state: Optional[ConnState] = None):
    """Returns ([Node, ...] | None, error-description | None).

    Normally one frame; more for the subscribe family and when RESP3 pub/sub
    pushes precede the reply (see the module docstring)."""
    state = state if state is not None else ConnState()
    frames: List[Node] = []
    try:
        conn.send(encode_command(*args))
        node = conn.read_node()
        while _is_oob_push(node):
            frames.append(node)
            node = conn.read_node()
        frames.append(node)
        cmd = args[0].lower() if args else b""
        if cmd == b"reset" and node.raw == b"+RESET\r\n":
            state.__init__()
        kind = state.note_frame(node)
        if kind is not None and kind == cmd:
            which, sign = _SUB_KINDS[kind]
            if len(args) > 1:
                expected = len(args) - 1
            else:
                # no arguments: one frame per subscription it had (counted
                # before this reply's first frame), or a single frame if none
                had = len(state.subs[which]) + (1 if node.children[1].payload is not None else 0)
                expected = max(1, had)
            for _ in range(expected - 1):
                node = conn.read_node()
                frames.append(node)
                state.note_frame(node)
        return frames, None
    except socket.timeout:
        return None, "timed out waiting for a reply"
    except (ConnectionClosed, BrokenPipeError, ConnectionResetError) as e:
        return None, f"connection lost: {e}"
    except ProtocolError as e:
        return None, f"unparseable reply: {e}"


def frames_match(a: List[Node], b: List[Node], markers) -> bool:
    if "ignore" in markers:
        return True
    return len(a) == len(b) and all(replies_match(x, y, markers) for x, y in zip(a, b))


def _raw(frames: Optional[List[Node]]) -> Optional[bytes]:
    return None if frames is None else b"".join(f.raw for f in frames)


def run_steps(steps: List[Step], conn_a: RespClient, conn_b: RespClient,
              allow: Optional[Dict[Tuple[str, int], str]] = None,
              transcript=None) -> List[Mismatch]:
    """Run every step against both connections, return the mismatches.

    Stops early (with a final Mismatch) if either side stops answering."""
    allow = allow or {}
    mismatches: List[Mismatch] = []
    state_a, state_b = ConnState(), ConnState()
    for conn in (conn_a, conn_b):
        frames, err = _ask(conn, [b"FLUSHALL"])
        if err or _raw(frames) != b"+OK\r\n":
            raise RuntimeError(f"FLUSHALL at script start failed: {err or _raw(frames)!r}")
    for st in steps:
        if st.kind == "sleep":
            time.sleep(st.seconds)
            continue
        na, ea = _ask(conn_a, st.args, state_a)
        nb, eb = _ask(conn_b, st.args, state_b)
        if transcript is not None:
            transcript.write(f"{st.where}: {st.text}\n    -> {_shorten(_raw(na), 4000)}\n")
        if ea or eb:
            mismatches.append(Mismatch(st, _raw(na), _raw(nb),
                                       note="; ".join(x for x in (ea and f"A: {ea}", eb and f"B: {eb}") if x)
                                       + " -- script aborted"))
            break
        if (st.script, st.lineno) in allow:
            continue
        if not frames_match(na, nb, st.markers):
            note = ("compared: " + ",".join(sorted(st.markers))) if st.markers else ""
            if len(na) != len(nb):
                note = (note + "; " if note else "") + f"{len(na)} vs {len(nb)} frames"
            mismatches.append(Mismatch(st, _raw(na), _raw(nb), note=note))
    return mismatches


def all_scripts(directory: str = SCRIPTS_DIR) -> List[str]:
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".redis"))


def resolve_script(s: str) -> str:
    """A path as given if it exists, else a name looked up in scripts/ then pending/."""
    if os.path.isfile(s):
        return s
    name = s if s.endswith(".redis") else s + ".redis"
    for d in (SCRIPTS_DIR, PENDING_DIR):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    raise ScriptError(f"no such script: {s!r} (not a file, not in {SCRIPTS_DIR} or {PENDING_DIR})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scripts", nargs="*", help="script names or paths (default: all)")
    ap.add_argument("--target", choices=["swredis", "redis"], default=os.environ.get("DIFF_TARGET") or "swredis",
                    help="what plays side B (default swredis; 'redis' = self-check)")
    ap.add_argument("--transcript", action="store_true", help="print every command and side A's reply")
    ap.add_argument("--max", type=int, default=30, help="max mismatches printed per script")
    ap.add_argument("--pending", action="store_true",
                    help="run every script in tests/diff/pending/ (commands not implemented yet) "
                         "instead of scripts/ (in addition to any named scripts)")
    ns = ap.parse_args(argv)
    try:
        paths = [resolve_script(s) for s in ns.scripts]
    except ScriptError as e:
        print(e, file=sys.stderr)
        return 2
    if ns.pending:
        paths += [p for p in all_scripts(PENDING_DIR) if p not in paths]
    if not paths:
        paths = all_scripts()
    allow = load_allowlist()
    b_argv = helpers.redis_argv() if ns.target == "redis" else helpers.swredis_argv()
    failed = 0
    for path in paths:
        steps = parse_script(path)
        with helpers.start_redis() as a, helpers.start_server(b_argv) as b, a.client() as ca, b.client() as cb:
            mm = run_steps(steps, ca, cb, allow, transcript=sys.stdout if ns.transcript else None)
        name = os.path.basename(path)
        ncmd = sum(1 for s in steps if s.kind == "cmd")
        if mm:
            failed += 1
            print(f"FAIL {name}: {len(mm)} mismatching of {ncmd} commands")
            for m in mm[:ns.max]:
                print(format_mismatch(m, "redis", ns.target if ns.target == "swredis" else "redis#2"))
        else:
            print(f"ok   {name}: {ncmd} commands")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
