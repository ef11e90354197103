"""Differential tests: every tests/diff/scripts/*.redis script is run against a
fresh redis-server and a fresh swredis, replies compared byte for byte (see
tests/diff/runner.py for the script syntax and markers, tests/diff/allowlist.txt
for deliberate differences).

test_script_vs_swredis[...]   redis-server vs swredisd (skipped if the binary
                              is missing; with DIFF_TARGET=redis side B is a
                              second redis-server)
test_script_deterministic[...] redis-server vs redis-server, always: proves
                              each script is deterministic, so a failure of the
                              first test is a real swredis difference.
                              Disable with DIFF_SELFCHECK=0.
"""

import os

import pytest

import helpers
from diff import runner

SCRIPTS = runner.all_scripts()
IDS = [os.path.basename(p)[: -len(".redis")] for p in SCRIPTS]


def _run(path, b_argv, b_name):
    steps = runner.parse_script(path)
    allow = runner.load_allowlist()
    a = helpers.start_redis()
    try:
        b = helpers.start_server(b_argv)
        try:
            with a.client() as ca, b.client() as cb:
                mismatches = runner.run_steps(steps, ca, cb, allow)
            b_alive = b.alive()
            b_log = b.log_tail(20)
        finally:
            b.cleanup()
    finally:
        a.cleanup()
    if mismatches:
        shown = mismatches[:25]
        body = "\n".join(runner.format_mismatch(m, "redis", b_name) for m in shown)
        more = f"\n... and {len(mismatches) - len(shown)} more" if len(mismatches) > len(shown) else ""
        extra = "" if b_alive else f"\n{b_name} process died; log tail:\n{b_log}"
        pytest.fail(f"{len(mismatches)} mismatching replies in {os.path.basename(path)}:\n{body}{more}{extra}",
                    pytrace=False)


def test_scripts_exist():
    assert SCRIPTS, "no tests/diff/scripts/*.redis found"
    for p in SCRIPTS:
        runner.parse_script(p)  # raises ScriptError with file:line on bad syntax
    runner.load_allowlist()


@pytest.mark.parametrize("path", SCRIPTS, ids=IDS)
def test_script_vs_swredis(path):
    reason = helpers.redis_unavailable_reason() or helpers.swredis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    name = "redis#2" if helpers.swredis_is_redis() else "swredis"
    _run(path, helpers.swredis_argv(), name)


@pytest.mark.skipif(os.environ.get("DIFF_SELFCHECK", "1") == "0", reason="DIFF_SELFCHECK=0")
@pytest.mark.parametrize("path", SCRIPTS, ids=IDS)
def test_script_deterministic(path):
    reason = helpers.redis_unavailable_reason()
    if reason:
        pytest.skip(reason)
    if helpers.swredis_is_redis():
        pytest.skip("already covered by test_script_vs_swredis with DIFF_TARGET=redis")
    _run(path, helpers.redis_argv(), "redis#2")
