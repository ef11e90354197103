"""Replication interop with Debian's redis-server 7.0, both ways and over both transfer framings: a redis-server
replica of a swredis master and a swredis replica of a redis-server master end with the master's dataset (every
type, expiries, 16 databases), follow live writes, and continue partially after a cut link."""

import pytest

import persistence_helpers as ph
import repl_helpers as rh

PAIRS = [("swredis", "redis"), ("redis", "swredis")]


@pytest.mark.parametrize("diskless", ["yes", "no"])
@pytest.mark.parametrize("master_kind,replica_kind", PAIRS)
def test_interop_full_sync_stream_and_partial_resync(procs, master_kind, replica_kind, diskless):
    master = rh.start(procs, master_kind, ["--repl-diskless-sync", diskless])
    rh.write_dataset(master, seed=21)
    replica = rh.start_replica(procs, replica_kind, master)
    rh.wait_in_sync(master, replica)
    assert rh.contents(replica) == rh.contents(master)

    # Live stream: transactions, expiries, deletions, several databases.
    with master.client() as c:
        ph.pipeline(c, [["MULTI"], ["INCR", "n"], ["HSET", "h2", "f", "v"], ["EXEC"], ["SELECT", 9], ["SET", "t", "1", "PX", 50000],
                        ["DEL", "db:9"], ["SELECT", 0], ["EXPIRE", "n", 5000], ["ZADD", "zz", 1, "a", 2, "b"]])
    rh.wait_in_sync(master, replica)
    assert rh.contents(replica) == rh.contents(master)

    full_before = rh.stats(master)["sync_full"]
    rh.kill_master_link(replica)
    rh.write_keys(master, "cut", 50)
    rh.wait_in_sync(master, replica)
    assert rh.stats(master)["sync_full"] == full_before
    assert rh.stats(master)["sync_partial_ok"] == "1"
    assert rh.contents(replica) == rh.contents(master)
    with master.client() as m, replica.client() as r:
        assert ph.digest(m) == ph.digest(r)


def test_swredis_replica_waits_through_redis_keepalive_newlines(procs):
    """Redis masters send newlines while the diskless-sync delay runs, before `+FULLRESYNC`."""
    master = rh.start(procs, "redis", ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "2"])
    rh.write_keys(master, "k", 20)
    replica = rh.start_replica(procs, "swredis", master)
    rh.wait_in_sync(master, replica, timeout=20)
    assert rh.contents(replica) == rh.contents(master)
    assert rh.log_count(replica, "Unexpected reply to PSYNC") == 0
