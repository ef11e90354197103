"""pytest fixtures for the swredis harness.

Fixtures
  redis_server  -- Debian's redis-server on a free loopback port (function scope)
  swredis       -- our swredisd binary, same flags (function scope); skipped with a
                   clear reason if the binary does not exist.  With
                   SWREDISD_IS_REDIS=1 or DIFF_TARGET=redis it is played by
                   redis-server, which is how the harness validates itself.
  server_factory -- call factory("redis"|"swredis", extra_args=[...]) to get more
                   servers; all are stopped at teardown.
  any_server    -- parametrized over both kinds (id "redis" / "swredis").

Every server is started with
  --port P --dir TMP --save "" --appendonly no --daemonize no --bind 127.0.0.1
and is always stopped (SIGTERM, then SIGKILL after 5 s), even if the test fails.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402


@pytest.fixture
def server_factory():
    started = []

    def factory(kind, extra_args=()):
        s = helpers.start_kind(kind, extra_args)
        started.append(s)
        return s

    yield factory
    for s in started:
        s.cleanup()


@pytest.fixture
def procs():
    """List to append started servers to; all are stopped at teardown."""
    started = []
    yield started
    for s in started:
        try:
            s.stop()
        except Exception:
            pass


@pytest.fixture
def redis_server(server_factory):
    return server_factory("redis")


@pytest.fixture
def swredis(server_factory):
    return server_factory("swredis")


@pytest.fixture(params=["redis", "swredis"])
def any_server(request, server_factory):
    return server_factory(request.param)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of every server log the test started."""
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        for s in list(helpers._LIVE):
            rep.sections.append((f"server log {s!r}", s.log_tail(30)))
