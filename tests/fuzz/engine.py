"""Runs generated calls against a reference redis-server and a tested server
(swredisd, or a second redis-server for the self-check) and records every
difference, crash and hang.

Both servers start with identical arguments; each has one fuzzing connection
(every call is sent to the reference, its reply read, then to the target) and a
separate health connection, on which the target must answer PING after every
call.  The dataset (fuzz.dataset) is rebuilt on both -- new fuzzing
connections, FLUSHALL, CONFIG SET, population -- at the start, every
REBUILD_INTERVAL calls, after calls listed in policy.RESET_AFTER, and after any
difference in a call that may write.  A crashed target is restarted (its log
tail is kept in the finding), a hung connection is replaced.

The first occurrences of each class of finding are replayed alone on a fresh
dataset, which tells whether the call is a standalone reproducer.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import helpers
from fuzz import dataset, policy
from fuzz.generator import Call, CallGenerator, quote
from fuzz.grammar import Grammar, parse_docs
from helpers import ConnectionClosed, Node, ProtocolError, RespClient, encode_command, split_args

REBUILD_INTERVAL = 50
HEALTH_TIMEOUT = 2.0
REPLAYS_PER_CLASS = 2          # standalone replays of each finding class
MAX_RESTARTS = 60              # give up a seed's run after this many target restarts
MINIMIZE_TRIALS = 120          # replays spent minimizing one finding
REGRESSION_SEPARATOR = " ;; "
REGRESSIONS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regressions.txt")


def _words(args: Iterable) -> List[bytes]:
    return [a if isinstance(a, bytes) else str(a).encode("latin-1") for a in args]


# ---------------------------------------------------------------------------
# one server
# ---------------------------------------------------------------------------

@dataclass
class Outcome:
    """A reply, or why there is none ("timeout ...", "closed ...", "protocol ...")."""
    node: Optional[Node] = None
    failure: Optional[str] = None

    @property
    def raw(self) -> Optional[bytes]:
        return self.node.raw if self.node is not None else None


class Endpoint:
    """A server process, its fuzzing connection and its health connection."""

    def __init__(self, label: str, argv: Sequence[str], server_args: Sequence[str], reply_timeout: float,
                 cluster: bool = False):
        self.label, self.argv, self.server_args = label, list(argv), list(server_args)
        self.cluster = cluster
        self.reply_timeout = reply_timeout
        self.server: Optional[helpers.ServerProcess] = None
        self.conn: Optional[RespClient] = None
        self.health_conn: Optional[RespClient] = None
        self.restarts = 0

    def start(self) -> None:
        if not self.cluster:
            self.server = helpers.start_server(self.argv, self.server_args)
        else:
            self.server = helpers.start_server(self.argv, [*self.server_args, "--cluster-enabled", "yes"],
                                               port=helpers.cluster_port())
        self.conn = self.server.client(timeout=self.reply_timeout)
        self.health_conn = self.server.client(timeout=HEALTH_TIMEOUT)
        if self.cluster:
            self._serve_every_slot()

    def _serve_every_slot(self) -> None:
        """A one-node cluster owning all 16384 slots, waited for until it says ok (a master waits 2 s after its
        start, as Redis's CLUSTER_WRITABLE_DELAY)."""
        self.health_conn.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
        deadline = time.monotonic() + 15
        while b"cluster_state:ok" not in self.health_conn.command("CLUSTER", "INFO"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.label}: cluster_state never became ok")
            time.sleep(0.05)

    def stop(self) -> None:
        for c in (self.conn, self.health_conn):
            if c is not None:
                c.close()
        self.conn = self.health_conn = None
        if self.server is not None:
            self.server.cleanup()
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()

    def reconnect(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = self.server.client(timeout=self.reply_timeout)

    def ask(self, words: Sequence[bytes]) -> Outcome:
        return self.pipeline([words])[0]

    def pipeline(self, commands: Sequence[Sequence[bytes]]) -> List[Outcome]:
        """Send commands in one write and read one reply per command (dataset setup only)."""
        try:
            self.conn.send(b"".join(encode_command(*c) for c in commands))
        except OSError as e:
            return [Outcome(failure=f"closed while sending: {e}")] * len(commands)
        out: List[Outcome] = []
        for _ in commands:
            try:
                out.append(Outcome(self.conn.read_node()))
            except socket.timeout:
                out.append(Outcome(failure=f"timeout: no reply within {self.reply_timeout:g} s"))
            except (ConnectionClosed, OSError) as e:
                out.append(Outcome(failure=f"closed: {e}"))
            except ProtocolError as e:
                out.append(Outcome(failure=f"protocol error: {e}"))
            if out[-1].failure:
                out += [Outcome(failure=out[-1].failure)] * (len(commands) - len(out))
                break
        return out

    def health(self) -> Optional[str]:
        """None if the process runs and answers PING on the health connection,
        else what is wrong ("exited ...", "no PONG ...")."""
        rc = self.server.proc.poll()
        if rc is not None:
            return f"process exited with status {rc}" + (f" (signal {-rc})" if rc < 0 else "")
        try:
            reply = self.health_conn.command("PING")
        except (OSError, ConnectionClosed, ProtocolError) as e:
            rc = self.server.proc.poll()
            if rc is not None:
                return f"process exited with status {rc}" + (f" (signal {-rc})" if rc < 0 else "")
            return f"no PONG on the health connection: {type(e).__name__}: {e}"
        return None if reply == b"+PONG\r\n" else f"PING replied {reply[:80]!r}"


# ---------------------------------------------------------------------------
# findings and statistics
# ---------------------------------------------------------------------------

CRASH, UNRESPONSIVE, HANG, CLOSED, DIFF, REFERENCE, DATASET = (
    "crash", "unresponsive", "hang", "closed", "difference", "reference-failure", "dataset")


def reply_signature(node: Optional[Node], failure: Optional[str] = None) -> str:
    """A coarse description of a reply used to group findings: the RESP type,
    or an error message with numbers and quoted arguments blanked."""
    if node is None:
        return f"<{(failure or 'no reply').split(':')[0]}>"
    if node.is_error:
        msg = node.payload.decode("utf-8", "replace")
        msg = re.sub(r"'[^']*'", "'…'", msg)
        msg = re.sub(r"-?\d+(\.\d+)?", "N", msg)
        return "-" + msg[:90]
    kind = {"+": "simple", ":": "integer", "$": "bulk", "*": "array", "%": "map", "~": "set", "_": "null",
            ",": "double", "#": "boolean", "=": "verbatim", "(": "bignum", ">": "push"}.get(node.type, node.type)
    return kind + (" null" if node.is_null else "")


CRASH_WAIT = 20.0          # a crashing Swift binary prints its backtrace before it exits
_FRAME = re.compile(r"^\s*\d+\s.*?0x[0-9a-f]+ (?P<func>.*?) \+ \d+ in (?P<image>\S+)(?: at (?P<where>\S+))?")


def crash_summary(log: str) -> str:
    """The interesting part of a crash log: Swift's "Fatal error" message and
    "*** Swift runtime failure / Program crashed ***" line, and the crashed
    thread's frames in swredis's own sources (or the last log lines when there
    is no backtrace)."""
    lines = log.splitlines()
    out = [ln.strip() for ln in lines if "Fatal error" in ln or (ln.startswith("*** ") and "Backtracing" not in ln)]
    crashed = next((i for i, ln in enumerate(lines) if ln.startswith("Thread ") and "crashed" in ln), None)
    if crashed is not None:
        frames = []
        for ln in lines[crashed + 1:]:
            if ln.startswith("Thread ") or ln.startswith("Registers"):
                break
            m = _FRAME.match(ln)
            if m and m.group("where") and "/Sources/" in m.group("where") and "/checkouts/" not in m.group("where"):
                frames.append(f"  at {m.group('func')} ({m.group('where').split('/Sources/', 1)[1]})")
            if len(frames) == 6:
                break
        out += frames
    return "\n".join(out) if out else "\n".join(lines[-15:])


def _crash_signature(detail: str) -> str:
    """Crash reason and innermost swredis frame, addresses and numbers blanked."""
    lines = detail.splitlines()
    messages = [ln for ln in lines if "Fatal error" in ln or ln.startswith("*** ")]
    frames = [ln.strip() for ln in lines if ln.startswith("  at ")]
    text = " / ".join(messages[:1] + frames[:1]) or (lines[0] if lines else "")
    return re.sub(r"0x[0-9a-f]+", "ADDR", text.strip())[:200]


@dataclass
class Finding:
    kind: str
    seed: Optional[int]
    index: int
    call: Call
    mode: str = policy.EXACT
    redis: Optional[bytes] = None
    target: Optional[bytes] = None
    redis_sig: str = ""
    target_sig: str = ""
    detail: str = ""
    context: List[Call] = field(default_factory=list)
    standalone: Optional[bool] = None
    minimal: Optional[List[Call]] = None

    def class_key(self) -> Tuple:
        if self.kind in (CRASH, UNRESPONSIVE):
            return (self.kind, self.call.name, _crash_signature(self.detail))
        return (self.kind, self.call.name, self.redis_sig, self.target_sig)

    def where(self) -> str:
        return "regression" if self.seed is None else f"seed={self.seed} call #{self.index}"

    def describe(self, target_name: str, limit: int = 600) -> str:
        lines = [f"{self.kind.upper()} {self.where()}: {self.call.cli(200)}"
                 + (f"   [mutation: {self.call.mutation}]" if self.call.mutation else "")]
        if self.call.key_args:
            lines.append("    keys: " + ", ".join(f"{quote(k)} ({dataset.KEYS.get(k.decode('latin-1'), 'new')})"
                                                  for _, k in self.call.key_args))
        lines.append(f"    redis   -> {_short(self.redis, limit)}")
        lines.append(f"    {target_name:<7} -> {_short(self.target, limit)}")
        if self.mode != policy.EXACT:
            lines.append(f"    (compared as: {self.mode})")
        if self.detail:
            lines.append("    " + self.detail.replace("\n", "\n    "))
        if self.standalone is True:
            lines.append("    reproduces alone on a fresh dataset")
        elif self.minimal:
            lines.append(f"    call sequence that reproduces it on a fresh dataset ({len(self.minimal)} calls):")
            lines += [f"      {c.cli(200)}" for c in self.minimal]
        elif self.standalone is False:
            lines.append(f"    does NOT reproduce alone; {len(self.context)} calls since the last dataset rebuild:")
            lines += [f"      {c.cli(200)}" for c in self.context]
        return "\n".join(lines)


def _short(raw: Optional[bytes], limit: int) -> str:
    if raw is None:
        return "<no reply>"
    r = repr(raw)
    return r if len(r) <= limit else r[:limit] + f"... ({len(raw)} bytes)"


@dataclass
class RunResult:
    seeds: List[int] = field(default_factory=list)
    calls: int = 0
    per_command: Counter = field(default_factory=Counter)
    differing_per_command: Counter = field(default_factory=Counter)
    by_rule_per_command: Counter = field(default_factory=Counter)
    identical: int = 0
    equal_by_rule: int = 0
    findings: List[Finding] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: str = ""

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def classes(self) -> Dict[Tuple, List[Finding]]:
        out: Dict[Tuple, List[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.class_key(), []).append(f)
        return out

    def merge(self, other: "RunResult") -> None:
        self.seeds += other.seeds
        self.calls += other.calls
        self.per_command += other.per_command
        self.differing_per_command += other.differing_per_command
        self.by_rule_per_command += other.by_rule_per_command
        self.identical += other.identical
        self.equal_by_rule += other.equal_by_rule
        self.findings += other.findings
        self.seconds += other.seconds
        self.stopped_early = self.stopped_early or other.stopped_early


# ---------------------------------------------------------------------------
# the session
# ---------------------------------------------------------------------------

class Session:
    """A reference redis-server and a target server, plus the grammar and the
    generator derived from them.  Use as a context manager."""

    def __init__(self, target_argv: Sequence[str], target_name: str = "swredis",
                 reply_timeout: float = 2.0, server_args: Sequence[str] = (), cluster: bool = False):
        self.target_name = target_name
        self.cluster = cluster
        self.reference = Endpoint("redis", helpers.redis_argv(), server_args, reply_timeout, cluster)
        self.target = Endpoint(target_name, target_argv, server_args, reply_timeout, cluster)
        self.grammar: Grammar = Grammar()
        self.fuzzed: List[str] = []
        self.unimplemented: List[str] = []
        self.generator: Optional[CallGenerator] = None
        self.setup_findings: List[Finding] = []
        self.since_rebuild: List[Call] = []

    def __enter__(self) -> "Session":
        try:
            self.reference.start()
            self.target.start()
            self._load_grammar()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.target.stop()
        self.reference.stop()

    # -- setup -----------------------------------------------------------------

    def _load_grammar(self) -> None:
        docs = self.reference.ask([b"COMMAND", b"DOCS"])
        info = self.reference.ask([b"COMMAND"])
        if docs.node is None or info.node is None:
            raise RuntimeError(f"reference redis-server did not answer COMMAND DOCS: {docs.failure or info.failure}")
        self.grammar = parse_docs(docs.node, info.node)
        listed = self.target.ask([b"COMMAND", b"LIST"])
        if listed.node is None or listed.node.is_error:
            raise RuntimeError(f"{self.target_name} did not answer COMMAND LIST: {listed.raw or listed.failure}")
        implemented = {c.payload.decode().lower() for c in listed.node.children}
        names = set(self.grammar.commands)
        self.unimplemented = sorted(n for n in names if n not in implemented
                                    and not policy.excluded_reason(n, self.cluster))
        self.fuzzed = sorted(n for n in names if n in implemented and not policy.excluded_reason(n, self.cluster))
        self.rebuild()
        payloads = [self.reference.ask([b"DUMP", k.encode()]).node for k, kind in sorted(dataset.KEYS.items())
                    if kind != "missing"]
        self.generator = CallGenerator(self.grammar, self.fuzzed, sorted(implemented & names),
                                       [p.payload for p in payloads if p is not None and p.payload],
                                       policy.exact_in_transaction)

    def call_from_text(self, line: str) -> Call:
        """A Call from a redis-cli quoted line (regressions, --call)."""
        words = split_args(line)
        if not words:
            raise ValueError("empty call")
        name = words[0].decode("latin-1").lower()
        if name in self.grammar.containers and len(words) > 1:
            name = f"{name}|{words[1].decode('latin-1').lower()}"
        return Call(name, words, [(f"arg{i}", w) for i, w in enumerate(words[1:], 1) if w.decode("latin-1")
                                  in dataset.KEYS])

    def rebuild(self) -> None:
        """Fresh fuzzing connections and an identical dataset on both servers."""
        commands = [[b"FLUSHALL"]] + [_words(["CONFIG", "SET", p, v]) for p, v in dataset.FUZZ_CONFIG] + \
                   [_words(c) for c in dataset.population()]
        replies = []
        for ep in (self.reference, self.target):
            ep.reconnect()
            replies.append(ep.pipeline(commands))
        problem = self.target.health()
        if problem is not None:
            _, detail = self._target_failure(problem)
            replies[1] = [Outcome(failure=detail) if o.failure else o for o in replies[1]]
            for ep in (self.reference, self.target):
                ep.pipeline(commands)
        for cmd, a, b in zip(commands, *replies):
            if a.raw != b.raw:
                call = Call(cmd[0].decode().lower(), cmd)
                finding = Finding(DATASET, None, -1, call, redis=a.raw, target=b.raw,
                                  redis_sig=reply_signature(a.node, a.failure),
                                  target_sig=reply_signature(b.node, b.failure),
                                  detail=a.failure or b.failure or "dataset setup command differs")
                if finding.class_key() not in {f.class_key() for f in self.setup_findings}:
                    self.setup_findings.append(finding)
        self.since_rebuild = []

    # -- one call ------------------------------------------------------------------

    def _target_failure(self, problem: str) -> Tuple[str, str]:
        """(CRASH or UNRESPONSIVE, status and crash summary); restarts the target."""
        try:
            self.target.server.proc.wait(CRASH_WAIT)
        except Exception:
            pass
        rc = self.target.server.proc.poll()
        status = problem if rc is None else f"exited with status {rc}" + (f" (signal {-rc})" if rc < 0 else "")
        detail = f"{status}\n{crash_summary(self.target.server.log())}"
        self.target.restart()
        return (UNRESPONSIVE if rc is None else CRASH), detail

    def _probe(self, words: Sequence[bytes]) -> Optional[Node]:
        return self.reference.ask(list(words)).node

    def exchange(self, call: Call, mode: str, seed: Optional[int], index: int) -> Tuple[Optional[Finding], bool]:
        """Send one call to both servers and judge it.  Returns (finding or None,
        replies byte-identical).  A crashed/hung target is restarted/reconnected
        here; the caller rebuilds the dataset when a finding is returned."""
        self.since_rebuild.append(call)
        a = self.reference.ask(call.words)
        b = self.target.ask(call.words)
        problem = self.target.health()

        def finding(kind: str, detail: str = "") -> Finding:
            return Finding(kind, seed, index, call, mode, a.raw, b.raw, reply_signature(a.node, a.failure),
                           reply_signature(b.node, b.failure), detail, list(self.since_rebuild))
        if problem is not None:
            kind, detail = self._target_failure(problem)
            return finding(kind, detail), False
        if b.failure:
            kind = HANG if b.failure.startswith("timeout") else CLOSED
            if a.failure:
                return finding(REFERENCE, f"both failed: redis {a.failure}; {self.target_name} {b.failure}"), False
            return finding(kind, b.failure), False
        if a.failure:
            if self.reference.server.proc.poll() is not None:
                self.reference.restart()
            return finding(REFERENCE, f"redis: {a.failure}"), False
        if a.raw == b.raw:
            return None, True
        if policy.replies_match(mode, call, a.node, b.node, self._probe):
            return None, False
        return finding(DIFF), False

    def _mode(self, call: Call, in_transaction: bool) -> Tuple[str, bool]:
        if in_transaction:
            return policy.EXACT, call.name in policy.RESET_AFTER
        return policy.resolve(call, self._probe)

    def run_group(self, group: List[Call], seed: Optional[int], first_index: int,
                  result: RunResult) -> List[Finding]:
        """One call or one MULTI ... EXEC group; returns the findings."""
        found: List[Finding] = []
        rebuild = False
        for offset, call in enumerate(group):
            in_transaction = 0 < offset
            mode, reset_after = self._mode(call, in_transaction)
            rebuild |= reset_after
            finding, identical = self.exchange(call, mode, seed, first_index + offset)
            result.calls += 1
            result.per_command[call.name] += 1
            if finding is None:
                result.identical += identical
                result.equal_by_rule += not identical
                result.by_rule_per_command[call.name] += not identical
                continue
            result.differing_per_command[call.name] += 1
            found.append(finding)
            spec = self.grammar.commands.get(call.name)
            rebuild |= finding.kind != DIFF or spec is None or not spec.is_readonly or len(group) > 1
            if finding.kind != DIFF:
                break
        if rebuild:
            self.rebuild()
        return found

    def replay_alone(self, group: List[Call], finding: Finding) -> bool:
        """Does the group alone, on a fresh dataset, reproduce `finding`'s kind at its call?"""
        outcomes = self.run_sequence(group, finding.seed, finding.index)
        self.rebuild()
        position = next(i for i, c in enumerate(group) if c is finding.call)
        return len(outcomes) > position and outcomes[position] is not None \
            and outcomes[position].kind == finding.kind

    def run_sequence(self, calls: List[Call], seed: Optional[int], index: int,
                     result: Optional[RunResult] = None) -> List[Optional[Finding]]:
        """Run `calls` in order on a fresh dataset (no rebuilds in between);
        one entry per call run, None where the replies agreed.  Stops after a
        crash, hang or closed connection."""
        self.rebuild()
        in_transaction = False
        out: List[Optional[Finding]] = []
        for call in calls:
            mode, _ = self._mode(call, in_transaction)
            found, identical = self.exchange(call, mode, seed, index)
            out.append(found)
            if result is not None:
                result.calls += 1
                result.per_command[call.name] += 1
                result.identical += found is None and identical
                result.equal_by_rule += found is None and not identical
                result.by_rule_per_command[call.name] += found is None and not identical
                result.differing_per_command[call.name] += found is not None
            if call.name == "multi" and len(call.words) == 1:
                in_transaction = True
            elif call.name in ("exec", "discard", "reset"):
                in_transaction = False
            if found is not None and found.kind != DIFF:
                break
        return out

    def reproduces(self, calls: List[Call], finding: Finding) -> bool:
        """Do `calls`, run in order on a fresh dataset, end with a finding of
        `finding`'s class (earlier calls may differ, but not crash or hang)?"""
        outcomes = self.run_sequence(calls, finding.seed, finding.index)
        last = outcomes[-1] if len(outcomes) == len(calls) else None
        return last is not None and last.class_key() == finding.class_key()

    def minimize(self, finding: Finding, max_trials: int = MINIMIZE_TRIALS) -> Optional[List[Call]]:
        """A minimal subsequence (delta debugging) of the calls that preceded
        `finding` since the last rebuild which, followed by its call, still
        reproduces it on a fresh dataset; None if even all of them do not."""
        *prefix, last = finding.context
        trials = [0]

        def test(subset: List[Call]) -> bool:
            trials[0] += 1
            return trials[0] <= max_trials and self.reproduces(subset + [last], finding)
        try:
            if not test(prefix):
                return None
            return _ddmin(prefix, test) + [last]
        finally:
            self.rebuild()

    # -- runs ----------------------------------------------------------------------

    def fuzz(self, seed: int, count: int, deadline: Optional[float] = None, minimize: bool = False) -> RunResult:
        """`count` generated calls from `seed`.  With `minimize`, the first
        finding of each class that does not reproduce alone gets a minimal
        reproducing sequence (slow: many dataset rebuilds)."""
        result = RunResult(seeds=[seed])
        started = time.monotonic()
        replayed: Counter = Counter()
        minimized: set = set()
        restarts_before = self.target.restarts
        self.rebuild()
        index = 0
        for group in self.generator.groups(seed, count):
            if deadline is not None and time.monotonic() > deadline:
                result.stopped_early = f"time limit reached after {result.calls} of {count} calls (seed {seed})"
                break
            if self.target.restarts - restarts_before > MAX_RESTARTS:
                result.stopped_early = f"{self.target_name} was restarted more than {MAX_RESTARTS} times (seed {seed})"
                break
            if len(self.since_rebuild) >= REBUILD_INTERVAL:
                self.rebuild()
            found = self.run_group(group, seed, index, result)
            for f in found:
                if replayed[f.class_key()] < REPLAYS_PER_CLASS:
                    replayed[f.class_key()] += 1
                    f.standalone = self.replay_alone(group, f)
                    if minimize and f.standalone is False and f.kind != REFERENCE \
                            and f.class_key() not in minimized:
                        minimized.add(f.class_key())
                        f.minimal = self.minimize(f)
            result.findings += found
            index += len(group)
        result.findings = self.setup_findings + result.findings
        self.setup_findings = []
        result.seconds = time.monotonic() - started
        return result

    def replay(self, lines: Sequence[str]) -> RunResult:
        """Each line on a fresh dataset: one call, or several separated by
        REGRESSION_SEPARATOR, compared like fuzzed calls (byte for byte unless
        the command is in policy.COMPARE_RULES)."""
        result = RunResult()
        started = time.monotonic()
        for line in lines:
            calls = [self.call_from_text(part) for part in line.split(REGRESSION_SEPARATOR)]
            for finding in self.run_sequence(calls, None, 0, result):
                if finding is not None:
                    finding.standalone = len(calls) == 1
                    finding.minimal = calls if len(calls) > 1 else None
                    result.findings.append(finding)
        self.rebuild()
        result.findings = self.setup_findings + result.findings
        self.setup_findings = []
        result.seconds = time.monotonic() - started
        return result


def _ddmin(items: List[Call], test: Callable[[List[Call]], bool]) -> List[Call]:
    """Zeller's delta debugging over complements: a smaller list for which
    `test` still holds."""
    n = 2
    while len(items) >= 1:
        chunk = max(1, -(-len(items) // n))
        parts = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        for i in range(len(parts)):
            complement = [c for j, p in enumerate(parts) if j != i for c in p]
            if test(complement):
                items, n = complement, max(n - 1, 2)
                break
        else:
            if chunk == 1:
                return items
            n = min(len(items), n * 2)
    return items


def load_regressions(path: str = REGRESSIONS_FILE) -> List[str]:
    """Non-comment lines of the regression file (redis-cli quoted calls)."""
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]


# ---------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------

def _best_example(findings: List[Finding]) -> Finding:
    """The shortest call, preferring ones that reproduce alone."""
    return min(findings, key=lambda f: (f.standalone is not True, len(f.call.cli(40)), f.index))


def summary(result: RunResult, target_name: str) -> str:
    calls = max(result.calls, 1)
    lines = [f"calls: {result.calls} (seeds {', '.join(map(str, result.seeds)) or '-'}) in {result.seconds:.1f} s",
             f"byte-identical replies: {result.identical} ({100.0 * result.identical / calls:.2f}%), "
             f"equal under an allow-list rule: {result.equal_by_rule} ({100.0 * result.equal_by_rule / calls:.2f}%)",
             f"differences: {result.count(DIFF)}, crashes: {result.count(CRASH)}, "
             f"unresponsive: {result.count(UNRESPONSIVE)}, hangs: {result.count(HANG)}, "
             f"closed connections: {result.count(CLOSED)}, reference failures: {result.count(REFERENCE)}, "
             f"dataset setup differences: {result.count(DATASET)}",
             f"finding classes: {len(result.classes())}"]
    if result.stopped_early:
        lines.append(f"STOPPED EARLY: {result.stopped_early}")
    return "\n".join(lines)


def grouped_report(result: RunResult, target_name: str, every: bool = False) -> str:
    """Every finding class grouped by command, with counts and one example each
    (all occurrences with every=True)."""
    by_command: Dict[str, List[Tuple[Tuple, List[Finding]]]] = {}
    for key, fs in result.classes().items():
        by_command.setdefault(fs[0].call.name, []).append((key, fs))
    out: List[str] = []
    for name in sorted(by_command, key=lambda n: (-sum(len(fs) for _, fs in by_command[n]), n)):
        classes = by_command[name]
        total = sum(len(fs) for _, fs in classes)
        out.append(f"=== {name}: {total} finding(s) in {len(classes)} class(es), "
                   f"{result.per_command.get(name, 0)} call(s) ===")
        for key, fs in sorted(classes, key=lambda kv: -len(kv[1])):
            label = " | ".join(str(k) for k in key)
            out.append(f"--- {len(fs)}x {label}")
            for f in (fs if every else [_best_example(fs)]):
                out.append(f.describe(target_name))
        out.append("")
    return "\n".join(out)


def per_command_table(result: RunResult, columns: int = 2) -> str:
    """Calls per command: total, equal only under an allow-list rule, with a finding."""
    cells = [f"{name:<26} {n:>6} {result.by_rule_per_command.get(name, 0):>6} "
             f"{result.differing_per_command.get(name, 0):>6}" for name, n in sorted(result.per_command.items())]
    header = f"{'command':<26} {'calls':>6} {'rule':>6} {'found':>6}"
    rows = [" | ".join(cells[i:i + columns]) for i in range(0, len(cells), columns)]
    return "\n".join([" | ".join([header] * min(columns, len(cells)))] + rows)
