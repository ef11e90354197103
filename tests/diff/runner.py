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

Run standalone:  python3 tests/diff/runner.py [--target redis] [--transcript] [script ...]
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


def _ask(conn: RespClient, args: Sequence[bytes]):
    """Returns (Node|None, error-description|None)."""
    try:
        conn.send(encode_command(*args))
        return conn.read_node(), None
    except socket.timeout:
        return None, "timed out waiting for a reply"
    except (ConnectionClosed, BrokenPipeError, ConnectionResetError) as e:
        return None, f"connection lost: {e}"
    except ProtocolError as e:
        return None, f"unparseable reply: {e}"


def run_steps(steps: List[Step], conn_a: RespClient, conn_b: RespClient,
              allow: Optional[Dict[Tuple[str, int], str]] = None,
              transcript=None) -> List[Mismatch]:
    """Run every step against both connections, return the mismatches.

    Stops early (with a final Mismatch) if either side stops answering."""
    allow = allow or {}
    mismatches: List[Mismatch] = []
    for conn in (conn_a, conn_b):
        node, err = _ask(conn, [b"FLUSHALL"])
        if err or node.raw != b"+OK\r\n":
            raise RuntimeError(f"FLUSHALL at script start failed: {err or node.raw!r}")
    for st in steps:
        if st.kind == "sleep":
            time.sleep(st.seconds)
            continue
        na, ea = _ask(conn_a, st.args)
        nb, eb = _ask(conn_b, st.args)
        if transcript is not None:
            transcript.write(f"{st.where}: {st.text}\n    -> {_shorten(na.raw if na else None, 4000)}\n")
        if ea or eb:
            mismatches.append(Mismatch(st, na.raw if na else None, nb.raw if nb else None,
                                       note="; ".join(x for x in (ea and f"A: {ea}", eb and f"B: {eb}") if x)
                                       + " -- script aborted"))
            break
        if (st.script, st.lineno) in allow:
            continue
        if not replies_match(na, nb, st.markers):
            note = ("compared: " + ",".join(sorted(st.markers))) if st.markers else ""
            mismatches.append(Mismatch(st, na.raw, nb.raw, note=note))
    return mismatches


def all_scripts() -> List[str]:
    return sorted(os.path.join(SCRIPTS_DIR, f) for f in os.listdir(SCRIPTS_DIR) if f.endswith(".redis"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scripts", nargs="*", help="script names or paths (default: all)")
    ap.add_argument("--target", choices=["swredis", "redis"], default=os.environ.get("DIFF_TARGET") or "swredis",
                    help="what plays side B (default swredis; 'redis' = self-check)")
    ap.add_argument("--transcript", action="store_true", help="print every command and side A's reply")
    ap.add_argument("--max", type=int, default=30, help="max mismatches printed per script")
    ns = ap.parse_args(argv)
    paths = []
    for s in ns.scripts or all_scripts():
        if not os.path.exists(s):
            s = os.path.join(SCRIPTS_DIR, s if s.endswith(".redis") else s + ".redis")
        paths.append(s)
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
