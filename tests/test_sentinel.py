"""`swredisd sentinel` against Debian's redis-sentinel 7.0: the command surface and its errors compared reply by
reply, start-up checks, discovery of replicas and sentinels in a mixed group, a failover driven by our sentinels
with a real redis-sentinel in the group, and the config file rewritten as redis-sentinel rewrites it.

Data instances are swredisd servers on loopback; every process is stopped by the `procs` fixture."""

import os
import subprocess
import time

import pytest

import helpers
import repl_helpers as rh
import sentinel_helpers as sh

FAST = ["sentinel down-after-milliseconds mymaster 1000", "sentinel failover-timeout mymaster 6000"]


def monitor_lines(port, quorum=2):
    return [f"sentinel monitor mymaster 127.0.0.1 {port} {quorum}"]


def both(procs, master_port, extra_lines=()):
    """A redis-sentinel and a swredisd sentinel with the same file, each alone in its group."""
    lines = monitor_lines(master_port, 1) + list(extra_lines)
    return sh.start_sentinel(procs, "redis", lines), sh.start_sentinel(procs, "swredis", lines)


# --------------------------------------------------------------------------------------------------------------------
# The command surface, compared with redis-sentinel reply by reply
# --------------------------------------------------------------------------------------------------------------------

SAME_REPLIES = [
    ["COMMAND", "COUNT"],
    ["SENTINEL", "HELP"],
    ["SENTINEL", "DEBUG"],
    ["SENTINEL", "CONFIG", "GET", "*"],
    ["SENTINEL", "CONFIG", "GET", "announce-*"],
    ["SENTINEL", "CONFIG", "SET", "announce-port", "x"],
    ["SENTINEL", "CONFIG", "SET", "nope", "1"],
    ["SENTINEL", "CONFIG", "GET"],
    ["SENTINEL", "CONFIG", "foo", "bar"],
    ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
    ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"],
    ["SENTINEL", "MASTER", "nope"],
    ["SENTINEL", "REPLICAS", "nope"],
    ["SENTINEL", "SENTINELS", "nope"],
    ["SENTINEL", "SENTINELS", "mymaster"],
    ["SENTINEL", "FAILOVER", "nope"],
    ["SENTINEL", "FAILOVER", "mymaster"],
    ["SENTINEL", "CKQUORUM", "mymaster"],
    ["SENTINEL", "CKQUORUM", "nope"],
    ["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "5", "*"],
    ["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "5", "*"],
    ["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "9223372036854775808", "*"],
    ["SENTINEL", "MONITOR", "m2", "127.0.0.1", "6999", "x"],
    ["SENTINEL", "MONITOR", "m2", "127.0.0.1", "x", "1"],
    ["SENTINEL", "MONITOR", "m2", "127.0.0.1", "6999", "0"],
    ["SENTINEL", "MONITOR", "m2", "not-an-ip", "6999", "1"],
    ["SENTINEL", "MONITOR", "m2", "localhost", "6999", "1"],
    ["SENTINEL", "MONITOR", "m2", "127.0.0.1", "70000", "1"],
    ["SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "6999", "1"],
    ["SENTINEL", "SET", "nope", "quorum", "2"],
    ["SENTINEL", "SET", "mymaster", "down-after-milliseconds", "-20"],
    ["SENTINEL", "SET", "mymaster", "down-after-milliseconds", "abc"],
    ["SENTINEL", "SET", "mymaster", "fakeoption", "1"],
    ["SENTINEL", "SET", "mymaster", "notification-script", "/bin/true"],
    ["SENTINEL", "SET", "mymaster", "rename-command", "PING"],
    ["SENTINEL", "SET", "mymaster", "rename-command", "", "x"],
    ["SENTINEL", "SET", "mymaster"],
    ["SENTINEL", "SIMULATE-FAILURE", "help"],
    ["SENTINEL", "SIMULATE-FAILURE", "nope"],
    ["SENTINEL", "DEBUG", "ping-period", "0"],
    ["SENTINEL", "DEBUG", "nope", "1"],
    ["SENTINEL", "DEBUG", "ping-period"],
    ["SENTINEL", "INFO-CACHE", "nope"],
    ["SENTINEL", "RESET", "nothing-matches*"],
    ["SENTINEL", "PENDING-SCRIPTS"],
    ["SENTINEL", "NOPE"],
    ["SENTINEL"],
    ["SENTINEL", "MASTERS", "x"],
    ["PUBLISH", "other", "x"],
    ["PUBLISH", "__sentinel__:hello", "garbage"],
    ["ROLE"],
    ["GET", "x"],
    ["QUIT"],
    ["SELECT", "0"],
    ["PING", "a", "b"],
    ["ACL", "WHOAMI"],
    ["ACL", "USERS"],
    ["ACL", "CAT"],
    ["SHUTDOWN", "foo"],
]


def test_replies_and_errors_match_redis_sentinel(procs):
    master = rh.start(procs, "swredis")
    redis, ours = both(procs, master.port)
    with redis.client() as r, ours.client() as o:
        for command in SAME_REPLIES:
            assert o.command(*command) == r.command(*command), command
        assert sorted(o.call("COMMAND", "LIST")) == sorted(r.call("COMMAND", "LIST"))
        # Redis lists subcommands in its dict's order (a per-process hash seed): compared as sets, maps as dicts.
        o.call("HELLO", "3")
        r.call("HELLO", "3")
        for name in ["sentinel", "ping", "info", "publish", "role", "acl", "hello", "client", "subscribe"]:
            assert command_info(o, name) == command_info(r, name), name
            assert o.call("COMMAND", "DOCS", name) == r.call("COMMAND", "DOCS", name), name
        o.call("HELLO", "2")
        r.call("HELLO", "2")
        # HELLO: six fields, mode sentinel, no role.
        assert o.call("HELLO", "3")[b"mode"] == b"sentinel"
        assert sorted(o.call("HELLO", "3")) == sorted(r.call("HELLO", "3"))
        # INFO: the same sections and field names.
        for section in ["", "sentinel", "cpu", "memory", "server sentinel replication"]:
            args = ["INFO"] + section.split()
            mine, theirs = o.call(*args).decode(), r.call(*args).decode()
            assert field_names(mine) == field_names(theirs), section
        assert "redis_mode:sentinel" in o.call("INFO", "server").decode()
        assert "master0:name=mymaster,status=ok,address=127.0.0.1:%d" % master.port in o.call("INFO").decode()


def command_info(client, name):
    [entry] = client.call("COMMAND", "INFO", name)
    entry[9] = sorted(entry[9], key=lambda sub: sub[0])
    return entry


def field_names(info):
    """The field names in order (swredis adds `swredis_version` to Server, as its data server does)."""
    names = [line.split(":")[0] for line in info.splitlines() if line and not line.startswith("master0")]
    return [name for name in names if name != "swredis_version"]


def test_master_fields_and_monitor_remove_as_redis(procs):
    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_link_up(replica)
    redis, ours = both(procs, master.port)
    for s in (redis, ours):
        # Both monitor the same master: each finds the other through its hellos.
        sh.wait_for(lambda: sh.master(s)["num-slaves"] == "1" and sh.master(s)["flags"] == "master"
                    and sh.master(s)["num-other-sentinels"] == "1", 15, "replica and sentinel discovered")
    mine, theirs = sh.master(ours), sh.master(redis)
    assert list(mine) == list(theirs)
    for field in ["name", "ip", "port", "flags", "link-pending-commands", "role-reported", "config-epoch",
                  "num-slaves", "num-other-sentinels", "quorum", "failover-timeout", "parallel-syncs"]:
        assert mine[field] == theirs[field], field
    with ours.client() as o, redis.client() as r:
        replicas = [sh.pairs(x) for x in o.call("SENTINEL", "REPLICAS", "mymaster")]
        theirs = [sh.pairs(x) for x in r.call("SENTINEL", "REPLICAS", "mymaster")]
        assert [list(x) for x in replicas] == [list(x) for x in theirs]
        assert replicas[0]["name"] == f"127.0.0.1:{replica.port}"
        assert replicas[0]["master-link-status"] == "ok" and replicas[0]["master-port"] == str(master.port)
        for c in (o, r):
            assert c.command("SENTINEL", "MONITOR", "other", "127.0.0.1", "1", "2") == b"+OK\r\n"
            assert c.command("SENTINEL", "SET", "other", "quorum", "3", "parallel-syncs", "4") == b"+OK\r\n"
        assert sh.pairs(o.call("SENTINEL", "MASTER", "other"))["quorum"] == "3"
        assert b"sentinel monitor other 127.0.0.1 1 3" in open(ours.conf, "rb").read()
        assert b"sentinel parallel-syncs other 4" in open(ours.conf, "rb").read()
        for c in (o, r):
            assert c.command("SENTINEL", "REMOVE", "other") == b"+OK\r\n"
        assert b"other" not in open(ours.conf, "rb").read()
        assert o.command("SENTINEL", "RESET", "*") == r.command("SENTINEL", "RESET", "*") == b":1\r\n"


def test_startup_checks(tmp_path):
    def run(args, timeout=10):
        return subprocess.run([helpers.SWREDISD, "sentinel", *args], capture_output=True, timeout=timeout,
                              text=True, stdin=subprocess.DEVNULL)

    port = str(helpers.free_port())
    missing = subprocess.run([helpers.SWREDISD, "server", "--sentinel", "--port", port], capture_output=True,
                             text=True, timeout=10)
    assert missing.returncode == 1
    assert "Sentinel needs config file on disk to save state. Exiting..." in missing.stdout
    read_only = tmp_path / "ro.conf"
    read_only.write_text("sentinel monitor m 127.0.0.1 1 1\n")
    read_only.chmod(0o444)
    if os.geteuid() != 0:
        result = run([str(read_only), "--port", port])
        assert "is not writable: Permission denied. Exiting..." in result.stdout
    bad = tmp_path / "bad.conf"
    for line, reason in [
        ("sentinel monitor m 127.0.0.1 1 0", "Quorum must be 1 or greater."),
        ("sentinel down-after-milliseconds nope 10", "No such master with specified name."),
        ("sentinel myid abc", "Malformed Sentinel id in myid option."),
        ("sentinel whatever 1", "Unrecognized sentinel configuration statement."),
        ("sentinel deny-scripts-reconfig maybe", "Please specify yes or no for the deny-scripts-reconfig options."),
    ]:
        bad.write_text("port 0\n" + line + "\n")
        result = run([str(bad)])
        assert result.returncode == 1, line
        assert "*** FATAL CONFIG FILE ERROR" in result.stderr and reason in result.stderr, (line, result.stderr)
        assert f">>> '{line}'" in result.stderr and "line 2" in result.stderr
    plain = subprocess.run([helpers.SWREDISD, "server", "--port", port, "--sentinel", "monitor"],
                           capture_output=True, text=True, timeout=10)
    assert "sentinel directive while not in sentinel mode" not in plain.stderr


def test_flushconfig_keeps_operator_lines_in_order_and_adds_state(procs):
    # Redis's start-init-tests file, its master moved to a closed loopback port (test traffic stays on loopback).
    nobody = helpers.free_port()
    base = [
        "# assume master is down after being unresponsive for 20s",
        "sentinel down-after-milliseconds setmaster 20000",
        "# reconfigure one slave at a time",
        "sentinel parallel-syncs setmaster 2",
        "# wait for 4m before assuming failover went wrong",
        "sentinel failover-timeout setmaster 240000",
        "# monitoring set",
        f"sentinel monitor setmaster 127.0.0.1 {nobody} 2",
    ]
    s = sh.start_sentinel(procs, "swredis", base)
    with s.client() as c:
        myid = c.call("SENTINEL", "MYID").decode()
        assert c.command("SENTINEL", "FLUSHCONFIG") == b"+OK\r\n"
        # A vote is on disk before it is answered.
        assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", str(nobody), "7", "b" * 40) == \
            [0, b"b" * 40, 7]
    text = open(s.conf).read().splitlines()
    assert text[:len(base)] == base
    assert f"sentinel myid {myid}" in text
    assert "sentinel leader-epoch setmaster 7" in text and "sentinel current-epoch 7" in text
    s.stop()
    # The state survives a restart: same id, same epoch, and no second vote in epoch 7 (as with Redis, the epoch of
    # the vote is kept, not whom it went to); epoch 8 is a new election.
    again = sh.start_sentinel(procs, "swredis", open(s.conf).read().splitlines())
    with again.client() as c:
        assert c.call("SENTINEL", "MYID").decode() == myid
        assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", str(nobody), "7", "c" * 40) == [0, b"*", 7]
        assert c.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", str(nobody), "8", "c" * 40) == \
            [0, b"c" * 40, 8]


# --------------------------------------------------------------------------------------------------------------------
# A mixed group: discovery and a failover
# --------------------------------------------------------------------------------------------------------------------

def test_mixed_group_discovers_and_fails_over_once(procs):
    master = rh.start(procs, "swredis")
    replicas = [rh.start_replica(procs, "swredis", master) for _ in range(2)]
    for r in replicas:
        rh.wait_link_up(r)
    lines = monitor_lines(master.port) + FAST
    # redis-sentinel sees the master down later: our two reach ODOWN first, one of them leads, redis-sentinel votes.
    slow = monitor_lines(master.port) + ["sentinel down-after-milliseconds mymaster 4000",
                                         "sentinel failover-timeout mymaster 6000"]
    sentinels = [sh.start_sentinel(procs, "swredis", lines), sh.start_sentinel(procs, "swredis", lines),
                 sh.start_sentinel(procs, "redis", slow)]
    for s in sentinels:
        sh.wait_for(lambda: sh.master(s)["num-other-sentinels"] == "2" and sh.master(s)["num-slaves"] == "2", 20,
                    f"discovery on {s}")
    with sentinels[0].client() as c:
        assert c.call("SENTINEL", "CKQUORUM", "mymaster") == \
            b"OK 3 usable Sentinels. Quorum and failover authorization can be reached"
    listeners = [helpers.RespClient(port=s.port, timeout=30) for s in sentinels[:2]]
    for listener in listeners:
        listener.call("PSUBSCRIBE", "*")
    started = time.monotonic()
    master.proc.kill()
    master.proc.wait()
    switch = None
    seen = [[], []]
    # Until both of ours switched (a follower switches on the leader's hello, possibly before the leader ends).
    while time.monotonic() - started < 30 and not all("+switch-master" in [t for t, _ in s] for s in seen):
        for index, listener in enumerate(listeners):
            listener.settimeout(0.1)
            try:
                message = listener.read_node().value()
            except OSError:
                continue
            if message and message[0] == b"pmessage":
                seen[index].append((message[2].decode(), message[3].decode()))
                if message[2] == b"+switch-master" and switch is None:
                    switch = message[3].decode().split()
                    elapsed = time.monotonic() - started
    for listener in listeners:
        listener.close()
    assert switch is not None, seen
    leaders = [index for index in (0, 1) if "+elected-leader" in [t for t, _ in seen[index]]]
    assert len(leaders) == 1, seen
    assert "+promoted-slave" in [t for t, _ in seen[leaders[0]]]
    seen = seen[leaders[0]]
    assert switch[:3] == ["mymaster", "127.0.0.1", str(master.port)]
    new_port = int(switch[4])
    assert new_port in [r.port for r in replicas]
    types = [t for t, _ in seen]
    assert "+sdown" in types and "+odown" in types and types.count("+switch-master") == 1
    promoted = next(r for r in replicas if r.port == new_port)
    other = next(r for r in replicas if r.port != new_port)
    assert rh.role(promoted)[0] == b"master"
    sh.wait_for(lambda: rh.replication(other).get("master_port") == str(new_port)
                and rh.replication(other).get("master_link_status") == "up", 20, "the other replica follows")
    for s in sentinels:
        sh.wait_for(lambda: s.client().call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
                    == [b"127.0.0.1", str(new_port).encode()], 20, f"{s} agrees on the new master")
    for s in sentinels[:2]:
        conf = open(s.conf).read()
        assert f"sentinel monitor mymaster 127.0.0.1 {new_port} 2" in conf
        assert f"sentinel known-replica mymaster 127.0.0.1 {master.port}" in conf
        assert "sentinel config-epoch mymaster 1" in conf
    print(f"kill -9 of the master to +switch-master: {elapsed:.2f} s")


def test_redis_py_sentinel_client_follows_a_forced_failover(procs):
    """redis-py's own Sentinel support, unchanged: discovery, master_for/slave_for, and writes after SENTINEL
    FAILOVER reaching the promoted replica."""
    from redis.sentinel import Sentinel

    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_link_up(replica)
    sentinels = [sh.start_sentinel(procs, "swredis", monitor_lines(master.port) + FAST) for _ in range(3)]
    for s in sentinels:
        sh.wait_for(lambda: sh.master(s)["num-other-sentinels"] == "2" and sh.master(s)["num-slaves"] == "1", 20,
                    "discovery")
    client = Sentinel([("127.0.0.1", s.port) for s in sentinels], socket_timeout=2)
    assert client.discover_master("mymaster") == ("127.0.0.1", master.port)
    assert client.discover_slaves("mymaster") == [("127.0.0.1", replica.port)]
    writer = client.master_for("mymaster", socket_timeout=2)
    writer.set("before", "1")
    with sentinels[0].client() as c:
        sh.wait_for(lambda: c.call("SENTINEL", "FAILOVER", "mymaster") == b"OK", 20, "a failover starts")
    sh.wait_for(lambda: client.discover_master("mymaster") == ("127.0.0.1", replica.port), 20, "the client sees it")
    # As with Redis, the old master keeps its clients until the sentinels convert it (CLIENT KILL in the same
    # transaction as REPLICAOF); the pool then reconnects to the new master.
    sh.wait_for(lambda: rh.replication(master).get("master_port") == str(replica.port), 30,
                "the old master converted to a replica")
    sh.wait_for(lambda: writer.set("after", "2"), 20, "writes reach the new master")
    with replica.client() as c:
        assert c.call("GET", "after") == b"2" and c.call("GET", "before") == b"1"


def test_scripts_get_redis_arguments_and_none_of_the_sentinels_sockets(procs, tmp_path):
    out = tmp_path / "calls.txt"
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\n"
                      f'echo "$(basename "$0") $*" >> {out}\n'
                      f'for fd in /proc/$$/fd/*; do echo "fd $(readlink "$fd")" >> {out}; done\n')
    script.chmod(0o755)
    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_link_up(replica)
    s = sh.start_sentinel(procs, "swredis", monitor_lines(master.port, 1) + FAST + [
        f"sentinel notification-script mymaster {script}", f"sentinel client-reconfig-script mymaster {script}"])
    sh.wait_for(lambda: sh.master(s)["num-slaves"] == "1", 20, "replica discovered")
    with s.client() as c:
        # deny-scripts-reconfig (the default) refuses to change the scripts at runtime.
        assert c.call("SENTINEL", "SET", "mymaster", "notification-script", "/bin/true").args[0].startswith(
            "ERR Reconfiguration of scripts path is denied")
        assert c.call("SENTINEL", "SET", "mymaster", "quorum", "1") == b"OK"
        # The replica is selectable once its link is up and its INFO arrived.
        sh.wait_for(lambda: c.call("SENTINEL", "FAILOVER", "mymaster") == b"OK", 20, "a failover starts")
    sh.wait_for(lambda: "leader start" in out.read_text(), 20, "the client-reconfig-script ran")
    calls = out.read_text().splitlines()
    assert f"script.sh +set master mymaster 127.0.0.1 {master.port} quorum 1" in calls
    assert f"script.sh mymaster leader start 127.0.0.1 {master.port} 127.0.0.1 {replica.port}" in calls
    assert any(line.startswith("script.sh +promoted-slave slave") for line in calls)
    assert not [line for line in calls if line.startswith("fd socket:")], "no sentinel socket leaks into scripts"
