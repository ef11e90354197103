"""Prints the declaration text (Sources/SwredisEngine/CommandDeclarationParser.swift's format) of commands as a
running Redis reports them in COMMAND INFO and COMMAND DOCS, for transcribing a command group.

    python3 tests/tools/declarations.py PORT sentinel acl

Categories the flags imply (setImplicitACLCategories) are left out of `acl` lines, as the parser derives them.
"""

import sys

import redis

IMPLIED = {"write": "write", "readonly": "read", "admin": "admin", "pubsub": "pubsub", "fast": "fast",
           "blocking": "blocking"}


def quote(text):
    if text and all(c.isalnum() or c in "._-:|/()*<>=+,;!?[]{}@#$%^&~`'" for c in text) and "\"" not in text:
        return text
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\""


def as_text(value):
    return value.decode() if isinstance(value, bytes) else value


def pairs(reply):
    if isinstance(reply, dict):
        return {as_text(k): v for k, v in reply.items()}
    return {as_text(reply[i]): reply[i + 1] for i in range(0, len(reply), 2)}


def arguments(args, depth, out):
    for arg in args or []:
        arg = pairs(arg)
        words = ["arg", quote(as_text(arg["name"])), as_text(arg["type"])]
        for field in ("key_spec_index", "token", "summary", "since", "deprecated_since"):
            if field in arg:
                words += [field, quote(str(as_text(arg[field])))]
        for flag in arg.get("flags", []) or []:
            words.append(as_text(flag))
        out.append("    " * depth + " ".join(words))
        arguments(arg.get("arguments"), depth + 1, out)


def declaration(name, info, docs, out):
    flags = [as_text(f) for f in info[2]]
    categories = [as_text(c).lstrip("@") for c in info[6]]
    implied = {IMPLIED[f] for f in flags if f in IMPLIED}
    if "admin" in flags:
        implied.add("dangerous")
    if "fast" not in categories:
        implied.add("slow")
    out.append(f"command {name}")
    out.append(f"    summary {quote(as_text(docs['summary']))}")
    out.append(f"    since {as_text(docs['since'])}")
    out.append(f"    group {as_text(docs['group'])}")
    if "complexity" in docs:
        out.append(f"    complexity {quote(as_text(docs['complexity']))}")
    if "deprecated_since" in docs:
        out.append(f"    deprecated_since {as_text(docs['deprecated_since'])}")
    if "replaced_by" in docs:
        out.append(f"    replaced_by {quote(as_text(docs['replaced_by']))}")
    if docs.get("doc_flags"):
        out.append("    docflags " + " ".join(as_text(f) for f in docs["doc_flags"]))
    for entry in docs.get("history", []) or []:
        out.append(f"    history {as_text(entry[0])} {quote(as_text(entry[1]))}")
    out.append(f"    arity {info[1]}")
    if flags:
        out.append("    flags " + " ".join(flags))
    explicit = [c for c in categories if c not in implied]
    if explicit:
        out.append("    acl " + " ".join(explicit))
    if info[7]:
        out.append("    tips " + " ".join(as_text(tip) for tip in info[7]))
    arguments(docs.get("arguments"), 1, out)
    out.append("")
    subs = {as_text(s[0]): s for s in info[9]}
    subdocs = pairs(docs.get("subcommands", {}) or {})
    for sub in sorted(subs):
        declaration(sub, subs[sub], pairs(subdocs[sub]), out)


def main():
    port = int(sys.argv[1])
    client = redis.Redis(port=port)
    for command in ("COMMAND", "COMMAND INFO", "COMMAND DOCS"):
        client.set_response_callback(command, lambda reply, **options: reply)
    out = []
    for name in sys.argv[2:]:
        info = client.execute_command("COMMAND", "INFO", name)[0]
        docs = pairs(pairs(client.execute_command("COMMAND", "DOCS", name))[name])
        declaration(name, info, docs, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
