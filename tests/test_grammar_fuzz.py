"""Seeded, bounded, grammar-driven differential fuzzer.

The argument grammar of every command is read at test time from redis-server's
own `COMMAND DOCS` (tests/fuzz/grammar.py); calls are generated from it with
edge values (tests/fuzz/generator.py) against a pool of keys of every type and
encoding (tests/fuzz/dataset.py), and each call is sent to a fresh
redis-server 7.0 and to a fresh swredisd started with identical arguments and
datasets (tests/fuzz/engine.py).  After every call swredisd must still run and
answer PING; replies must be byte-identical except for the reviewed allow-list
in tests/fuzz/policy.py (EXCLUDED / COMPARE_RULES / RESET_AFTER, each entry
with its reason).  tests/fuzz/regressions.txt lists calls that once crashed
swredisd or differed; each is replayed alone on both servers every run.
A second, shorter run does the same with both servers as one-node clusters
owning every slot (key routing, CROSSSLOT inside transactions, the slot
commands).

Environment
  SWREDIS_GRAMMAR_FUZZ_COUNT       calls in the fuzz test (default 5000)
  SWREDIS_GRAMMAR_FUZZ_SEED        its seed (default 1; decimal or 0x...)
  SWREDIS_GRAMMAR_FUZZ_TIME_LIMIT  seconds before the run is cut short and fails (default 100)
  SWREDISD / DIFF_TARGET=redis     the tested binary / redis-vs-redis self-check (see helpers.py)

A seed reproduces its calls exactly for a given redis-server version and
target: the commands fuzzed are those the target lists in COMMAND LIST, so a
target that implements more commands gets a different sequence for the seed.

Standalone (prints every difference grouped by command, and a summary):
    python3 tests/test_grammar_fuzz.py --count 20000 --seed 1 --seed 2 [--all] [--target redis]
    python3 tests/test_grammar_fuzz.py --call 'LREM list -9223372036854775808 x'
    python3 tests/test_grammar_fuzz.py --cluster --count 5000 --seed 1001   (both as one-node clusters)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

import helpers  # noqa: E402
from fuzz import engine, policy  # noqa: E402
from fuzz.grammar import ARG_TYPES  # noqa: E402

DEFAULT_COUNT = 5000
DEFAULT_SEED = 1
DEFAULT_TIME_LIMIT = 100.0
FAILURE_EXAMPLES = 12       # finding classes described in full in a failure message


def _env_number(name: str, default, convert):
    raw = os.environ.get(name, "").strip()
    return convert(raw) if raw else default


def fuzz_count() -> int:
    return max(1, _env_number("SWREDIS_GRAMMAR_FUZZ_COUNT", DEFAULT_COUNT, int))


def fuzz_seed() -> int:
    return _env_number("SWREDIS_GRAMMAR_FUZZ_SEED", DEFAULT_SEED, lambda s: int(s, 0))


def target_name() -> str:
    return "redis#2" if helpers.swredis_is_redis() else "swredis"


def failure_message(result: engine.RunResult, name: str, rerun: str) -> str:
    classes = sorted(result.classes().values(), key=lambda fs: (fs[0].kind != engine.CRASH, -len(fs)))
    parts = [engine.summary(result, name), ""]
    for fs in classes[:FAILURE_EXAMPLES]:
        parts.append(f"[{len(fs)}x] " + engine._best_example(fs).describe(name))
    if len(classes) > FAILURE_EXAMPLES:
        parts.append(f"... and {len(classes) - FAILURE_EXAMPLES} more classes")
    parts.append(f"reproduce / list everything: {rerun}")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# pytest
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def session():
    argv = helpers.argv_for_kind("swredis")
    helpers.argv_for_kind("redis")
    with engine.Session(argv, target_name()) as s:
        yield s


def test_grammar_parsed_and_tables_name_real_commands(session):
    """Every COMMAND DOCS entry parses, and every name in the policy tables is a
    real redis command, container or subcommand (catches typos that would
    silently exclude or allow-list nothing)."""
    grammar = session.grammar
    assert len(grammar.commands) > 200 and "config|get" in grammar.commands and "config" in grammar.containers
    seen_types = set()

    def walk(args):
        for a in args:
            seen_types.add(a.type)
            walk(a.children)
    for spec in grammar.commands.values():
        walk(spec.args)
    assert seen_types == ARG_TYPES
    known = set(grammar.commands) | set(grammar.containers)
    for table in (policy.EXCLUDED, policy.COMPARE_RULES, policy.RESET_AFTER):
        assert sorted(set(table) - known) == []
    assert all(reason.strip() for reason in policy.EXCLUDED.values())
    assert all(rule.reason.strip() for rule in policy.COMPARE_RULES.values())
    assert len(session.fuzzed) > 150


def test_generator_is_deterministic(session):
    gen = session.generator

    def calls(seed):
        return [c.words for g in gen.groups(seed, 400) for c in g]
    assert calls(7) == calls(7)
    assert calls(7) != calls(8)
    names = {c.name for g in gen.groups(DEFAULT_SEED, DEFAULT_COUNT) for c in g}
    assert len(names & set(session.fuzzed)) > 0.9 * len(session.fuzzed)


@pytest.mark.parametrize("line", engine.load_regressions())
def test_regression(session, line):
    result = session.replay([line])
    if result.findings:
        pytest.fail(failure_message(result, session.target_name,
                                    f"python3 tests/test_grammar_fuzz.py --call {line!r}"), pytrace=False)


@pytest.fixture(scope="module")
def cluster_session():
    argv = helpers.argv_for_kind("swredis")
    helpers.argv_for_kind("redis")
    with engine.Session(argv, target_name(), cluster=True) as s:
        yield s


def fuzz_and_judge(session, seed, count, rerun_options=""):
    limit = _env_number("SWREDIS_GRAMMAR_FUZZ_TIME_LIMIT", DEFAULT_TIME_LIMIT, float)
    result = session.fuzz(seed, count, deadline=time.monotonic() + limit)
    if result.findings or result.stopped_early:
        pytest.fail(failure_message(result, session.target_name,
                                    f"python3 tests/test_grammar_fuzz.py{rerun_options} --seed {seed} --count {count}"),
                    pytrace=False)


def test_grammar_fuzz_in_cluster_mode(cluster_session):
    """The same fuzzing against two one-node clusters that own every slot: key routing (CROSSSLOT between the
    dataset's keys), SELECT and the database arguments refused, the slot commands, every reply compared."""
    assert "cluster|keyslot" in cluster_session.fuzzed
    fuzz_and_judge(cluster_session, fuzz_seed() + 1000, max(1, fuzz_count() // 3), " --cluster")


def test_grammar_fuzz(session):
    fuzz_and_judge(session, fuzz_seed(), fuzz_count())


# ---------------------------------------------------------------------------
# standalone
# ---------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="grammar-driven differential fuzzer: redis-server vs swredisd")
    ap.add_argument("--count", type=int, default=DEFAULT_COUNT, help="calls per seed")
    ap.add_argument("--seed", type=lambda s: int(s, 0), action="append", help="repeatable (default 1)")
    ap.add_argument("--all", action="store_true", help="print every occurrence, not one example per class")
    ap.add_argument("--target", choices=["swredis", "redis"], default="swredis",
                    help="redis: a second redis-server (self-check of the generator and the allow-list)")
    ap.add_argument("--call", action="append", default=[],
                    help="replay this redis-cli quoted call alone on a fresh dataset (repeatable); no fuzzing")
    ap.add_argument("--no-regressions", action="store_true", help="skip tests/fuzz/regressions.txt")
    ap.add_argument("--no-minimize", action="store_true",
                    help="do not search a minimal call sequence for findings that do not reproduce alone")
    ap.add_argument("--time-limit", type=float, default=None, help="stop fuzzing after this many seconds")
    ap.add_argument("--reply-timeout", type=float, default=2.0, help="seconds to wait for each reply")
    ap.add_argument("--cluster", action="store_true", help="both servers as one-node clusters owning every slot")
    ns = ap.parse_args(argv)

    if ns.target == "redis":
        target_argv, name = helpers.redis_argv(), "redis#2"
    else:
        target_argv, name = [helpers.SWREDISD, "server"], "swredis"
    deadline = time.monotonic() + ns.time_limit if ns.time_limit else None
    total = engine.RunResult()
    with engine.Session(target_argv, name, reply_timeout=ns.reply_timeout, cluster=ns.cluster) as s:
        print(f"target: {' '.join(target_argv)}", flush=True)
        print(f"fuzzing {len(s.fuzzed)} commands; not implemented by {name} (skipped): "
              f"{' '.join(s.unimplemented) or '-'}", flush=True)
        if ns.call:
            total.merge(s.replay(ns.call))
        else:
            if not ns.no_regressions:
                total.merge(s.replay(engine.load_regressions()))
            for seed in ns.seed or [DEFAULT_SEED]:
                r = s.fuzz(seed, ns.count, deadline, minimize=not ns.no_minimize)
                print(f"seed {seed}: {r.calls} calls, {len(r.findings)} findings, {r.seconds:.1f} s", flush=True)
                total.merge(r)
    print()
    print(engine.grouped_report(total, name, every=ns.all))
    print("calls per command (rule: equal only under an allow-list rule; found: findings)")
    print(engine.per_command_table(total))
    print()
    print(engine.summary(total, name))
    return 1 if total.findings else 0


if __name__ == "__main__":
    sys.exit(main())
