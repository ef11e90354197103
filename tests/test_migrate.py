"""MIGRATE between swredisd and redis-server, both ways: keys (with their TTL) restored on the target and deleted
here (COPY keeps them, REPLACE overwrites), KEYS for several, AUTH, NOKEY, the target's errors and IOERR, and what
reaches the AOF (one DEL of the moved keys), compared with what redis-server answers to the same MIGRATE."""

import os
import time

import pytest

import helpers

pytestmark = pytest.mark.skipif(helpers.swredis_unavailable_reason() is not None,
                                reason=str(helpers.swredis_unavailable_reason()))


@pytest.fixture
def servers():
    started = [helpers.start_kind("swredis", ["--appendonly", "yes"]), helpers.start_kind("redis", ["--appendonly", "yes"]),
               helpers.start_kind("redis")]
    with started[2].client() as client:
        client.command("CONFIG", "SET", "requirepass", "sekret")
    yield started
    for server in started:
        server.cleanup()


def migrate_script(target_port, protected_port, closed_port):
    """Commands run on the source; the replies of swredisd and redis-server as sources must be equal."""
    host = helpers.HOST
    t = str(target_port)
    return [
        ["SET", "plain", "v"],
        ["RPUSH", "list", "a", "b", "c"],
        ["HSET", "hash", "f", "1"],
        ["SET", "volatile", "x", "PX", "100000"],
        ["MIGRATE", host, t, "plain", "0", "5000"],
        ["EXISTS", "plain"],
        ["MIGRATE", host, t, "list", "3", "5000", "COPY"],
        ["EXISTS", "list"],
        ["MIGRATE", host, t, "list", "3", "5000", "COPY"],
        ["MIGRATE", host, t, "list", "3", "5000", "COPY", "REPLACE"],
        ["MIGRATE", host, t, "", "0", "5000", "KEYS", "hash", "volatile", "missing"],
        ["EXISTS", "hash", "volatile"],
        ["MIGRATE", host, t, "missing", "0", "5000"],
        ["MIGRATE", host, t, "", "0", "5000", "KEYS", "missing"],
        ["SET", "again", "1"],
        ["MIGRATE", host, t, "again", "0", "5000", "KEYS", "x"],
        ["MIGRATE", host, t, "again", "0", "5000", "BOGUS"],
        ["MIGRATE", host, t, "again", "0", "5000", "AUTH"],
        ["MIGRATE", host, t, "again", "0", "5000", "AUTH2", "user"],
        ["MIGRATE", host, t, "again", "x", "5000"],
        ["MIGRATE", host, t, "again", "0", "x"],
        ["MIGRATE", host, t, "again", "99", "5000"],
        ["EXISTS", "again"],
        ["MIGRATE", host, str(protected_port), "again", "0", "5000"],
        ["MIGRATE", host, str(protected_port), "again", "0", "5000", "AUTH", "wrong"],
        ["MIGRATE", host, str(protected_port), "again", "0", "5000", "REPLACE", "AUTH", "sekret"],
        ["EXISTS", "again"],
        ["SET", "far", "1"],
        ["MIGRATE", host, t, "far", "0", "9223372036854775807"],
        ["SET", "last", "1"],
        ["MIGRATE", host, str(closed_port), "last", "0", "500"],
        ["EXISTS", "last"],
    ]


def closed_port():
    return helpers.free_port()


@pytest.mark.parametrize("source_kind", ["swredis", "redis"])
def test_migrate_to_the_other_kind(source_kind):
    """A source of each kind migrates into a fresh target of the other kind; the target's data is checked."""
    target_kind = "redis" if source_kind == "swredis" else "swredis"
    source = helpers.start_kind(source_kind)
    target = helpers.start_kind(target_kind)
    try:
        with source.client() as s, target.client() as t:
            s.command("SET", "str", "hello")
            s.command("PEXPIRE", "str", "100000")
            s.command("ZADD", "zset", "1", "a", "2", "b")
            s.command("SADD", "set", *[str(i) for i in range(200)])
            assert s.command("MIGRATE", helpers.HOST, str(target.port), "", "0", "5000", "KEYS", "str", "zset",
                             "set") == b"+OK\r\n"
            assert s.call("EXISTS", "str", "zset", "set") == 0
            assert t.call("GET", "str") == b"hello"
            assert 90000 < t.call("PTTL", "str") <= 100000
            assert t.call("ZRANGE", "zset", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2"]
            assert t.call("SCARD", "set") == 200
    finally:
        source.cleanup()
        target.cleanup()


def test_migrate_replies_as_redis(servers):
    ours, theirs_source, protected = servers
    # Each source migrates into its own fresh redis-server target, so both see the same target state.
    targets = [helpers.start_kind("redis"), helpers.start_kind("redis")]
    try:
        closed = closed_port()
        clients = [ours.client(), theirs_source.client()]
        scripts = [migrate_script(targets[0].port, protected.port, closed),
                   migrate_script(targets[1].port, protected.port, closed)]
        for step, (mine, redis_step) in enumerate(zip(*scripts)):
            got, expected = clients[0].command(*mine), clients[1].command(*redis_step)
            assert got == expected, (step, mine, got, expected)
        target_clients = [t.client() for t in targets]
        for command in (["DBSIZE"], ["GET", "plain"], ["LRANGE", "list", "0", "-1"], ["HGETALL", "hash"],
                        ["GET", "again"], ["SELECT", "3"], ["LRANGE", "list", "0", "-1"]):
            assert target_clients[0].command(*command) == target_clients[1].command(*command), command
        target_clients[0].command("SELECT", "0")
        assert 0 < target_clients[0].call("PTTL", "volatile") <= 100000
        # What reached our AOF for the moves: one DEL per MIGRATE that moved keys, none for COPY.
        time.sleep(1.2)
        aof = b"".join(open(os.path.join(ours.dir, "appendonlydir", name), "rb").read()
                       for name in sorted(os.listdir(os.path.join(ours.dir, "appendonlydir")))
                       if ".incr." in name)
        assert b"*2\r\n$3\r\nDEL\r\n$5\r\nplain\r\n" in aof
        assert b"*3\r\n$3\r\nDEL\r\n$4\r\nhash\r\n$8\r\nvolatile\r\n" in aof
        assert b"MIGRATE" not in aof
        for client in clients + target_clients:
            client.close()
    finally:
        for target in targets:
            target.cleanup()
