"""Replication between swredis instances on loopback: the seeds' topology (a master on one port, replicas on
two others), full syncs over disk and diskless transfers, chains, partial resynchronization after a cut link,
backlog overflow, promotion with REPLICAOF NO ONE, WAIT, min-replicas-to-write, expiry on replicas, a replica
restart that resumes partially, and the errors operators see."""

import socket
import time

import pytest

import persistence_helpers as ph
import repl_helpers as rh


def test_seed_topology_master_with_two_replicas(procs):
    master = rh.start(procs, "swredis")
    rh.write_dataset(master)
    first = rh.start_replica(procs, "swredis", master)
    second = rh.start(procs, "swredis")
    with second.client() as c:
        ph.ok(c, "REPLICAOF", "127.0.0.1", master.port)
        assert c.command("REPLICAOF", "127.0.0.1", master.port) == b"+OK Already connected to specified master\r\n"
    offset = rh.wait_in_sync(master, first, second)
    expected = rh.contents(master)
    assert len(expected) == 16
    assert rh.contents(first) == expected
    assert rh.contents(second) == expected

    info = rh.replication(master)
    assert info["role"] == "master" and info["connected_slaves"] == "2"
    ports = sorted(int(dict(p.split("=") for p in info[f"slave{i}"].split(","))["port"]) for i in range(2))
    assert ports == sorted([first.port, second.port])
    assert all("state=online" in info[f"slave{i}"] for i in range(2))
    replica_info = rh.replication(first)
    assert replica_info["role"] == "slave" and replica_info["master_port"] == str(master.port)
    assert replica_info["master_replid"] == info["master_replid"]
    assert replica_info["slave_read_only"] == "1" and replica_info["slave_priority"] == "100"
    role = rh.role(first)
    # The master's PINGs may have moved the offset since.
    assert role[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"] and role[4] >= offset
    role = rh.role(master)
    assert role[0] == b"master" and len(role[2]) == 2

    with first.client() as c:
        assert c.command("SET", "k", "v") == b"-READONLY You can't write against a read only replica.\r\n"
        assert c.command("DEL", "s:empty") == b"-READONLY You can't write against a read only replica.\r\n"
    # Writes keep flowing, in order, into every database.
    with master.client() as c:
        ph.pipeline(c, [["SELECT", 7], ["INCR", "counter"], ["INCR", "counter"], ["SELECT", 0], ["LPUSH", "q", "a", "b"]])
    rh.wait_in_sync(master, first, second)
    for replica in (first, second):
        assert rh.contents(replica) == rh.contents(master)
    assert "Partial resynchronization not possible (no cached master)" in first.log()
    assert "MASTER <-> REPLICA sync: Finished with success" in first.log()
    assert "Synchronization with replica 127.0.0.1:%d succeeded" % first.port in master.log()


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_full_sync_disk_and_diskless(procs, diskless):
    master = rh.start(procs, "swredis", ["--repl-diskless-sync", diskless])
    rh.write_dataset(master, seed=7)
    rh.write_keys(master, "bulk", 3000, size=200)
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_in_sync(master, replica)
    assert rh.contents(replica) == rh.contents(master)
    target = "replicas sockets" if diskless == "yes" else "disk"
    assert f"Starting BGSAVE for SYNC with target: {target}" in master.log()
    framing = "with EOF to disk" if diskless == "yes" else "bytes from master to disk"
    assert framing in replica.log()
    assert rh.stats(master)["sync_full"] == "1"


def test_chained_replicas_follow_the_top_master(procs):
    top = rh.start(procs, "swredis")
    middle = rh.start_replica(procs, "swredis", top)
    bottom = rh.start_replica(procs, "swredis", middle)
    rh.write_dataset(top, seed=3)
    offset = rh.wait_in_sync(top, middle)
    ph.wait_for(lambda: rh.replication(bottom).get("slave_repl_offset") == str(offset), what="bottom caught up")
    assert rh.contents(bottom) == rh.contents(top)
    # The middle forwards the top's stream byte for byte: same ID and offsets all the way down.
    assert rh.replication(bottom)["master_replid"] == rh.replication(top)["master_replid"]
    assert rh.replication(middle)["connected_slaves"] == "1"


def test_partial_resync_after_client_kill(procs):
    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    rh.write_keys(master, "before", 100)
    rh.wait_in_sync(master, replica)
    rh.kill_master_link(replica)
    rh.write_keys(master, "during", 50)
    rh.wait_in_sync(master, replica)
    assert rh.contents(replica) == rh.contents(master)
    stats = rh.stats(master)
    assert stats["sync_full"] == "1" and stats["sync_partial_ok"] == "1"
    assert "Successful partial resynchronization with master." in replica.log()
    assert "Partial resynchronization request from 127.0.0.1:%d accepted." % replica.port in master.log()
    # The replica side dropped by the master: the same.
    with master.client() as c:
        assert ph.call(c, "CLIENT", "KILL", "TYPE", "replica") == 1
    rh.write_keys(master, "after", 10)
    rh.wait_in_sync(master, replica)
    assert rh.stats(master)["sync_partial_ok"] == "2"
    assert rh.contents(replica) == rh.contents(master)


def test_partial_resync_after_a_stalled_replica_times_out(procs):
    """A replica that stops reading (SIGSTOP) is dropped after repl-timeout; it continues partially later."""
    master = rh.start(procs, "swredis", ["--repl-timeout", "2"])
    replica = rh.start_replica(procs, "swredis", master, ["--repl-timeout", "2"])
    rh.write_keys(master, "a", 20)
    rh.wait_in_sync(master, replica)
    rh.pause(replica)
    try:
        ph.wait_for(lambda: rh.replication(master)["connected_slaves"] == "0", timeout=10, what="replica timed out")
        rh.write_keys(master, "b", 20)
    finally:
        rh.resume(replica)
    rh.wait_in_sync(master, replica)
    assert "Disconnecting timedout replica (streaming sync)" in master.log()
    assert rh.stats(master)["sync_full"] == "1"
    assert int(rh.stats(master)["sync_partial_ok"]) >= 1
    assert rh.contents(replica) == rh.contents(master)


def test_backlog_overflow_forces_a_full_resync(procs):
    master = rh.start(procs, "swredis", ["--repl-backlog-size", "16kb"])
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_in_sync(master, replica)
    with master.client() as c:
        ph.call(c, "CLIENT", "KILL", "TYPE", "replica")
        # Far more than the backlog holds, before the replica reconnects (it retries once a second).
        ph.pipeline(c, [["SET", f"big:{i}", "y" * 1000] for i in range(100)])
    rh.wait_in_sync(master, replica)
    assert "for lack of backlog" in master.log()
    assert rh.stats(master)["sync_full"] == "2"
    assert rh.contents(replica) == rh.contents(master)


def test_promoted_replica_lets_its_sibling_continue(procs):
    master = rh.start(procs, "swredis")
    first = rh.start_replica(procs, "swredis", master)
    second = rh.start_replica(procs, "swredis", master)
    rh.write_dataset(master, seed=11)
    rh.wait_in_sync(master, first, second)
    old_id = rh.replication(master)["master_replid"]
    master.stop()
    with first.client() as c:
        ph.ok(c, "REPLICAOF", "NO", "ONE")
        ph.ok(c, "SET", "after-failover", "1")
    info = rh.replication(first)
    assert info["role"] == "master" and info["master_replid2"] == old_id
    assert int(info["second_repl_offset"]) > 0
    with second.client() as c:
        ph.ok(c, "REPLICAOF", "127.0.0.1", first.port)
    rh.wait_in_sync(first, second)
    assert rh.stats(first)["sync_partial_ok"] == "1" and rh.stats(first)["sync_full"] == "0"
    assert rh.contents(second) == rh.contents(first)
    assert rh.replication(second)["master_replid"] == rh.replication(first)["master_replid"]
    assert "MASTER MODE enabled (user request from 'id=" in first.log()


def test_old_master_rejoins_as_replica(procs):
    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    rh.write_keys(master, "k", 30)
    rh.wait_in_sync(master, replica)
    with replica.client() as c:
        ph.ok(c, "REPLICAOF", "NO", "ONE")
    with master.client() as c:
        ph.ok(c, "REPLICAOF", "127.0.0.1", replica.port)
    rh.wait_in_sync(replica, master)
    # The old master's history is the new master's replid2: a partial resync, no RDB.
    assert rh.stats(replica)["sync_partial_ok"] == "1" and rh.stats(replica)["sync_full"] == "0"
    with replica.client() as c:
        ph.ok(c, "SET", "new", "1")
    rh.wait_in_sync(replica, master)
    assert rh.contents(master) == rh.contents(replica)


def test_wait_counts_acknowledging_replicas(procs):
    master = rh.start(procs, "swredis")
    first = rh.start_replica(procs, "swredis", master)
    second = rh.start_replica(procs, "swredis", master)
    rh.wait_in_sync(master, first, second)
    with master.client() as c:
        ph.ok(c, "SET", "k", "v")
        assert ph.call(c, "WAIT", 2, 5000) == 2
        started = time.monotonic()
        assert ph.call(c, "WAIT", 3, 300) == 2
        assert time.monotonic() - started >= 0.25
        rh.pause(second)
        try:
            ph.ok(c, "SET", "k", "w")
            assert ph.call(c, "WAIT", 2, 300) == 1
        finally:
            rh.resume(second)
        assert c.command("WAIT", "x", 0) == b"-ERR value is not an integer or out of range\r\n"
        assert c.command("WAIT", 1, -1) == b"-ERR timeout is negative\r\n"
    with first.client() as c:
        assert c.command("WAIT", 1, 0).startswith(b"-ERR WAIT cannot be used with replica instances.")


def test_min_replicas_to_write(procs):
    master = rh.start(procs, "swredis", ["--min-replicas-to-write", 1, "--min-replicas-max-lag", 2])
    with master.client() as c:
        assert c.command("SET", "k", "v") == b"-NOREPLICAS Not enough good replicas to write.\r\n"
        assert ph.call(c, "GET", "k") is None
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_link_up(replica)
    ph.wait_for(lambda: rh.replication(master).get("min_slaves_good_slaves") == "1", what="good replica")
    with master.client() as c:
        ph.ok(c, "SET", "k", "v")
    rh.pause(replica)
    try:
        ph.wait_for(lambda: rh.replication(master).get("min_slaves_good_slaves") == "0", timeout=10, what="lagging replica")
        with master.client() as c:
            assert c.command("SET", "k", "w") == b"-NOREPLICAS Not enough good replicas to write.\r\n"
    finally:
        rh.resume(replica)
    ph.wait_for(lambda: rh.replication(master).get("min_slaves_good_slaves") == "1", what="replica back")


def test_replica_hides_expired_keys_until_the_master_deletes_them(procs):
    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    with master.client() as c:
        ph.ok(c, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
        ph.ok(c, "SET", "short", "v", "PX", 100)
    rh.wait_in_sync(master, replica)
    time.sleep(0.2)
    with replica.client() as c:
        assert ph.call(c, "GET", "short") is None
        assert ph.call(c, "DBSIZE") == 1  # still there: only the master deletes
    with master.client() as c:
        assert ph.call(c, "GET", "short") is None  # lazy expiry on the master propagates a DEL
    rh.wait_in_sync(master, replica)
    with replica.client() as c:
        assert ph.call(c, "DBSIZE") == 0


def test_replica_restart_resumes_partially(procs, tmp_path):
    master = rh.start(procs, "swredis")
    directory = tmp_path / "replica"
    directory.mkdir()
    replica = rh.start_replica(procs, "swredis", master, dir=str(directory))
    rh.write_dataset(master, seed=5)
    rh.wait_in_sync(master, replica)
    with replica.client() as c:
        c.send(b"SHUTDOWN SAVE\r\n")
        c.wait_closed(10)
    replica.proc.wait(timeout=10)
    rh.write_keys(master, "while-down", 20)
    again = rh.start_replica(procs, "swredis", master, dir=str(directory))
    rh.wait_in_sync(master, again)
    assert rh.contents(again) == rh.contents(master)
    assert rh.stats(master)["sync_full"] == "1" and rh.stats(master)["sync_partial_ok"] == "1"
    assert "Trying a partial resynchronization" in again.log()


def test_published_messages_reach_subscribers_of_replicas(procs):
    master = rh.start(procs, "swredis")
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_in_sync(master, replica)
    with replica.client() as sub:
        assert sub.call("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
        with master.client() as c:
            assert ph.call(c, "PUBLISH", "news", "hello") == 0
        assert sub.read_node().value() == [b"message", b"news", b"hello"]


def test_replication_errors(procs):
    master = rh.start(procs, "swredis")
    with master.client() as c:
        assert c.command("REPLCONF", "nonsense", "1") == b"-ERR Unrecognized REPLCONF option: nonsense\r\n"
        assert c.command("REPLCONF", "listening-port") == b"-ERR syntax error\r\n"
        assert c.command("REPLICAOF", "127.0.0.1", "notaport") == b"-ERR value is not an integer or out of range\r\n"
        assert c.command("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    # A replica whose master is unreachable: serves stale data, reports the link down, refuses PSYNC.
    replica = rh.start(procs, "swredis", ["--replicaof", "127.0.0.1", "1"])
    info = rh.replication(replica)
    assert info["master_link_status"] == "down" and "master_link_down_since_seconds" in info
    with replica.client() as c:
        assert ph.call(c, "GET", "x") is None
        assert c.command("PSYNC", "?", "-1") == b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
        ph.ok(c, "CONFIG", "SET", "replica-serve-stale-data", "no")
        assert c.command("GET", "x") == b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
        assert ph.call(c, "INFO", "replication").startswith(b"# Replication")
    assert rh.role(replica)[3] in (b"connect", b"connecting")


def test_legacy_sync_gets_a_plain_rdb_then_the_stream(procs):
    master = rh.start(procs, "swredis")
    with master.client() as c:
        ph.ok(c, "SET", "k", "v")
    with socket.create_connection(("127.0.0.1", master.port), timeout=10) as sock:
        sock.sendall(b"SYNC\r\n")
        data = b""
        # Newlines may keep the link alive before the `$<length>` header.
        while b"\r\n" not in data.lstrip(b"\n"):
            data += sock.recv(65536)
        header, data = data.lstrip(b"\n").split(b"\r\n", 1)
        assert header.startswith(b"$"), header
        size = int(header[1:])
        while len(data) < size:
            data += sock.recv(65536)
        assert data[:9] == b"REDIS0010" and b"k" in data[:size]
        with master.client() as c:
            ph.ok(c, "SET", "after", "1")
        stream = data[size:]
        while b"after" not in stream:
            stream += sock.recv(65536)
        assert b"*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n" in stream
    assert "Starting BGSAVE for SYNC with target: disk" in master.log()


def test_replica_over_its_output_buffer_limit_is_dropped(procs):
    master = rh.start(procs, "swredis", ["--client-output-buffer-limit", "replica 1mb 0 0"])
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_in_sync(master, replica)
    rh.pause(replica)
    try:
        with master.client() as c:
            value = "z" * (1024 * 1024)
            for i in range(40):
                ph.ok(c, "SET", f"big:{i}", value)
                if "overcoming of output buffer limits" in master.log():
                    break
        ph.wait_for(lambda: "overcoming of output buffer limits" in master.log(), timeout=10, what="replica dropped")
        assert rh.replication(master)["connected_slaves"] == "0"
        with master.client() as c:
            assert c.command("PING") == b"+PONG\r\n"
    finally:
        rh.resume(replica)
    rh.wait_in_sync(master, replica, timeout=30)
    assert rh.contents(replica) == rh.contents(master)


def test_replica_with_aof_keeps_the_synced_data_across_restart(procs, tmp_path):
    master = rh.start(procs, "swredis")
    rh.write_dataset(master, seed=9)
    directory = tmp_path / "aof-replica"
    directory.mkdir()
    replica = rh.start_replica(procs, "swredis", master, ["--appendonly", "yes"], dir=str(directory))
    rh.wait_in_sync(master, replica)
    rh.write_keys(master, "live", 10)
    rh.wait_in_sync(master, replica)
    expected = rh.contents(master)
    replica.stop()
    master.stop()
    alone = rh.start(procs, "swredis", ["--appendonly", "yes"], dir=str(directory))
    assert rh.contents(alone) == expected


def test_master_restart_lets_replicas_continue_partially(procs, tmp_path):
    directory = tmp_path / "master"
    directory.mkdir()
    master = rh.start(procs, "swredis", dir=str(directory))
    replica = rh.start_replica(procs, "swredis", master)
    rh.write_keys(master, "k", 50)
    rh.wait_in_sync(master, replica)
    old_id = rh.replication(master)["master_replid"]
    with master.client() as c:
        c.send(b"SHUTDOWN SAVE\r\n")
        c.wait_closed(10)
    master.proc.wait(timeout=10)
    again = rh.start(procs, "swredis", dir=str(directory), port=master.port)
    info = rh.replication(again)
    assert info["master_replid2"] == old_id
    rh.wait_in_sync(again, replica)
    assert rh.stats(again)["sync_partial_ok"] == "1" and rh.stats(again)["sync_full"] == "0"
    rh.write_keys(again, "new", 5)
    rh.wait_in_sync(again, replica)
    assert rh.contents(replica) == rh.contents(again)


def test_full_sync_abandoned_when_writes_outgrow_the_replica_buffer(procs):
    """A replica that doesn't read its RDB while writes pile up for it is dropped at the replica class's hard limit."""
    master = rh.start(procs, "swredis", ["--client-output-buffer-limit", "replica 256kb 0 0"])
    with master.client() as c:
        ph.pipeline(c, [["SET", f"blob:{i}", "b" * 100_000] for i in range(300)])
    with socket.create_connection(("127.0.0.1", master.port), timeout=10) as stalled:
        stalled.sendall(b"REPLCONF capa eof\r\nPSYNC ? -1\r\n")
        ph.wait_for(lambda: "Starting BGSAVE for SYNC" in master.log(), what="full sync started")
        with master.client() as c:
            for i in range(40):
                ph.ok(c, "SET", f"more:{i}", "m" * 20_000)
        ph.wait_for(lambda: "overcoming of output buffer limits" in master.log(), what="stalled replica dropped")
        ph.wait_for(lambda: rh.replication(master)["connected_slaves"] == "0", what="replica gone")
    with master.client() as c:
        assert ph.call(c, "DBSIZE") == 340


def test_chain_keeps_the_stream_database_across_a_full_sync(procs):
    """A replica that full-syncs from a middle replica continues in the database the top's stream selected."""
    top = rh.start(procs, "swredis")
    middle = rh.start_replica(procs, "swredis", top)
    rh.wait_in_sync(top, middle)
    with top.client() as c:
        ph.pipeline(c, [["SELECT", 5], ["SET", "a", "1"]])
    rh.wait_in_sync(top, middle)
    bottom = rh.start_replica(procs, "swredis", middle)
    ph.wait_for(lambda: rh.replication(bottom).get("master_link_status") == "up", what="bottom linked")
    with top.client() as c:
        # The top's stream still has db 5 selected: no SELECT precedes this write.
        ph.pipeline(c, [["SELECT", 5], ["SET", "b", "2"]])
    offset = rh.wait_in_sync(top, middle)
    ph.wait_for(lambda: rh.replication(bottom).get("slave_repl_offset") == str(offset), what="bottom caught up")
    assert rh.contents(bottom) == rh.contents(top)
    with bottom.client() as c:
        ph.ok(c, "SELECT", 5)
        assert ph.call(c, "GET", "b") == b"2"


def test_masterauth_and_announced_address(procs):
    master = rh.start(procs, "swredis")
    with master.client() as c:
        ph.ok(c, "SET", "k", "v")
        ph.ok(c, "CONFIG", "SET", "requirepass", "s3cret")
    refused = rh.start_replica(procs, "swredis", master, ["--masterauth", "wrong"])
    ph.wait_for(lambda: "Unable to AUTH to MASTER: -WRONGPASS" in refused.log(), what="refused AUTH logged")
    assert rh.replication(refused)["master_link_status"] == "down"
    replica = rh.start_replica(procs, "swredis", master, ["--masterauth", "s3cret", "--replica-announce-ip", "198.18.255.3",
                                                          "--replica-announce-port", "7777", "--replica-priority", "42"])
    rh.wait_link_up(replica)
    with replica.client() as c:
        assert ph.call(c, "GET", "k") == b"v"
        info = ph.info(c, "replication")
        assert info["slave_priority"] == "42"
    with master.client() as c:
        ph.ok(c, "AUTH", "s3cret")
        info = ph.info(c, "replication")
    announced = [value for key, value in info.items() if key.startswith("slave") and "port=7777" in value]
    assert announced and announced[0].startswith("ip=198.18.255.3,port=7777,state=online"), info
