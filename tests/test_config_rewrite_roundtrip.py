"""CONFIG REWRITE round trip: every directive CONFIG SET can change is changed on a running swredisd (as a master
and as a replica), CONFIG REWRITE writes the file, and both swredisd and redis-server started from that file must
run with the same values (CONFIG GET) as the engine that wrote it."""

import os
import shutil
import tempfile

import pytest

import helpers

# New values for directives whose value is not a plain yes/no or number (both servers must accept them).
CHOICES = {
    "loglevel": "verbose",
    "maxmemory-policy": "allkeys-lru",
    "notify-keyspace-events": "KEA",
    "sanitize-dump-payload": "clients",
    "repl-diskless-load": "swapdb",
    "acl-pubsub-default": "allchannels",
    "oom-score-adj": "relative",
    "oom-score-adj-values": "0 100 200",
    "shutdown-on-sigint": "save",
    "shutdown-on-sigterm": "nosave",
    "propagation-error-behavior": "panic-on-replicas",
    "cluster-preferred-endpoint-type": "hostname",
    "client-output-buffer-limit": "normal 1048576 2097152 60 slave 268435456 67108864 60 pubsub 33554432 8388608 30",
    "save": "100 10 30 1000",
    "latency-tracking-info-percentiles": "50 99",
    "masterauth": "secret-of-the-master",
    "masteruser": "replicator",
    "replica-announce-ip": "198.18.0.9",
    "cluster-announce-ip": "198.18.0.10",
    "cluster-announce-hostname": "node-a",
    "proc-title-template": "{title} {port}",
    "ignore-warnings": "ARM64-COW-BUG",
    "dbfilename": "other.rdb",
    "appendfsync": "always",
    "maxmemory": "104857600",
    "list-max-listpack-size": "-3",
    "slowlog-log-slower-than": "5000",
}

# Directives CONFIG SET can change that this test leaves alone, each with the reason.
LEFT_ALONE = {
    "port": "the restarted servers must listen where the test connects",
    "bind": "the restarted servers must stay on loopback",
    "dir": "all three servers share the test's directory",
    "requirepass": "the harness's readiness PING would get -NOAUTH",
    "appendonly": "would make the restarted servers load an AOF instead of starting empty",
    "locale-collate": "redis-server applies it with setlocale(); the test machine's locales are unknown",
    "bind-source-addr": "redis-server binds outgoing sockets to it",
    "replica-serve-stale-data": "the replica's master is absent: PING would get -MASTERDOWN",
    "slave-serve-stale-data": "alias of replica-serve-stale-data",
    "activedefrag": "Debian's redis-server is built without the defragmenting jemalloc and refuses yes",
    "tls-port": "refused by swredis (no TLS), see test_directives.py",
    "tls-replication": "refused by swredis (no TLS), see test_directives.py",
    "tls-cluster": "refused by swredis (no TLS), see test_directives.py",
}


def config_map(server):
    with server.client() as c:
        node = helpers.parse_one(c.command("CONFIG", "GET", "*"))
    items = [child.payload.decode() for child in node.children]
    return dict(zip(items[0::2], items[1::2]))


def candidates(name, value):
    if name in CHOICES:
        return [CHOICES[name]]
    if value in ("yes", "no"):
        return ["no" if value == "yes" else "yes"]
    try:
        number = int(value)
    except ValueError:
        return ["x", "1"]
    return [str(number + 1), str(number - 1), "1", "2"]


def change_everything(server):
    """CONFIG SETs every mutable directive to another value; returns (changed names, names nothing was accepted for)."""
    before = config_map(server)
    changed, refused = [], []
    with server.client() as c:
        for name, value in sorted(before.items()):
            if name in LEFT_ALONE or c.command("CONFIG", "SET", name, value) != b"+OK\r\n":
                continue  # immutable (or refused as unsupported, see test_directives.py)
            for candidate in candidates(name, value):
                if c.command("CONFIG", "SET", name, candidate) == b"+OK\r\n":
                    changed.append(name)
                    break
            else:
                refused.append(name)
    return changed, refused


@pytest.mark.parametrize("role", ["master", "replica"])
def test_config_rewrite_round_trip_for_every_settable_directive(role):
    helpers.argv_for_kind("swredis")
    helpers.argv_for_kind("redis")
    tmp = tempfile.mkdtemp(prefix="swredis-roundtrip-")
    conf = os.path.join(tmp, f"{role}.conf")
    port = helpers.free_port()
    lines = [f"port {port}", "bind 127.0.0.1", f"dir {tmp}", 'save ""']
    if role == "replica":
        # A master that is not there: the replica keeps its role and retries, which is all the file needs.
        lines.append(f"replicaof 127.0.0.1 {helpers.free_port()}")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    servers = []

    def start(kind):
        server = helpers.start_server(helpers.argv_for_kind(kind) + [conf], dir=tmp, port=port, default_args=False)
        servers.append(server)
        return server

    try:
        writer = start("swredis")
        changed, refused = change_everything(writer)
        assert not refused, f"no candidate value was accepted for {refused}"
        assert len(changed) > 100, changed
        with writer.client() as c:
            assert c.command("CONFIG", "REWRITE") == b"+OK\r\n"
        expected = config_map(writer)
        writer.stop()
        text = open(conf).read()
        assert ("replicaof" in text) == (role == "replica"), text
        for kind in ("swredis", "redis"):
            server = start(kind)
            running = config_map(server)
            server.stop()
            different = {name: (expected[name], running.get(name)) for name in changed
                         if running.get(name) != expected[name]}
            assert not different, f"{kind} started from the rewritten file runs with other values: {different}\n{text}"
            with open(conf) as f:
                assert f.read() == text, "starting a server changed the file"
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
