"""The fuzzer's dataset: a small pool of keys of every type and encoding that
is rebuilt identically on both servers (FLUSHALL + these commands) at the start,
periodically, and after any call that may have made the two diverge.

Encoding thresholds are lowered (FUZZ_CONFIG) so that the "big" keys need only
a few dozen elements to use the large encodings, and so that a few writes
convert a small key: listpack -> hashtable/skiplist, intset -> hashtable, and
lists span several quicklist nodes.
"""

from __future__ import annotations

import random
from typing import Dict, List, Sequence, Tuple

# Encoding thresholds applied at every reset (one CONFIG SET each, so a
# parameter one server rejects does not stop the others from being restored).
FUZZ_CONFIG: List[Tuple[str, str]] = [
    ("hash-max-listpack-entries", "16"),
    ("hash-max-listpack-value", "64"),
    ("zset-max-listpack-entries", "16"),
    ("zset-max-listpack-value", "64"),
    ("set-max-intset-entries", "16"),
    ("list-max-listpack-size", "8"),
    ("list-compress-depth", "0"),
]

FAR_FUTURE = "4102444800"   # 2100-01-01: an expiry that never fires during a run

# name -> kind; the kind decides which commands prefer the key (see GROUP_KINDS).
KEYS: Dict[str, str] = {
    "str": "string",          # embstr "hello"
    "int": "string",          # int encoding
    "float": "string",        # "3.5"
    "bigint": "string",       # INT64_MAX as a string
    "raw": "string",          # > 44 bytes: raw encoding
    "bits": "string",         # binary bytes for bit commands
    "empty": "string",        # ""
    "volatile": "string",     # has an absolute expiry (FAR_FUTURE)
    "w_a": "string",          # SORT ... BY w_* weights
    "w_b": "string",
    "list": "list",           # small list with duplicates
    "biglist": "list",        # several quicklist nodes
    "hash": "hash",           # listpack
    "bighash": "hash",        # hashtable
    "set": "set",             # hashtable (non-integer members)
    "intset": "set",          # intset
    "bigset": "set",          # hashtable, more members
    "zset": "zset",           # listpack, mixed scores
    "lexzset": "zset",        # listpack, all scores 0 (lex ranges are specified)
    "bigzset": "zset",        # skiplist, mixed scores
    "biglexzset": "zset",     # skiplist, all scores 0
    "missing": "missing",     # never created by the dataset
    "nokey": "missing",
}

# COMMAND DOCS group -> the key kinds its commands operate on.
GROUP_KINDS: Dict[str, Tuple[str, ...]] = {
    "string": ("string",), "bitmap": ("string",), "hyperloglog": ("string",),
    "list": ("list",), "hash": ("hash",), "set": ("set",),
    "sorted-set": ("zset",), "geo": ("zset",),
}

# Words that are members, fields or elements of the dataset's keys.
VOCABULARY = ["a", "b", "c", "d", "x", "1", "2", "3", "-1", "10", "f1", "f2", "f3", "v1",
              "hello", "e1", "m1", "n1", "nosuch"]


def population() -> List[List[str]]:
    """The commands that build the dataset on an empty database 0."""
    big_list = [f"e{i}" if i % 3 else str(i) for i in range(40)]
    big_hash = [w for i in range(30) for w in (f"f{i}", f"v{i}" if i % 4 else str(i))]
    big_set = [f"m{i}" for i in range(30)]
    big_zset = [w for i in range(30) for w in (str(i - 10) if i % 5 else f"{i}.5", f"n{i}")]
    big_lex = [w for i in range(30) for w in ("0", f"n{i:02d}")]
    return [
        ["SET", "str", "hello"],
        ["SET", "int", "12345"],
        ["SET", "float", "3.5"],
        ["SET", "bigint", "9223372036854775807"],
        ["SET", "raw", "r" * 60],
        ["SET", "bits", "\x00\xff\x0f\xf0abc"],
        ["SET", "empty", ""],
        ["SET", "volatile", "v", "EXAT", FAR_FUTURE],
        ["SET", "w_a", "3"],
        ["SET", "w_b", "1"],
        ["RPUSH", "list", "a", "b", "c", "1", "2", "3", "x", "a", "b"],
        ["RPUSH", "biglist"] + big_list,
        ["HSET", "hash", "f1", "v1", "f2", "10", "f3", "3.5", "f4", "", "f5", "-1"],
        ["HSET", "bighash"] + big_hash,
        ["SADD", "set", "a", "b", "c", "d", "x"],
        ["SADD", "intset", "1", "2", "3", "5", "8", "-1", "100"],
        ["SADD", "bigset"] + big_set,
        ["ZADD", "zset", "1", "a", "2", "b", "3", "c", "3", "d", "-1.5", "e", "+inf", "x"],
        ["ZADD", "lexzset", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "x"],
        ["ZADD", "bigzset"] + big_zset,
        ["ZADD", "biglexzset"] + big_lex,
    ]


class KeyPool:
    """Picks key names: mostly keys of the kind the command works on, sometimes
    any key (WRONGTYPE paths) or a missing one."""

    def __init__(self, keys: Dict[str, str] = KEYS):
        self.by_kind: Dict[str, List[str]] = {}
        for name, kind in keys.items():
            self.by_kind.setdefault(kind, []).append(name)
        self.all = sorted(keys)

    def pick(self, rng: random.Random, group: str) -> str:
        kinds: Sequence[str] = GROUP_KINDS.get(group, ())
        r = rng.random()
        if kinds and r < 0.6:
            return rng.choice(self.by_kind[rng.choice(kinds)])
        if r < 0.85:
            return rng.choice(self.all)
        return rng.choice(self.by_kind["missing"])
