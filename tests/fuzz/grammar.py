"""Redis's own command grammar, read at test time from a running redis-server.

`COMMAND DOCS` describes every command's arguments as a tree: each argument has
a `type` (key, string, integer, double, pattern, unix-time, pure-token, oneof,
block), optional `flags` (optional, multiple, multiple_token), an optional
`token` (the literal word that precedes it, e.g. EX or LIMIT) and, for oneof and
block, child `arguments`.  Container commands (CONFIG, OBJECT, CLIENT ...) list
their subcommands, named "container|sub", under `subcommands`.

`COMMAND` (no arguments) adds each command's arity and flags (write, readonly,
blocking, ...), which the generator and the comparison rules use.

Both replies are parsed from their RESP2 form (flat name/value arrays) or RESP3
maps -- the layout of the children is the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

from helpers import Node

ARG_TYPES = frozenset({"key", "string", "integer", "double", "pattern", "unix-time",
                       "pure-token", "oneof", "block"})


class GrammarError(ValueError):
    """COMMAND DOCS contained something this parser does not understand."""


@dataclass(frozen=True)
class Arg:
    """One node of a command's argument tree."""
    name: str
    type: str
    token: Optional[str] = None
    optional: bool = False
    multiple: bool = False
    multiple_token: bool = False
    children: Tuple["Arg", ...] = ()


@dataclass(frozen=True)
class CommandSpec:
    """A callable command: a plain command ("get") or a subcommand ("config|get")."""
    name: str
    words: Tuple[str, ...]          # the leading words of a call: ("GET",), ("CONFIG", "GET")
    group: str
    args: Tuple[Arg, ...]
    arity: int = 0
    flags: FrozenSet[str] = frozenset()
    container: Optional[str] = None

    @property
    def is_readonly(self) -> bool:
        return "readonly" in self.flags

    @property
    def is_blocking(self) -> bool:
        return "blocking" in self.flags

    def tokens(self) -> List[str]:
        """Every literal token that appears anywhere in the argument tree."""
        found: List[str] = []

        def walk(args):
            for a in args:
                if a.token:
                    found.append(a.token)
                walk(a.children)
        walk(self.args)
        return found


@dataclass
class Grammar:
    """All commands of one server: callable specs by name, and the containers."""
    commands: Dict[str, CommandSpec] = field(default_factory=dict)
    containers: Dict[str, CommandSpec] = field(default_factory=dict)


def _text(node: Node) -> str:
    if node.payload is None:
        raise GrammarError(f"expected a string, got {node.raw[:60]!r}")
    return node.payload.decode("utf-8", "replace")


def _fields(node: Node) -> Dict[str, Node]:
    """A RESP2 flat name/value array or a RESP3 map as {name: value node}."""
    if node.type not in "*%" or len(node.children) % 2:
        raise GrammarError(f"expected a map, got {node.raw[:80]!r}")
    kids = node.children
    return {_text(kids[i]): kids[i + 1] for i in range(0, len(kids), 2)}


def parse_arg(node: Node) -> Arg:
    f = _fields(node)
    kind = _text(f["type"])
    if kind not in ARG_TYPES:
        raise GrammarError(f"unknown argument type {kind!r}")
    flags = {_text(x) for x in f["flags"].children} if "flags" in f else set()
    unknown = flags - {"optional", "multiple", "multiple_token"}
    if unknown:
        raise GrammarError(f"unknown argument flags {sorted(unknown)}")
    children = tuple(parse_arg(c) for c in f["arguments"].children) if "arguments" in f else ()
    if kind in ("oneof", "block") and not children:
        raise GrammarError(f"{kind} argument {_text(f['name'])!r} without children")
    return Arg(name=_text(f["name"]), type=kind, token=_text(f["token"]) if "token" in f else None,
               optional="optional" in flags, multiple="multiple" in flags,
               multiple_token="multiple_token" in flags, children=children)


def _parse_doc(name: str, node: Node, container: Optional[str], grammar: Grammar) -> None:
    f = _fields(node)
    args = tuple(parse_arg(a) for a in f["arguments"].children) if "arguments" in f else ()
    spec = CommandSpec(name=name, words=tuple(w.upper() for w in name.split("|")),
                       group=_text(f["group"]) if "group" in f else "", args=args, container=container)
    subs = f.get("subcommands")
    if subs is not None and subs.children:
        grammar.containers[name] = spec
        for sub_name, sub_node in _fields(subs).items():
            _parse_doc(sub_name, sub_node, name, grammar)
    else:
        grammar.commands[name] = spec


def parse_docs(docs: Node, info: Optional[Node] = None) -> Grammar:
    """Build the grammar from a `COMMAND DOCS` reply and (optionally) a bare
    `COMMAND` reply, whose arity and flags are merged into the specs."""
    grammar = Grammar()
    for name, node in _fields(docs).items():
        _parse_doc(name.lower(), node, None, grammar)
    if info is not None:
        for name, (arity, flags) in parse_command_info(info).items():
            for table in (grammar.commands, grammar.containers):
                if name in table:
                    old = table[name]
                    table[name] = CommandSpec(old.name, old.words, old.group, old.args, arity, flags,
                                              old.container)
    return grammar


def parse_command_info(info: Node) -> Dict[str, Tuple[int, FrozenSet[str]]]:
    """{name: (arity, flags)} from a bare `COMMAND` reply, subcommands included."""
    out: Dict[str, Tuple[int, FrozenSet[str]]] = {}

    def one(entry: Node) -> None:
        kids = entry.children
        name = _text(kids[0]).lower()
        out[name] = (int(kids[1].payload), frozenset(_text(x) for x in kids[2].children))
        if len(kids) > 9:
            for sub in kids[9].children:
                one(sub)
    for entry in info.children:
        one(entry)
    return out
