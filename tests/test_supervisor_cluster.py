"""A Redis Cluster declared in the configuration directory and formed by the supervisor: `cluster-master` and
`cluster-replica` lines in swredisd.conf, six nodes formed on the first start with no redis-cli step (slots split
as redis-cli splits them, replicas of the declared masters), `swredisd check` on the layout and on nodes.conf
placed under /etc, `ctl status` showing each node's cluster state and slots, nodes.conf kept in the state
directory, a failover through `ctl stop` that a supervisor restart leaves alone, and the shipped example
directory (the seeds' 7000-7005 cluster) passing `swredisd check`."""

import os
import pathlib
import signal
import subprocess
import time

import pytest

import helpers
import persistence_helpers as ph
from test_cluster import cluster_port
from test_cluster_bus import nodes_view
from test_supervisor import Topology

pytestmark = pytest.mark.skipif(helpers.swredis_unavailable_reason() is not None,
                                reason=str(helpers.swredis_unavailable_reason()))

MASTERS = ["m1", "m2", "m3"]
REPLICAS = {"r1": "m1", "r2": "m2", "r3": "m3"}
EXPECTED_SLOTS = {"m1": "0-5460", "m2": "5461-10922", "m3": "10923-16383"}


class ClusterTopology(Topology):
    """Six cluster nodes on free port pairs, declared with cluster-master / cluster-replica lines."""

    def __init__(self, root):
        layout = "".join(f"cluster-master {m}\n" for m in MASTERS)
        layout += "".join(f"cluster-replica {r} {m}\n" for r, m in REPLICAS.items())
        super().__init__(root, replicas=0, settings=layout)
        (self.conf / "master.conf").unlink()
        del self.ports["master"]
        (self.conf / "common.conf").write_text(
            "bind 127.0.0.1\nsave \"\"\nrepl-diskless-sync-delay 0\ncluster-enabled yes\n"
            "cluster-node-timeout 1500\n")
        for name in MASTERS + list(REPLICAS):
            self.add(name, cluster_port())

    def ctl(self, *words):
        return subprocess.run([helpers.SWREDISD, "ctl", "--conf-dir", str(self.conf), *words], capture_output=True,
                              text=True, timeout=20)

    def status(self):
        out = self.ctl("status").stdout
        return {row[0]: row for row in (line.split("\t") for line in out.splitlines()[1:])}, out

    def view(self, name):
        return nodes_view(self.client(name))

    def flags(self, name, of):
        """`of`'s flags as `name` sees them; empty while `name` is not up (restarting)."""
        try:
            return self.view(name).get(of, ("", set()))[1]
        except (OSError, helpers.ConnectionClosed, helpers.ProtocolError, AttributeError):
            return set()

    def myid(self, name):
        with self.client(name) as c:
            return c.call("CLUSTER", "MYID").decode()


@pytest.fixture
def cluster(tmp_path):
    t = ClusterTopology(tmp_path)
    yield t
    t.stop()


def formed(t):
    ph.wait_for(lambda: "Cluster formed: 3 masters, 3 replicas, all slots served" in t.log(), timeout=60,
                what="the supervisor to form the cluster")


def test_the_supervisor_forms_the_declared_cluster(cluster):
    check = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(cluster.conf)], capture_output=True,
                           text=True, timeout=20)
    assert check.returncode == 0, check.stdout + check.stderr
    cluster.start()
    cluster.wait_ready()
    formed(cluster)
    ids = {name: cluster.myid(name) for name in cluster.ports}
    for name in cluster.ports:
        view = cluster.view(name)
        assert set(view) == set(ids.values()), (name, view)
        for master in MASTERS:
            assert view[ids[master]][3] == (EXPECTED_SLOTS[master],), (name, master, view[ids[master]])
        with cluster.client(name) as c:
            assert b"cluster_state:ok" in c.call("CLUSTER", "INFO")
    for replica, master in REPLICAS.items():
        line = next(l for l in cluster.client(replica).call("CLUSTER", "NODES").decode().splitlines()
                    if l.startswith(ids[replica]))
        assert line.split()[2] == "myself,slave" and line.split()[3] == ids[master], line
    # nodes.conf is state: in the instance's state directory, never in the configuration directory.
    for name in cluster.ports:
        assert (cluster.lib / name / "nodes.conf").exists()
    assert not list(cluster.conf.glob("nodes*.conf"))
    rows, out = cluster.status()
    ph.wait_for(lambda: all(cluster.status()[0][m][10] == f"ok, slots {EXPECTED_SLOTS[m]}" for m in MASTERS),
                timeout=10, what=f"ctl status to show the masters' slots:\n{cluster.status()[1]}")
    rows, out = cluster.status()
    for replica, master in REPLICAS.items():
        assert rows[replica][2].startswith("replica of 127.0.0.1:"), out
        assert rows[replica][10] == f"ok, slots {EXPECTED_SLOTS[master]}", out
    assert "cluster: formed" in out
    # Keys land where the slots are.
    from redis.cluster import RedisCluster
    client = RedisCluster(host="127.0.0.1", port=cluster.ports["m1"], socket_timeout=5)
    for i in range(100):
        client.set(f"k{i}", i)
    assert [int(client.get(f"k{i}")) for i in range(100)] == list(range(100))
    client.close()


def test_a_failover_survives_a_supervisor_restart(cluster):
    cluster.start()
    cluster.wait_ready()
    formed(cluster)
    ids = {name: cluster.myid(name) for name in cluster.ports}
    # m1 stops (as a dead host would): r1 is elected; m1 comes back as r1's replica.
    assert cluster.ctl("stop", "m1").returncode == 0
    ph.wait_for(lambda: "master" in cluster.flags("r1", ids["r1"]), timeout=20, what="r1 to be elected")
    assert cluster.ctl("start", "m1").returncode == 0
    ph.wait_for(lambda: "slave" in cluster.flags("m1", ids["m1"]), timeout=20, what="m1 to follow r1")
    cluster.stop()
    # A restarted supervisor finds the cluster formed and leaves the roles the failover made.
    cluster.start()
    cluster.wait_ready()
    ph.wait_for(lambda: "Cluster of 6 nodes already formed: left as it is" in cluster.log(), timeout=30,
                what="the supervisor to leave the formed cluster alone")
    ph.wait_for(lambda: "master" in cluster.flags("r1", ids["r1"]) and "slave" in cluster.flags("m1", ids["m1"]),
                timeout=20, what="the failed-over roles after restart")
    assert cluster.view("r1")[ids["r1"]][3] == (EXPECTED_SLOTS["m1"],)
    assert "Forming the cluster" not in cluster.log().split("already formed")[-1]


def test_check_refuses_a_bad_cluster_declaration(tmp_path):
    t = ClusterTopology(tmp_path)
    settings = (t.conf / "swredisd.conf").read_text()
    (t.conf / "swredisd.conf").write_text(
        settings + "cluster-replica ghost m1\ncluster-replica r9 nosuch\ncluster-master m1\ncluster-replica x\n")
    (t.conf / "plain.conf").write_text("port 1\ncluster-enabled no\n")
    (t.conf / "swredisd.conf").write_text((t.conf / "swredisd.conf").read_text() + "cluster-master plain\n")
    (t.conf / "m2.conf").write_text((t.conf / "m2.conf").read_text() + f"cluster-config-file {t.conf}/nodes-m2.conf\n")
    result = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(t.conf)], capture_output=True, text=True,
                            timeout=20)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    conf = f"{t.conf}/swredisd.conf"
    assert "instance 'm1' is declared twice in the cluster" in out, out
    assert "'cluster-replica' takes the replica's instance name and its master's" in out, out
    assert "cluster node 'ghost' is not an instance of this directory (expected ghost.conf)" in out, out
    assert "'nosuch' (master of 'r9') is not a cluster-master" in out, out
    assert f"cluster node 'plain' needs 'cluster-enabled yes' in {t.conf}/plain.conf" in out, out
    assert f"cluster-config-file {t.conf}/nodes-m2.conf is state, not configuration" in out, out
    assert out.count(conf + ":") >= 5, out


def test_the_example_cluster_directory_checks_clean():
    example = pathlib.Path(__file__).resolve().parent.parent / "etc" / "swredis-cluster"
    result = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(example)], capture_output=True,
                            text=True, timeout=20)
    assert result.returncode == 0, result.stdout + result.stderr
    settings = (example / "swredisd.conf").read_text()
    assert "cluster-replica 7003 7000" in settings and "cluster-master 7002" in settings
