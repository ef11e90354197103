"""Seeded call generator driven by the COMMAND DOCS grammar (fuzz.grammar).

Every call is a pure function of (seed, grammar, the set of commands to fuzz,
the RESTORE payloads): the generator never looks at replies, so a seed and a
count reproduce a run exactly.

Argument values are chosen by argument type and, where the type alone would
only produce errors, by the argument's name (a relative expiry, a blocking
timeout, a database index, a CONFIG parameter ...), mixing small normal values
with edge values: 0, 1, -1, INT64_MIN/MAX, INT64_MAX-1, 2^32, 2^64-1, 2^64,
inf/-inf/+inf/nan, 1e308, 5e-324, -0, the empty string, non-numeric strings and
(rarely) a 64 KiB string.  Keys come from the dataset's pool (fuzz.dataset).

Time-related values are chosen so that nothing expires or unblocks *during* a
run at a moment that could differ between the two servers: relative expiries
are either <= 0 (immediate), invalid, or >= 100000 s / ms-equivalent and unique
per call (so GT/LT comparisons between two relative expiries never tie);
blocking timeouts are either invalid or 1-20 ms (never 0 = forever).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from fuzz.dataset import FUZZ_CONFIG, VOCABULARY, KeyPool
from fuzz.grammar import Arg, CommandSpec, Grammar

INT64_MIN = "-9223372036854775808"
INT64_MAX = "9223372036854775807"
INT64_MAX_MINUS_1 = "9223372036854775806"
TWO_32 = "4294967296"
UINT64_MAX = "18446744073709551615"
TWO_64 = "18446744073709551616"

SMALL_INTEGERS = ["0", "1", "2", "3", "5", "10", "-1", "-2", "-3", "100"]
EDGE_INTEGERS = ["0", "1", "-1", INT64_MIN, INT64_MAX, INT64_MAX_MINUS_1, TWO_32, UINT64_MAX, TWO_64, "-0"]
NOT_INTEGERS = ["abc", "", "1.5", "inf", "nan", " 1", "1 ", "0x10", "1e3", "+1", "007"]
SMALL_DOUBLES = ["0", "1", "1.5", "-2.5", "3", "10", "0.1", "2"]
EDGE_DOUBLES = ["inf", "-inf", "+inf", "nan", "1e308", "5e-324", "-0", "0", "1", "-1", "1e309", "-1e308",
                INT64_MIN, INT64_MAX, TWO_64, "0.30000000000000004", "1.7976931348623157e308"]
NOT_DOUBLES = ["abc", "", "1.5.5", " 1", "1e", "infinity", "-nan", "0x1p3", "1,5", "--1"]
# Relative expiries that fire immediately, overflow, or are invalid; the valid
# ones are generated per call (see _duration).
DURATION_EDGES = ["0", "-1", INT64_MIN, INT64_MAX, INT64_MAX_MINUS_1, TWO_32, UINT64_MAX, TWO_64,
                  "9223372036854775", "9223372036854776", "-0", "abc", "", "1.5"]
TIME_EDGES = ["0", "1", "-1", INT64_MIN, INT64_MAX, INT64_MAX_MINUS_1, TWO_32, UINT64_MAX, TWO_64,
              "9223372036854775", "-0", "abc", ""]
# Blocking timeouts: never 0 (block forever) nor anything that might be read as
# a long or infinite wait.
BLOCK_SECONDS = ["0.01", "0.02", "0.001"]
BAD_BLOCK_SECONDS = ["-1", "-0.5", INT64_MIN, "abc", "", "1x", "-inf", "nan"]
BLOCK_MILLISECONDS = ["10", "1", "-1", INT64_MIN, "abc", ""]
DATABASES = ["0", "1", "2", "15", "16", "-1", INT64_MIN, INT64_MAX, TWO_32, "99999", "abc"]
ODD_STRINGS = ["", " ", "a b", "\x00", "\xff\xfe", "\xc3\xa9", "\r\n", "NX", "*", "#", "-", "+"]
LEX_ITEMS = ["-", "+", "[a", "(a", "[b", "(c", "[x", "(x", "[", "(", "[n05", "(n20", "[f1"]
SCORE_ITEMS = ["-inf", "+inf", "(1", "(-inf", "(+inf", "(1.5", "1", "0", "-1", "2", "3", "(3", "inf", "nan",
               "(nan", "(", "1e308", "(abc", "-0", "(5e-324"]
PATTERNS = ["*", "?", "*a*", "str*", "big*", "[a-z]*", "[^b]*", "\\*", "[", "w_*", "*->f1", "#", "nosort",
            "h*sh", "", "**", "[a-", "missing*", "f*", "m1*", "e[1-3]*", "?[", "\\", "w_*->f1", "*set"]
BITFIELD_TYPES = ["i8", "u8", "i1", "u1", "i64", "u63", "u64", "i65", "i0", "u0", "x8", "I8", "u16"]
BITOP_OPERATIONS = ["AND", "OR", "XOR", "NOT", "and", "nand", ""]
USERS = ["default", "nopass", "", "x", "a b"]
INFO_SECTIONS = ["server", "keyspace", "all", "everything", "default", "nosuch", "cpu"]
CONFIG_PARAMETERS = [p for p, _ in FUZZ_CONFIG] + ["hash-max-ziplist-entries", "zset-max-ziplist-value",
                                                  "list-max-ziplist-size", "nosuch-parameter"]
CONFIG_GET_PATTERNS = CONFIG_PARAMETERS + ["hash-max-*", "*-max-listpack-*", "zset-*", "list-*", "nosuch*",
                                           "", "HASH-MAX-LISTPACK-ENTRIES", "set-max-intset-entrie?"]
CONFIG_VALUES = ["yes", "no", "", "abc", "1gb", "-5"]
BIG_STRING = "z" * 65536

# (command, argument name) -> value kind, where the name alone would be ambiguous.
ARGUMENT_KINDS: Dict[Tuple[str, str], str] = {
    ("config|get", "parameter"): "config-pattern",
    ("config|set", "parameter"): "config-parameter",
    ("config|set", "value"): "config-value",
    ("select", "index"): "db",
    ("command|info", "command-name"): "command-name",
    ("command|docs", "command-name"): "command-name",
    ("setbit", "value"): "bit",
    ("bitpos", "bit"): "bit",
}
# String arguments whose name selects a value kind in any command.
STRING_NAME_KINDS: Dict[str, str] = {
    "serialized-value": "payload",
    "encoding": "bitfield-type",
    "operation": "bitop",
    "username": "user",
    "password": "user",
    "section": "info-section",
}
# Commands whose whole argument list is another generated call.
NESTED_CALL_COMMANDS = ("command|getkeys", "command|getkeysandflags")

MUTATIONS = ("drop", "duplicate", "append", "insert-token", "no-args", "swap")
BLOCKING_MUTATIONS = ("drop", "append", "no-args")
MUTATION_RATE = 0.05
BARE_CONTAINER_RATE = 0.01
OPTIONAL_RATE = 0.4
BIG_STRING_RATE = 0.003


@dataclass
class Call:
    """One generated command call."""
    name: str                                   # spec name: "get", "config|get" (bare container: "config")
    words: List[bytes]
    key_args: List[Tuple[str, bytes]] = field(default_factory=list)   # (argument name, key) in order
    mutation: Optional[str] = None

    def cli(self, limit: Optional[int] = None) -> str:
        """The call in redis-cli quoting (arguments longer than `limit` abbreviated)."""
        return " ".join(quote(w, limit) for w in self.words)

    def has_word(self, word: bytes, start: int = 1) -> bool:
        return any(w.upper() == word for w in self.words[start:])


def quote(word: bytes, limit: Optional[int] = None) -> str:
    """redis-cli quoting of one argument (helpers.split_args reads it back)."""
    if limit is not None and len(word) > limit:
        return f"<{len(word)} bytes {word[:8]!r}...>"
    if word and all(33 <= c < 127 and c not in b"\"'\\" for c in word):
        return word.decode()
    out = []
    for c in word:
        if c == 0x22 or c == 0x5C:
            out.append("\\" + chr(c))
        elif 32 <= c < 127:
            out.append(chr(c))
        else:
            out.append(f"\\x{c:02x}")
    return '"' + "".join(out) + '"'


@dataclass
class _Context:
    """State of the call being generated."""
    spec: CommandSpec
    index: int
    key_args: List[Tuple[str, bytes]] = field(default_factory=list)
    last_multiple: Optional[int] = None


def _b(s: str) -> bytes:
    """Values are written as byte strings in Python str form (one char per byte)."""
    return s.encode("latin-1")


class CallGenerator:
    """Generates groups of calls (a single call, or MULTI + body + EXEC/DISCARD)."""

    def __init__(self, grammar: Grammar, fuzzed: Sequence[str], command_names: Sequence[str],
                 payloads: Sequence[bytes], exact_in_transaction: Callable[[str], bool],
                 pool: Optional[KeyPool] = None):
        self.grammar = grammar
        self.specs = [grammar.commands[n] for n in sorted(fuzzed)]
        self.containers = sorted({s.container for s in self.specs if s.container})
        self.command_names = sorted(command_names)
        self.payloads = list(payloads)
        self.exact_in_transaction = exact_in_transaction
        self.pool = pool or KeyPool()
        self.transaction_body = [s for s in self.specs if s.name not in ("multi",) + NESTED_CALL_COMMANDS
                                 and exact_in_transaction(s.name)]
        self.values: Dict[str, Callable[[random.Random, _Context], str]] = {
            "int": self._integer, "double": self._double, "string": self._string,
            "duration-s": lambda r, c: self._duration(r, c, 1),
            "duration-ms": lambda r, c: self._duration(r, c, 1000),
            "unixtime-s": lambda r, c: self._unix_time(r, c, 1),
            "unixtime-ms": lambda r, c: self._unix_time(r, c, 1000),
            "block-s": lambda r, c: r.choice(BLOCK_SECONDS if r.random() < 0.6 else BAD_BLOCK_SECONDS),
            "block-ms": lambda r, c: r.choice(BLOCK_MILLISECONDS),
            "bit": lambda r, c: r.choice(["0", "1"]) if r.random() < 0.8 else self._integer(r, c),
            "lex-range": lambda r, c: r.choice(LEX_ITEMS) if r.random() < 0.8 else self._string(r, c),
            "score-range": lambda r, c: r.choice(SCORE_ITEMS) if r.random() < 0.7 else self._double(r, c),
            "db": lambda r, c: r.choice(["0", "1"]) if r.random() < 0.5 else r.choice(DATABASES),
            "cursor": lambda r, c: "0" if r.random() < 0.5 else self._integer(r, c),
            "protover": lambda r, c: r.choice(["2", "3"]) if r.random() < 0.7 else self._integer(r, c),
            "range": self._range, "pattern": lambda r, c: r.choice(PATTERNS),
            "command-name": self._command_name, "payload": self._payload,
            "bitfield-type": lambda r, c: r.choice(BITFIELD_TYPES), "bitop": lambda r, c: r.choice(BITOP_OPERATIONS),
            "user": lambda r, c: r.choice(USERS), "info-section": lambda r, c: r.choice(INFO_SECTIONS),
            "config-parameter": lambda r, c: r.choice(CONFIG_PARAMETERS),
            "config-pattern": lambda r, c: r.choice(CONFIG_GET_PATTERNS),
            "config-value": lambda r, c: self._integer(r, c) if r.random() < 0.8 else r.choice(CONFIG_VALUES),
        }

    # -- groups and calls ----------------------------------------------------

    def groups(self, seed: int, count: int) -> Iterator[List[Call]]:
        """Groups of calls until at least `count` calls were produced."""
        rng = random.Random(seed)
        index = 0
        while index < count:
            group = self.group(rng, index)
            index += len(group)
            yield group

    def group(self, rng: random.Random, index: int) -> List[Call]:
        call = self.call(rng, index)
        if call.name != "multi" or len(call.words) != 1:
            return [call]
        body = [self.call(rng, index + 1 + i, rng.choice(self.transaction_body)) for i in range(rng.randint(1, 4))]
        end = "DISCARD" if rng.random() < 0.1 else "EXEC"
        return [call] + body + [Call(end.lower(), [end.encode()])]

    def call(self, rng: random.Random, index: int, spec: Optional[CommandSpec] = None) -> Call:
        """One call of `spec` (default: a random fuzzed command)."""
        if spec is None:
            if self.containers and rng.random() < BARE_CONTAINER_RATE:
                return self._bare_container(rng)
            spec = rng.choice(self.specs)
        ctx = _Context(spec, index)
        words = [_b(self._case(rng, w, 0.92)) for w in spec.words]
        if spec.name in NESTED_CALL_COMMANDS:
            nested = self.call(rng, index, rng.choice([s for s in self.specs if s.name not in NESTED_CALL_COMMANDS]))
            return Call(spec.name, words + nested.words, nested.key_args)
        call = Call(spec.name, words + self._sequence(rng, spec.args, ctx), ctx.key_args)
        if rng.random() < MUTATION_RATE:
            self._mutate(rng, call, len(spec.words), ctx)
        return call

    def _bare_container(self, rng: random.Random) -> Call:
        container = rng.choice(self.containers)
        words = [_b(self._case(rng, container.upper(), 0.9))]
        if rng.random() < 0.4:
            words.append(b"NOSUCH")
        return Call(container, words)

    # -- the grammar walk ----------------------------------------------------

    def _sequence(self, rng: random.Random, args: Sequence[Arg], ctx: _Context) -> List[bytes]:
        """Arguments in order.  A `numkeys` integer is filled in after the key
        list that follows it, usually with the real number of keys."""
        out: List[Optional[bytes]] = []
        numkeys_slot: Optional[int] = None
        for arg in args:
            if arg.type == "integer" and arg.name == "numkeys" and not arg.token:
                numkeys_slot = len(out)
                out.append(None)
                continue
            keys_before = len(ctx.key_args)
            words = self._argument(rng, arg, ctx)
            if numkeys_slot is not None and arg.type == "key" and arg.multiple:
                n = len(ctx.key_args) - keys_before
                out[numkeys_slot] = str(n).encode() if rng.random() < 0.85 else _b(self._integer(rng, ctx))
                numkeys_slot = None
            out.extend(words)
        if numkeys_slot is not None:
            out[numkeys_slot] = _b(self._integer(rng, ctx))
        return [w for w in out if w is not None]

    def _argument(self, rng: random.Random, arg: Arg, ctx: _Context) -> List[bytes]:
        if arg.optional and rng.random() >= OPTIONAL_RATE:
            return []
        repeats = 1
        if arg.multiple:
            if ctx.last_multiple and rng.random() < 0.5:
                repeats = ctx.last_multiple
            else:
                repeats = rng.choices([1, 2, 3, 4, 6], [50, 25, 15, 5, 5])[0]
            ctx.last_multiple = repeats
        out: List[bytes] = []
        for i in range(repeats):
            if arg.token and (i == 0 or arg.multiple_token):
                out.append(_b(self._case(rng, arg.token, 0.88)))
            out.extend(self._one(rng, arg, ctx))
        return out

    def _one(self, rng: random.Random, arg: Arg, ctx: _Context) -> List[bytes]:
        if arg.type == "pure-token":
            return []
        if arg.type == "oneof":
            return self._argument(rng, rng.choice(arg.children), ctx)
        if arg.type == "block":
            return self._sequence(rng, arg.children, ctx)
        if arg.type == "key":
            key = _b(self.pool.pick(rng, ctx.spec.group))
            ctx.key_args.append((arg.name, key))
            return [key]
        return [_b(self.values[self.value_kind(ctx.spec, arg)](rng, ctx))]

    @staticmethod
    def value_kind(spec: CommandSpec, arg: Arg) -> str:
        """Which value generator serves this (non-key, non-structural) argument."""
        kind = ARGUMENT_KINDS.get((spec.name, arg.name))
        if kind:
            return kind
        name = arg.name
        if arg.type == "pattern":
            return "pattern"
        if arg.type == "unix-time":
            return "unixtime-ms" if "milli" in name else "unixtime-s"
        if arg.type in ("integer", "double"):
            if arg.token == "BLOCK":
                return "block-ms"
            if spec.is_blocking and name == "timeout":
                return "block-s"
            if name == "seconds" or arg.token == "EX":
                return "duration-s"
            if name in ("milliseconds", "ttl") or arg.token == "PX":
                return "duration-ms"
            if name in ("db", "destination-db", "index1", "index2"):
                return "db"
            if name in ("cursor", "protover"):
                return name
            if spec.group == "sorted-set" and name in ("min", "max"):
                return "score-range"
            return "int" if arg.type == "integer" else "double"
        if spec.group == "sorted-set" and name in ("min", "max"):
            return "lex-range" if "lex" in spec.name else "score-range"
        if spec.group == "sorted-set" and name in ("start", "stop"):
            return "range"
        return STRING_NAME_KINDS.get(name, "string")

    # -- values ----------------------------------------------------------------

    @staticmethod
    def _case(rng: random.Random, word: str, upper_rate: float) -> str:
        r = rng.random()
        if r < upper_rate:
            return word
        if r < upper_rate + (1 - upper_rate) * 0.7:
            return word.lower()
        return word[:1].upper() + word[1:].lower()

    @staticmethod
    def _tiered(rng: random.Random, small_rate: float, small, edge, invalid) -> str:
        """A small value (`small_rate`), an edge value (up to 0.85), else a value that is not a number."""
        r = rng.random()
        if r < small_rate:
            return rng.choice(small)
        if r < 0.85:
            return rng.choice(edge)
        return rng.choice(invalid)

    @staticmethod
    def _integer(rng: random.Random, ctx: _Context) -> str:
        return CallGenerator._tiered(rng, 0.5, SMALL_INTEGERS, EDGE_INTEGERS, NOT_INTEGERS)

    @staticmethod
    def _double(rng: random.Random, ctx: _Context) -> str:
        return CallGenerator._tiered(rng, 0.45, SMALL_DOUBLES, EDGE_DOUBLES, NOT_DOUBLES)

    @staticmethod
    def _duration(rng: random.Random, ctx: _Context, per_second: int) -> str:
        """A relative expiry: unique per call and >= 100000 s, or an edge value."""
        if rng.random() < 0.45:
            return str((100000 + ctx.index) * per_second)
        return rng.choice(DURATION_EDGES)

    @staticmethod
    def _unix_time(rng: random.Random, ctx: _Context, per_second: int) -> str:
        """An absolute time: unique per call in 2100, or an edge value (the past, overflow, junk)."""
        if rng.random() < 0.45:
            return str((4102444800 + ctx.index) * per_second)
        return rng.choice(TIME_EDGES)

    def _string(self, rng: random.Random, ctx: _Context) -> str:
        r = rng.random()
        if r < BIG_STRING_RATE:
            return BIG_STRING
        if r < 0.45:
            return rng.choice(VOCABULARY)
        if r < 0.65:
            return rng.choice(EDGE_INTEGERS + EDGE_DOUBLES)
        if r < 0.75:
            return rng.choice(SMALL_INTEGERS + SMALL_DOUBLES)
        if r < 0.9:
            return rng.choice(ODD_STRINGS)
        return rng.choice(LEX_ITEMS + SCORE_ITEMS + PATTERNS)

    def _range(self, rng: random.Random, ctx: _Context) -> str:
        """ZRANGE start/stop: an index, a score or a lex item (BYSCORE/BYLEX decide)."""
        r = rng.random()
        if r < 0.4:
            return rng.choice(SMALL_INTEGERS)
        if r < 0.7:
            return rng.choice(SCORE_ITEMS)
        if r < 0.9:
            return rng.choice(LEX_ITEMS)
        return rng.choice(EDGE_INTEGERS)

    def _command_name(self, rng: random.Random, ctx: _Context) -> str:
        if rng.random() < 0.7 and self.command_names:
            return self._case(rng, rng.choice(self.command_names), 0.5)
        return rng.choice(["nosuch", "", "get|x", "CONFIG|GET", "config|", "|"])

    def _payload(self, rng: random.Random, ctx: _Context) -> str:
        r = rng.random()
        if self.payloads and r < 0.6:
            return rng.choice(self.payloads).decode("latin-1")
        if self.payloads and r < 0.8:
            p = bytearray(rng.choice(self.payloads))
            p[rng.randrange(len(p))] ^= 0x5A
            return bytes(p).decode("latin-1")
        return rng.choice(["x", "", "\x00\x0a", "\x00\x01a\x0a\x00"])

    # -- mutations -------------------------------------------------------------

    def _mutate(self, rng: random.Random, call: Call, prefix: int, ctx: _Context) -> None:
        """Break the call a little (error paths): drop, duplicate, swap or add an argument."""
        head, args = call.words[:prefix], call.words[prefix:]
        # A blocking command must never end up with a long (or no) timeout.
        kind = rng.choice(BLOCKING_MUTATIONS if ctx.spec.is_blocking else MUTATIONS)
        if kind in ("drop", "duplicate", "swap") and not args:
            kind = "append"
        if kind == "drop":
            del args[rng.randrange(len(args))]
        elif kind == "duplicate":
            i = rng.randrange(len(args))
            args.insert(i, args[i])
        elif kind == "swap":
            i, j = rng.randrange(len(args)), rng.randrange(len(args))
            args[i], args[j] = args[j], args[i]
        elif kind == "append":
            args.append(_b(rng.choice(BLOCK_SECONDS + BAD_BLOCK_SECONDS) if ctx.spec.is_blocking
                           else self._string(rng, ctx)))
        elif kind == "insert-token":
            tokens = ctx.spec.tokens() or ["NOSUCH"]
            args.insert(rng.randint(0, len(args)), _b(rng.choice(tokens)))
        else:
            args = []
        call.words = head + args
        call.mutation = kind
