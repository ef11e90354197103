"""What the grammar fuzzer does not send, and how it compares replies.

Three explicit, reviewed tables -- every entry carries a one-line reason:

EXCLUDED       commands never generated (a container name excludes all its
               subcommands).  Commands the tested server does not list in
               `COMMAND LIST` are skipped as well, automatically.
COMPARE_RULES  the allow-list: commands whose replies are not compared byte for
               byte, and how they are compared instead.  Everything else must be
               byte-identical.
RESET_AFTER    commands after which the dataset is rebuilt on both servers
               (their effect is random or leaves an uninteresting dataset).

Reference quirks (REFERENCE_QUIRKS): Redis 7.0 bugs that make the reference's
reply depend on unrelated earlier calls; the reference's reply is taken again
after clearing the state (see each entry).

Comparison modes
  exact         byte for byte
  type          same RESP type byte (errors: exact)
  sorted        top-level aggregate as a sorted multiset (RESP3 maps: of pairs)
  sorted-pairs  flat field/value array (or map) as a sorted multiset of pairs
  shape         same types and aggregate lengths at every depth, null-ness
                included; errors exact (random members: same count, any members)
  ttl           integers: equal, or both positive and within 1 s (1000 ms)
Modes decided per call (on the reference server's state or on the replies):
  hash-order    exact if the hash is a listpack (insertion order), else sorted
  scan          cursor 0 in and out on both: elements as a multiset; else shape
  sort-order    SORT of a set or zset (both read in hash order) with BY <no '*'>
                (no sorting) or ALPHA BY <pattern> (ties keep that order):
                sorted (with LIMIT: shape; with STORE: exact, the reply is a count)
  lex           lex ranges of a zset whose scores are not all equal: type
  dump          by value: both payloads are RESTOREd on the reference redis-server
                and the restored values compared (the serialization is opaque:
                LZF choices, encodings and hash order may differ)
  auto-id       XADD with an auto-generated (time-based) ID: shape, then rebuild
  all-commands  COMMAND INFO/DOCS without names: type (the servers implement different sets)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from diff.runner import _canon_pairs, _canon_sorted
from fuzz.generator import Call
from helpers import Node

EXACT, TYPE, SORTED, SORTED_PAIRS, SHAPE, TTL = "exact", "type", "sorted", "sorted-pairs", "shape", "ttl"
HASH_ORDER, SCAN, SORT_ORDER, LEX, DUMP, AUTO_ID, ALL_COMMANDS = (
    "hash-order", "scan", "sort-order", "lex", "dump", "auto-id", "all-commands")


@dataclass(frozen=True)
class Rule:
    mode: str
    reason: str


EXCLUDED: Dict[str, str] = {
    "shutdown": "stops the server",
    "quit": "closes the connection (covered by test_protocol_errors.py)",
    "monitor": "turns the connection into a MONITOR stream of other clients' commands",
    "subscribe": "pub/sub mode: multi-frame replies and pushes (covered by tests/diff/scripts)",
    "psubscribe": "pub/sub mode (see subscribe)",
    "ssubscribe": "pub/sub mode (see subscribe)",
    "unsubscribe": "pub/sub mode: one frame per channel (see subscribe)",
    "punsubscribe": "pub/sub mode (see unsubscribe)",
    "sunsubscribe": "pub/sub mode (see unsubscribe)",
    "sync": "replication handshake: the connection becomes a replica link",
    "psync": "replication handshake (see sync)",
    "replconf": "replication-internal; can turn the connection into a replica",
    "replicaof": "would make the server a replica of an arbitrary address",
    "slaveof": "alias of replicaof",
    "failover": "replication failover coordination",
    "wait": "waits for replicas: blocks up to the timeout, replies depend on replication state",
    "migrate": "connects to another server; network timeouts",
    "cluster": "cluster mode is disabled on both servers; cluster topology commands",
    "debug": "debugging commands: sleep, crash, reload, different internals by design",
    "save": "writes the RDB file (timing, file system)",
    "bgsave": "forks a background save (timing, file system)",
    "bgrewriteaof": "forks an AOF rewrite (timing, file system)",
    "latency": "latency monitor samples are timing-dependent",
    "memory": "memory figures differ by implementation (MEMORY USAGE sizes, allocator stats)",
    "module": "loads native code",
    "lolwut": "version-specific ASCII art drawn with random numbers",
    "eval": "Lua scripting (not implemented in swredis)",
    "eval_ro": "Lua scripting (see eval)",
    "evalsha": "Lua scripting (see eval)",
    "evalsha_ro": "Lua scripting (see eval)",
    "script": "Lua scripting (see eval)",
    "function": "Lua functions (see eval)",
    "fcall": "Lua functions (see eval)",
    "fcall_ro": "Lua functions (see eval)",
    "client|kill": "may kill the fuzzing connection itself",
    "client|pause": "pauses all clients for a generated (long) time",
    "client|unpause": "only meaningful with client|pause",
    "client|reply": "OFF/SKIP suppress replies, the reply stream would desynchronize",
    "client|tracking": "enables out-of-band invalidation pushes that interleave with replies",
    "acl|setuser": "may disable or re-password the default user and lock the fuzzer out",
    "acl|deluser": "user database changes (see acl|setuser)",
    "acl|load": "reads an ACL file (none configured); user database changes",
    "acl|save": "writes the ACL file",
    "acl|log": "entries carry timestamps and client ids",
    "acl|genpass": "random output",
    "pfselftest": "HyperLogLog internal self test (slow, debugging)",
    "pfdebug": "HyperLogLog internals (debugging)",
    "xautoclaim": "depends on pending entries' idle times (milliseconds)",
    "xclaim": "depends on pending entries' idle times (milliseconds)",
    "xpending": "replies contain idle times (milliseconds)",
    "xinfo": "replies contain idle/seen times (milliseconds)",
}

# The allow-list.  Keys are spec names ("config|get"); a bare container call uses the container's name.
COMPARE_RULES: Dict[str, Rule] = {
    "smembers": Rule(SORTED, "set order is unspecified (Redis: hash order; swredis: insertion order)"),
    "sinter": Rule(SORTED, "set order is unspecified"),
    "sunion": Rule(SORTED, "set order is unspecified"),
    "sdiff": Rule(SORTED, "set order is unspecified"),
    "keys": Rule(SORTED, "keyspace order is unspecified"),
    "hgetall": Rule(HASH_ORDER, "hashtable order is unspecified (a listpack keeps insertion order: exact)"),
    "hkeys": Rule(HASH_ORDER, "hashtable order is unspecified (listpack: exact)"),
    "hvals": Rule(HASH_ORDER, "hashtable order is unspecified (listpack: exact)"),
    "scan": Rule(SCAN, "cursor values and the split into pages are implementation-specific"),
    "sscan": Rule(SCAN, "cursor values and pages are implementation-specific"),
    "hscan": Rule(SCAN, "cursor values and pages are implementation-specific"),
    "zscan": Rule(SCAN, "cursor values and pages are implementation-specific"),
    "sort": Rule(SORT_ORDER, "a set/zset is read in hash order: unsorted (BY nosort) or tied (ALPHA BY) elements"),
    "sort_ro": Rule(SORT_ORDER, "see sort"),
    "zrangebylex": Rule(LEX, "lex ranges are unspecified unless all scores are equal (documented)"),
    "zrevrangebylex": Rule(LEX, "see zrangebylex"),
    "zlexcount": Rule(LEX, "see zrangebylex"),
    "zremrangebylex": Rule(LEX, "see zrangebylex; the removed members are unspecified too"),
    "zrange": Rule(LEX, "with BYLEX: see zrangebylex (otherwise exact)"),
    "zrangestore": Rule(LEX, "with BYLEX: see zrangebylex (otherwise exact)"),
    "srandmember": Rule(SHAPE, "random members"),
    "hrandfield": Rule(SHAPE, "random fields"),
    "zrandmember": Rule(SHAPE, "random members"),
    "spop": Rule(SHAPE, "random members (and the dataset is rebuilt afterwards)"),
    "randomkey": Rule(SHAPE, "random key"),
    "dump": Rule(DUMP, "the payload format is opaque (documented): compared by the value redis-server restores"),
    "ttl": Rule(TTL, "relative expiries were set a few microseconds apart on the two servers"),
    "pttl": Rule(TTL, "see ttl"),
    "expiretime": Rule(TTL, "see ttl (an absolute time computed from a relative expiry)"),
    "pexpiretime": Rule(TTL, "see ttl"),
    "config|get": Rule(SORTED_PAIRS, "parameter order is the config dict's order (unspecified)"),
    "info": Rule(TYPE, "counters, times, pids, versions"),
    "time": Rule(TYPE, "the clock"),
    "lastsave": Rule(TYPE, "the clock"),
    "hello": Rule(TYPE, "contains the client id and the server version"),
    "client|id": Rule(TYPE, "client ids depend on connection history"),
    "client|info": Rule(TYPE, "client id, address, ages, buffer sizes"),
    "client|list": Rule(TYPE, "client ids, addresses, ages, buffer sizes"),
    "slowlog|get": Rule(TYPE, "which commands were slow is timing-dependent; entries carry times"),
    "slowlog|len": Rule(TYPE, "timing-dependent (see slowlog|get)"),
    "object|idletime": Rule(TYPE, "seconds since the last access: the clock"),
    "object|freq": Rule(TYPE, "LFU counter with a logarithmic random increment"),
    "command": Rule(TYPE, "lists every implemented command; swredis implements a subset"),
    "command|count": Rule(TYPE, "swredis implements a subset of the commands"),
    "command|list": Rule(TYPE, "swredis implements a subset of the commands"),
    "command|info": Rule(TYPE, "a container's subcommands come in Redis's dict order; CLIENT lists SETINFO (Redis 7.2)"),
    "command|docs": Rule(TYPE, "see command|info"),
    "xadd": Rule(AUTO_ID, "an auto-generated ID is the current time in milliseconds"),
}

RESET_AFTER: Dict[str, str] = {
    "flushall": "empties every database",
    "flushdb": "empties the database",
    "swapdb": "the fuzzed database may now be empty",
    "select": "later calls would run on an empty database",
    "spop": "removed random members: the two datasets differ",
}


# Redis 7.0 sort.c converts elements and BY weights with strtod() and then tests
# `errno == ERANGE` without clearing errno first: after any earlier call that
# parsed an out-of-range double (5e-324, 1e309 ...), SORT may answer this error
# spuriously.  ZUNION's WEIGHTS parser (getDoubleFromObject) sets errno = 0.
SORT_SCORE_ERROR = b"-ERR One or more scores can't be converted into double\r\n"
ERRNO_RESET = [b"ZUNION", b"1", b"fuzz:errno:reset", b"WEIGHTS", b"1"]
REFERENCE_QUIRKS: Dict[str, str] = {
    "sort": "stale errno in sort.c: on SORT_SCORE_ERROR the reference is asked again after ERRNO_RESET",
    "sort_ro": "see sort",
}


# Generated in the cluster-mode run only (two one-node clusters owning every slot): the slot commands whose replies
# do not depend on node IDs or epochs.
CLUSTER_MODE_INCLUDED = {"cluster|keyslot", "cluster|countkeysinslot", "cluster|getkeysinslot"}


def excluded_reason(name: str, cluster: bool = False) -> Optional[str]:
    """Why `name` (a spec name) is never generated, or None."""
    if cluster and name in CLUSTER_MODE_INCLUDED:
        return None
    return EXCLUDED.get(name) or EXCLUDED.get(name.split("|", 1)[0])


def exact_in_transaction(name: str) -> bool:
    """Calls that may be queued in MULTI: their EXEC reply is then compared byte for byte."""
    return name not in COMPARE_RULES and excluded_reason(name) is None


Probe = Callable[[Sequence[bytes]], Optional[Node]]


def _probe_text(probe: Probe, *words: bytes) -> Optional[bytes]:
    node = probe(words)
    return node.payload if node is not None and not node.is_error else None


def _flat(node: Optional[Node]) -> List[Node]:
    if node is None or node.is_error:
        return []
    out: List[Node] = []
    for c in node.children:
        out.extend(_flat(c) if c.children else [c])
    return out


def _scores_all_equal(probe: Probe, key: bytes) -> bool:
    first = _flat(probe([b"ZRANGE", key, b"0", b"0", b"WITHSCORES"]))
    last = _flat(probe([b"ZRANGE", key, b"-1", b"-1", b"WITHSCORES"]))
    if len(first) < 2 or len(last) < 2:
        return True
    return float(first[-1].payload) == float(last[-1].payload)


def _input_order_shows(call: Call) -> bool:
    """Does the reply of this SORT depend on the order the elements are read in?
    Yes for BY <pattern without '*'> (Redis sort.c `dontsort`: no sorting) and
    for ALPHA with a BY pattern (equal or missing sort keys stay tied; only
    numeric ties are broken by comparing the elements)."""
    words = call.words
    by = [words[i + 1] for i in range(2, len(words) - 1) if words[i].upper() == b"BY"]
    if not by:
        return False
    return b"*" not in by[-1] or call.has_word(b"ALPHA", 2)


def resolve(call: Call, probe: Probe) -> Tuple[str, bool]:
    """(comparison mode, rebuild the dataset afterwards) for one call; `probe`
    asks the reference server (only) about the current state of a key."""
    rule = COMPARE_RULES.get(call.name)
    reset = call.name in RESET_AFTER
    if rule is None:
        return EXACT, reset
    mode = rule.mode
    key = call.key_args[0][1] if call.key_args else None
    if mode == HASH_ORDER:
        listpack = key is not None and _probe_text(probe, b"OBJECT", b"ENCODING", key) == b"listpack"
        return (EXACT if listpack else SORTED_PAIRS if call.name == "hgetall" else SORTED), reset
    if mode == SORT_ORDER:
        # Sets and (skiplist-converted) zsets are read in hash order; lists in list order.
        if key is None or not _input_order_shows(call) or _probe_text(probe, b"TYPE", key) not in (b"set", b"zset"):
            return EXACT, reset
        if call.has_word(b"STORE", 2):
            return EXACT, reset
        return (SHAPE if call.has_word(b"LIMIT", 2) else SORTED), reset
    if mode == LEX:
        if call.name in ("zrange", "zrangestore") and not call.has_word(b"BYLEX", 2):
            return EXACT, reset
        source = call.key_args[1][1] if call.name == "zrangestore" and len(call.key_args) > 1 else key
        if source is None or _scores_all_equal(probe, source):
            return EXACT, reset
        return TYPE, call.name in ("zremrangebylex", "zrangestore")
    if mode == AUTO_ID:
        return (SHAPE, True) if call.has_word(b"*", 2) else (EXACT, reset)
    if mode == ALL_COMMANDS:
        return (TYPE if len(call.words) == 2 else EXACT), reset
    return mode, reset


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def shape(node: Node):
    """Types, null-ness and aggregate lengths at every depth; errors in full."""
    if node.is_error:
        return node.raw
    if node.children or node.type in "*%~>":
        return (node.type, len(node.children), tuple(shape(c) for c in node.children))
    return (node.type, node.is_null)


def _ttl_close(call: Call, a: Node, b: Node) -> bool:
    if a.type != ":" or b.type != ":":
        return a.raw == b.raw
    x, y = int(a.payload), int(b.payload)
    if x <= 0 or y <= 0:
        return x == y
    return abs(x - y) <= (1000 if call.name.startswith("p") else 1)


def _scan_match(call: Call, a: Node, b: Node) -> bool:
    if a.type != "*" or b.type != "*" or len(a.children) != 2 or len(b.children) != 2:
        return a.raw == b.raw
    cursor_at = 1 if call.name == "scan" else 2
    cursor_in = call.words[cursor_at] if len(call.words) > cursor_at else b""
    (ca, ea), (cb, eb) = a.children, b.children
    if cursor_in == b"0" and ca.payload == b"0" and cb.payload == b"0":
        canon = _canon_pairs if call.name in ("hscan", "zscan") else _canon_sorted
        return canon(ea) == canon(eb)
    return (ca.type, ea.type) == (cb.type, eb.type)


DUMP_SCRATCH_KEY = b"fuzz:dump:scratch"
_VALUE_READS: Dict[bytes, Tuple[List[bytes], Callable[[Node], bytes]]] = {
    b"string": ([b"GET"], lambda n: n.raw),
    b"list": ([b"LRANGE", b"0", b"-1"], lambda n: n.raw),
    b"hash": ([b"HGETALL"], _canon_pairs),
    b"set": ([b"SMEMBERS"], _canon_sorted),
    b"zset": ([b"ZRANGE", b"0", b"-1", b"WITHSCORES"], lambda n: n.raw),
}


def restored_value(probe: Probe, payload: bytes) -> Tuple[bytes, ...]:
    """(RESTORE reply, type, canonical contents) of `payload` restored on the
    reference server under a scratch key, which is deleted again."""
    restore = probe([b"RESTORE", DUMP_SCRATCH_KEY, b"0", payload, b"REPLACE"])
    try:
        kind = _probe_text(probe, b"TYPE", DUMP_SCRATCH_KEY) or b"?"
        read, canonical = _VALUE_READS.get(kind, ([b"TYPE"], lambda n: n.raw))
        node = probe([read[0], DUMP_SCRATCH_KEY] + read[1:])
        contents = b"" if node is None else canonical(node)
    finally:
        probe([b"DEL", DUMP_SCRATCH_KEY])
    return (restore.raw if restore is not None else b"<no reply>", kind, contents)


def replies_match(mode: str, call: Call, a: Node, b: Node, probe: Optional[Probe] = None) -> bool:
    """Do two replies agree under `mode` (a resolved, per-call mode)?  DUMP
    needs `probe` (the reference server) to restore both payloads."""
    if a.raw == b.raw:
        return True
    if call.name in REFERENCE_QUIRKS and a.raw == SORT_SCORE_ERROR and not b.is_error and probe is not None:
        probe(ERRNO_RESET)
        a = probe(call.words) or a
        if a.raw == b.raw:
            return True
    if mode == EXACT or a.is_error or b.is_error:
        return False
    if mode == DUMP:
        if a.type != "$" or b.type != "$" or a.is_null or b.is_null or probe is None:
            return False
        return restored_value(probe, a.payload) == restored_value(probe, b.payload)
    if mode == TYPE:
        return a.type == b.type
    if mode == SORTED:
        return _canon_sorted(a) == _canon_sorted(b)
    if mode == SORTED_PAIRS:
        return _canon_pairs(a) == _canon_pairs(b)
    if mode == SHAPE:
        return shape(a) == shape(b)
    if mode == TTL:
        return _ttl_close(call, a, b)
    if mode == SCAN:
        return _scan_match(call, a, b)
    raise ValueError(f"unresolved comparison mode {mode!r}")
