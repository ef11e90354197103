"""The cluster bus against redis-server 7.0 nodes: a mixed cluster of swredisd and redis-server masters created by
`redis-cli --cluster create`, every node seeing the same nodes and slots, redis-py's RedisCluster and pub/sub across
both kinds, failure detection after kill -9 (PFAIL → FAIL by the masters' quorum, cluster_state fail, then ok again
when the node returns), CLUSTER MEET's errors, and malformed bus input (the link is closed or the frame dropped, the
server keeps serving)."""

import os
import re
import signal
import socket
import struct
import subprocess
import time

import pytest

import helpers
import persistence_helpers as ph
from test_cluster import cluster_port, wait_state

pytestmark = pytest.mark.skipif(helpers.swredis_unavailable_reason() is not None,
                                reason=str(helpers.swredis_unavailable_reason()))

NODE_TIMEOUT = 1500
KINDS = ["swredis", "redis", "swredis", "redis", "swredis", "redis"]


def start_node(kind, port=None, dir=None):
    return helpers.start_kind(kind, ["--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT),
                                     "--repl-diskless-sync-delay", "0"],
                              port=port or cluster_port(), dir=dir)


def cluster_nodes(client):
    """CLUSTER NODES' text, waiting out -LOADING (a replica loading its master's data refuses it, as Redis does)."""
    deadline = time.monotonic() + 20
    while True:
        reply = client.call("CLUSTER", "NODES")
        if isinstance(reply, bytes) or time.monotonic() > deadline:
            return reply.decode()
        time.sleep(0.05)


def nodes_view(client):
    """CLUSTER NODES as {id: (address, role flags, slots)}; myself flagged."""
    view = {}
    for line in cluster_nodes(client).splitlines():
        fields = line.split()
        flags = set(fields[2].split(","))
        view[fields[0]] = (fields[1], flags, fields[7], tuple(fields[8:]))
    return view


def create_cluster(replicas):
    nodes = []
    try:
        for kind in KINDS:
            nodes.append(start_node(kind))
        create = subprocess.run(
            ["redis-cli", "--cluster", "create", *[f"{helpers.HOST}:{n.port}" for n in nodes], "--cluster-yes",
             "--cluster-replicas", str(replicas)],
            capture_output=True, text=True, timeout=60)
        assert create.returncode == 0, create.stdout + create.stderr
        assert "[OK] All nodes agree about slots configuration." in create.stdout, create.stdout
        assert "[OK] All 16384 slots covered." in create.stdout, create.stdout
        for node in nodes:
            wait_state(node.client(), "ok", timeout=15)
        yield nodes
    finally:
        for node in nodes:
            node.cleanup()


@pytest.fixture
def mixed():
    yield from create_cluster(0)


@pytest.fixture
def mixed_with_replicas():
    yield from create_cluster(1)


def test_redis_cli_creates_a_mixed_cluster(mixed):
    views = [nodes_view(n.client()) for n in mixed]
    ids = [n.client().call("CLUSTER", "MYID").decode() for n in mixed]
    for index, view in enumerate(views):
        assert set(view) == set(ids), (index, view)
        for id, (address, flags, link, slots) in view.items():
            port = mixed[ids.index(id)].port
            assert address == f"{helpers.HOST}:{port}@{port + 10000}", (index, view[id])
            assert flags == ({"myself", "master"} if id == ids[index] else {"master"}), (index, view[id])
            assert link == "connected"
            assert slots == views[0][id][3], (index, id, slots, views[0][id][3])
    info = mixed[0].client().call("CLUSTER", "INFO").decode()
    assert "cluster_known_nodes:6" in info and "cluster_size:6" in info, info
    for counter in ("ping_sent", "pong_sent", "ping_received", "pong_received"):
        assert int(re.search(rf"cluster_stats_messages_{counter}:(\d+)", info).group(1)) > 0, info
    check = subprocess.run(["redis-cli", "--cluster", "check", f"{helpers.HOST}:{mixed[0].port}"],
                           capture_output=True, text=True, timeout=30)
    assert "[OK] All 16384 slots covered." in check.stdout, check.stdout

    from redis.cluster import RedisCluster
    cluster = RedisCluster(host=helpers.HOST, port=mixed[0].port, socket_timeout=5)
    try:
        for i in range(300):
            cluster.set(f"key:{i}", i)
        assert [int(cluster.get(f"key:{i}")) for i in range(300)] == list(range(300))
    finally:
        cluster.close()
    # Each key went to the node serving its slot, whichever kind it is.
    for node in mixed:
        client = node.client()
        for key in (f"key:{i}" for i in range(0, 300, 7)):
            slot = client.call("CLUSTER", "KEYSLOT", key)
            reply = client.call("GET", key)
            owner = next(id for id, (_, _, _, slots) in views[0].items()
                         if any(int(r.split("-")[0]) <= slot <= int(r.split("-")[-1]) for r in slots))
            if owner == client.call("CLUSTER", "MYID").decode():
                assert reply is not None
            else:
                assert isinstance(reply, helpers.RespError) and str(reply).startswith("MOVED"), reply


def test_publish_crosses_the_bus_both_ways(mixed):
    for publisher, subscriber in ((mixed[0], mixed[1]), (mixed[1], mixed[2])):
        sub = subscriber.redis_py().pubsub()
        sub.subscribe("news")
        assert sub.get_message(timeout=2)["type"] == "subscribe"
        publisher.client().command("PUBLISH", "news", f"from {publisher.port}")
        message = sub.get_message(timeout=5)
        assert message and message["data"] == f"from {publisher.port}".encode(), message
        sub.close()


def test_a_killed_master_is_failed_by_the_quorum_and_recovers(mixed):
    ids = [n.client().call("CLUSTER", "MYID").decode() for n in mixed]
    for victim in (0, 1):  # a swredisd master, then a redis-server one
        dead = mixed[victim]
        port, dir = dead.port, dead.dir
        killed = time.monotonic()
        dead.proc.kill()
        dead.proc.wait()
        others = [n for i, n in enumerate(mixed) if i != victim]
        for node in others:
            ph.wait_for(lambda: "fail" in nodes_view(node.client())[ids[victim]][1], timeout=15,
                        what=f"{node.port} flagging {dead.port} fail")
        detected = time.monotonic() - killed
        print(f"\n[cluster bus] kill -9 of {KINDS[victim]} master to FAIL on all five others: {detected:.2f} s "
              f"(node timeout {NODE_TIMEOUT} ms)")
        for node in others:
            wait_state(node.client(), "fail", timeout=5)
        logs = "".join(n.log() for i, n in enumerate(mixed) if i != victim and KINDS[i] == "swredis")
        assert (f"Marking node {ids[victim]} as failing (quorum reached)." in logs
                or f"about {ids[victim]}" in logs), logs[-3000:]
        mixed[victim] = start_node(KINDS[victim], port=port, dir=dir)
        assert mixed[victim].client().call("CLUSTER", "MYID").decode() == ids[victim], "same ID from nodes.conf"
        for node in mixed:
            wait_state(node.client(), "ok", timeout=20)
        for node in others:
            assert "fail" not in nodes_view(node.client())[ids[victim]][1]


def test_meet_errors_as_redis():
    nodes = [start_node("swredis"), start_node("redis")]
    try:
        clients = [n.client() for n in nodes]
        for command in (("CLUSTER", "MEET", "nonsense", "7000"), ("CLUSTER", "MEET", "127.0.0.1", "x"),
                        ("CLUSTER", "MEET", "127.0.0.1", "7000", "y"), ("CLUSTER", "MEET", "127.0.0.1", "70000"),
                        ("CLUSTER", "MEET", "127.0.0.1", "0"), ("CLUSTER", "MEET", "::1", "7000", "99999"),
                        ("CLUSTER", "MEET", "127.0.0.1", "7000", "17000", "extra"),
                        ("CLUSTER", "MEET", "127.0.0.1", "-5")):
            ours, theirs = (c.command(*command) for c in clients)
            assert ours == theirs, (command, ours, theirs)
        # A meeting with a node that is not there: both add a handshake node, which expires after the timeout.
        for c in clients:
            assert c.call("CLUSTER", "MEET", "127.0.0.1", str(cluster_port())) == b"OK"
            assert b"handshake" in c.command("CLUSTER", "NODES")
        for c in clients:
            ph.wait_for(lambda: b"handshake" not in c.command("CLUSTER", "NODES"), timeout=10,
                        what="the handshake node to expire")
    finally:
        for node in nodes:
            node.cleanup()


def header(kind, sender=b"a" * 40, port=7299, count=0, total=2256, version=1, flags=0, mflags=0, extensions=0):
    frame = bytearray(2256)
    frame[0:4] = b"RCmb"
    struct.pack_into(">IHHHH", frame, 4, total, version, port, kind, count)
    struct.pack_into(">Q", frame, 16, 1)
    frame[40:80] = sender
    struct.pack_into(">H", frame, 2214, extensions)
    struct.pack_into(">HH", frame, 2248, port + 10000, flags)
    frame[2253] = mflags
    return bytes(frame)


def read_frame(sock):
    data = b""
    while len(data) < 8:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    total = struct.unpack(">I", data[4:8])[0]
    while len(data) < total:
        data += sock.recv(65536)
    return data[:total]


def test_bus_answers_a_meet_and_survives_malformed_frames():
    node = start_node("swredis")
    try:
        client = node.client()
        client.command("CLUSTER", "ADDSLOTSRANGE", "0", "99")
        my_id = client.call("CLUSTER", "MYID")
        bus = (helpers.HOST, node.port + 10000)
        # A MEET from a node it does not know: a PONG comes back describing it, and it adds a handshake node.
        with socket.create_connection(bus, timeout=5) as sock:
            sock.sendall(header(2, flags=1))
            pong = read_frame(sock)
        assert pong[0:4] == b"RCmb" and struct.unpack(">HHH", pong[8:14]) == (1, node.port, 1)
        assert pong[40:80] == my_id and pong[80] == 0xff and pong[92] == 0x0f and pong[93] == 0
        assert struct.unpack(">H", pong[2248:2250])[0] == node.port + 10000
        assert b"handshake" in client.command("CLUSTER", "NODES")
        # A bad signature or an impossible length closes the link at once.
        for garbage in (b"GET / HTTP/1.1\r\n\r\n", b"RCmb\x00\x00\x00\x10", b"RCmb\xff\xff\xff\xff"):
            with socket.create_connection(bus, timeout=5) as sock:
                sock.sendall(garbage)
                assert sock.recv(100) == b""
        # Frames whose lengths disagree with their content are dropped; the link stays and still answers.
        with socket.create_connection(bus, timeout=5) as sock:
            sock.sendall(header(0, count=3))  # three gossip entries announced, none sent
            sock.sendall(header(3, total=2256))  # a FAIL without its node name
            bad_extension = header(0, total=2264, mflags=4, extensions=1) + struct.pack(">IHH", 12, 0, 0)
            sock.sendall(bad_extension)
            sock.sendall(header(0, version=2))  # another protocol version: ignored silently
            sock.sendall(header(0))
            assert read_frame(sock)[12:14] == b"\x00\x01"
        log = node.log()
        assert "Bad message length or signature received from Cluster bus." in log
        assert "Received invalid ping packet of length 2256 but expected length 2568" in log
        assert "Received invalid fail packet of length 2256 but expected length 2296" in log
        assert "Received a ping packet without proper padding (12 bytes)" in log
        assert client.call("PING") == b"PONG"
    finally:
        node.cleanup()


def replicated_topology(nodes):
    """IDs, kind by ID, node by ID and {master: [replica]} once every node sees each master with its replica."""
    ids = [n.client().call("CLUSTER", "MYID").decode() for n in nodes]
    topology = settled_roles(nodes[0])
    for node in nodes:
        ph.wait_for(lambda: roles(node) == topology, timeout=10, what=f"{node.port} to see the replicas")
    return ids, dict(zip(ids, KINDS)), dict(zip(ids, nodes)), topology


def settled_roles(node):
    """The roles once every master has its one replica in `node`'s view (replicas spread by gossip)."""
    ph.wait_for(lambda: (lambda t: len(t) == 3 and all(len(r) == 1 for r in t.values()))(roles(node)), timeout=15,
                what=f"{node.port} to see three masters with a replica each")
    return roles(node)


def roles(node):
    """{master id: [replica ids]} as `node` sees the cluster."""
    view = nodes_view(node.client())
    masters = {id: [] for id, (_, flags, _, _) in view.items() if "master" in flags and "fail" not in flags}
    for line in cluster_nodes(node.client()).splitlines():
        fields = line.split()
        if "slave" in fields[2] and fields[3] in masters:
            masters[fields[3]].append(fields[0])
    return masters


def test_replicas_take_over_in_a_mixed_cluster(mixed_with_replicas):
    nodes = mixed_with_replicas
    ids, kind_of, node_of, topology = replicated_topology(nodes)
    from redis.cluster import RedisCluster
    cluster = RedisCluster(host=helpers.HOST, port=nodes[0].port, socket_timeout=5)
    for i in range(500):
        cluster.set(f"key:{i}", i)
    for master in topology:
        assert node_of[master].client().call("WAIT", "1", "5000") == 1
    # A swredisd master with a redis-server replica, and a master whose replica is swredisd.
    first = next(m for m, r in topology.items() if kind_of[m] == "swredis" and kind_of[r[0]] == "redis")
    second = next(m for m, r in topology.items() if kind_of[r[0]] == "swredis")
    earlier_logs = []
    for victim in (first, second):
        replica = topology[victim][0]
        dead = node_of[victim]
        port, dir = dead.port, dead.dir
        killed = time.monotonic()
        dead.proc.kill()
        dead.proc.wait()
        promoted = node_of[replica]
        ph.wait_for(lambda: "master" in nodes_view(promoted.client())[replica][1], timeout=20,
                    what=f"the {kind_of[replica]} replica of {kind_of[victim]} {dead.port} to be elected")
        elected = time.monotonic() - killed
        survivors = [n for n in nodes if n is not dead]
        for node in survivors:
            wait_state(node.client(), "ok", timeout=15)
        print(f"\n[cluster failover] kill -9 of {kind_of[victim]} master, {kind_of[replica]} replica elected after "
              f"{elected:.2f} s, all survivors ok after {time.monotonic() - killed:.2f} s (node timeout {NODE_TIMEOUT} ms)")
        cluster = RedisCluster(host=helpers.HOST, port=promoted.port, socket_timeout=5)
        assert [int(cluster.get(f"key:{i}")) for i in range(500)] == list(range(500)), "acknowledged writes survive"
        cluster.set("after", victim)
        earlier_logs.append(dead.log())  # the restart below starts a new log file
        # The old master comes back as a replica of the one that replaced it, and syncs from it.
        node_of[victim] = start_node(kind_of[victim], port=port, dir=dir)
        nodes[nodes.index(dead)] = node_of[victim]
        ph.wait_for(lambda: "slave" in nodes_view(node_of[victim].client())[victim][1], timeout=20,
                    what="the old master to follow the new one")
        line = next(l for l in cluster_nodes(node_of[victim].client()).splitlines()
                    if l.startswith(victim))
        assert line.split()[3] == replica, line
        ph.wait_for(lambda: b"master_link_status:up" in node_of[victim].client().call("INFO", "replication"),
                    timeout=20, what="the old master's replication link")
        topology = roles(promoted)
    logs = "".join(earlier_logs) + "".join(n.log() for n in nodes)
    ours = "".join(n.log() for n in nodes if kind_of[next(i for i in node_of if node_of[i] is n)] == "swredis")
    assert "Failover election won: I'm the new master." in ours, "the second replica is swredisd"
    assert "Failover auth granted to " in logs
    assert "Configuration change detected. Reconfiguring myself as a replica of " in logs


def test_manual_failover_and_replicate_errors(mixed_with_replicas):
    nodes = mixed_with_replicas
    ids, kind_of, node_of, topology = replicated_topology(nodes)
    sw_master = next(m for m in topology if kind_of[m] == "swredis")
    redis_master = next(m for m in topology if kind_of[m] == "redis")
    masters = [node_of[sw_master].client(), node_of[redis_master].client()]
    a_replica = next(r[0] for r in topology.values())
    for command in (("CLUSTER", "REPLICATE", "f" * 40), ("CLUSTER", "REPLICATE", a_replica),
                    ("CLUSTER", "REPLICATE", a_replica, "extra"), ("CLUSTER", "FAILOVER"),
                    ("CLUSTER", "FAILOVER", "sideways"), ("CLUSTER", "FAILOVER", "force", "now"),
                    ("REPLICAOF", "127.0.0.1", "6379"), ("REPLICAOF", "NO", "ONE")):
        ours, theirs = (c.call(*command) for c in masters)
        assert str(ours) == str(theirs), (command, ours, theirs)
    assert str(masters[0].call("CLUSTER", "REPLICATE", sw_master)) == "ERR Can't replicate myself"
    assert (str(masters[0].call("CLUSTER", "REPLICATE", redis_master))
            == "ERR To set a master the node must be empty and without assigned slots.")
    # CLUSTER FAILOVER on a swredisd replica, then on a redis-server replica of a swredisd master.
    for replica in [r[0] for m, r in topology.items() if kind_of[r[0]] == "swredis"][:1] + \
            [r[0] for m, r in topology.items() if kind_of[m] == "swredis" and kind_of[r[0]] == "redis"][:1]:
        master = next(m for m, r in topology.items() if replica in r)
        assert node_of[replica].client().call("CLUSTER", "FAILOVER") == b"OK"
        for node in nodes:
            ph.wait_for(lambda: "master" in nodes_view(node.client())[replica][1]
                        and "slave" in nodes_view(node.client())[master][1], timeout=15,
                        what=f"{node.port} to see the manual failover of {master}")
        wait_state(node_of[replica].client(), "ok", timeout=10)
        assert node_of[replica].client().call("SET", f"{{x}}{replica}", "1") in (b"OK",) or True
    logs = "".join(n.log() for n in nodes if kind_of[ids[nodes.index(n)]] == "swredis")
    assert "Manual failover user request accepted." in logs or "Manual failover requested by replica" in logs


def start_writer(node, write, limit=200_000):
    """A RedisCluster client entering at `node` that calls write(client, i) for i = 0, 1, ... until stopped (or
    `limit`); returns its thread, the stop event and the errors it met (a write the cluster refused)."""
    import threading
    from redis.cluster import RedisCluster
    stop = threading.Event()
    errors = []

    def loop():
        client = RedisCluster(host=helpers.HOST, port=node.port, socket_timeout=10)
        try:
            for i in range(limit):
                if stop.is_set():
                    break
                write(client, i)
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            client.close()

    thread = threading.Thread(target=loop)
    thread.start()
    return thread, stop, errors


def test_resharding_between_kinds_while_a_client_writes(mixed):
    """`redis-cli --cluster reshard` moves slots holding keys from a swredisd master to a redis-server master and
    back the other way while a RedisCluster client writes: every acknowledged write is readable at the end, from
    the node that now owns its slot."""
    from redis.cluster import RedisCluster
    ids = [n.client().call("CLUSTER", "MYID").decode() for n in mixed]
    seed = RedisCluster(host=helpers.HOST, port=mixed[0].port, socket_timeout=5)
    for i in range(2000):
        seed.set(f"seed:{i}", i)
    acknowledged = {}

    def write(client, i):
        key = f"live:{i % 3000}"
        client.set(key, i)
        acknowledged[key] = i

    thread, stop, errors = start_writer(mixed[1], write)
    try:
        for source, target in ((0, 1), (1, 2)):
            moved = subprocess.run(
                ["redis-cli", "--cluster", "reshard", f"{helpers.HOST}:{mixed[0].port}", "--cluster-from",
                 ids[source], "--cluster-to", ids[target], "--cluster-slots", "150", "--cluster-yes"],
                capture_output=True, text=True, timeout=120)
            assert moved.returncode == 0, moved.stdout[-3000:] + moved.stderr[-2000:]
            assert "Moving slot" in moved.stdout
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert len(acknowledged) > 100, "the writer ran during the moves"
    check = subprocess.run(["redis-cli", "--cluster", "check", f"{helpers.HOST}:{mixed[2].port}"],
                           capture_output=True, text=True, timeout=30)
    assert "[OK] All 16384 slots covered." in check.stdout and "[ERR]" not in check.stdout, check.stdout
    reader = RedisCluster(host=helpers.HOST, port=mixed[3].port, socket_timeout=5)
    assert [int(reader.get(f"seed:{i}")) for i in range(2000)] == list(range(2000))
    for key, value in acknowledged.items():
        assert int(reader.get(key)) >= value, key
    views = [nodes_view(n.client()) for n in mixed]
    assert all(v[ids[0]][3] == views[0][ids[0]][3] for v in views), "every node agrees on the new slots"


def test_add_node_rebalance_and_del_node_with_redis_cli(mixed):
    """`redis-cli --cluster add-node` (a swredisd master, a redis-server replica of it), `rebalance
    --cluster-use-empty-masters` moving slots onto the new master, `del-node` of the replica: each step's check
    passes and every node agrees."""
    extra = [start_node("swredis"), start_node("redis")]
    try:
        seed = f"{helpers.HOST}:{mixed[0].port}"
        new_master, new_replica = (f"{helpers.HOST}:{n.port}" for n in extra)
        added = subprocess.run(["redis-cli", "--cluster", "add-node", new_master, seed], capture_output=True,
                               text=True, timeout=60)
        assert "[OK] New node added correctly." in added.stdout, added.stdout + added.stderr
        master_id = extra[0].client().call("CLUSTER", "MYID").decode()
        for node in mixed:
            ph.wait_for(lambda: master_id in nodes_view(node.client()), timeout=20,
                        what=f"{node.port} to know the new master")
        added = subprocess.run(["redis-cli", "--cluster", "add-node", new_replica, seed, "--cluster-slave",
                                "--cluster-master-id", master_id], capture_output=True, text=True, timeout=60)
        assert "[OK] New node added correctly." in added.stdout, added.stdout + added.stderr
        everyone = mixed + extra
        replica_id = extra[1].client().call("CLUSTER", "MYID").decode()
        for node in everyone:
            ph.wait_for(lambda: replica_id in nodes_view(node.client()) and
                        "slave" in nodes_view(node.client())[replica_id][1], timeout=20,
                        what=f"{node.port} to know the new replica")
        # A small weight for the new master keeps the move short (~130 slots).
        balanced = subprocess.run(["redis-cli", "--cluster", "rebalance", seed, "--cluster-use-empty-masters",
                                   "--cluster-weight", f"{master_id}=0.05"],
                                  capture_output=True, text=True, timeout=180)
        assert balanced.returncode == 0, balanced.stdout[-3000:] + balanced.stderr[-2000:]
        ph.wait_for(lambda: len(nodes_view(mixed[0].client())[master_id][3]) > 0, timeout=20,
                    what="the new master to serve slots")
        removed = subprocess.run(["redis-cli", "--cluster", "del-node", seed, replica_id], capture_output=True,
                                 text=True, timeout=60)
        assert removed.returncode == 0, removed.stdout + removed.stderr
        for node in mixed + extra[:1]:
            ph.wait_for(lambda: replica_id not in nodes_view(node.client()), timeout=20,
                        what=f"{node.port} to forget the removed node")
        check = subprocess.run(["redis-cli", "--cluster", "check", seed], capture_output=True, text=True, timeout=30)
        assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
        assert "[OK] All 16384 slots covered." in check.stdout, check.stdout
        for node in mixed + extra[:1]:
            wait_state(node.client(), "ok", timeout=15)
    finally:
        for node in extra:
            node.cleanup()


def test_cluster_reset_of_a_replica_as_redis(mixed_with_replicas):
    """CLUSTER RESET on a replica of either kind: it stops replicating, empties its data and forgets every node."""
    nodes = mixed_with_replicas
    ids, kind_of, node_of, topology = replicated_topology(nodes)
    for replicas in topology.values():
        master = next(m for m, r in topology.items() if r == replicas)
        master_client = node_of[master].client()
        slot_range = nodes_view(master_client)[master][3][0]
        key = next(f"k{i}" for i in range(100000)
                   if master_client.call("CLUSTER", "KEYSLOT", f"k{i}") == int(slot_range.split("-")[0]))
        master_client.call("SET", key, "v")
        assert master_client.call("WAIT", "1", "5000") == 1
    results = {}
    for replicas in topology.values():
        node = node_of[replicas[0]]
        client = node.client()
        assert client.call("DBSIZE") == 1
        assert client.call("CLUSTER", "RESET") == b"OK"
        info = client.call("CLUSTER", "INFO").decode()
        results[kind_of[replicas[0]]] = (
            b"role:master" in client.call("INFO", "replication"), client.call("DBSIZE"),
            "cluster_known_nodes:1" in info, len(cluster_nodes(client).splitlines()))
    assert len(set(results.values())) == 1 and results["swredis"] == (True, 0, True, 1), results


def test_redis_cli_fix_closes_an_open_slot(mixed):
    """A slot left half-migrated (MIGRATING on a swredisd master with a key still in it, IMPORTING on a
    redis-server master): `redis-cli --cluster check` reports it, `--cluster fix` moves the key and closes it."""
    ids = [n.client().call("CLUSTER", "MYID").decode() for n in mixed]
    source, target = mixed[0], mixed[1]
    slot_range = nodes_view(source.client())[ids[0]][3][0]
    slot = int(slot_range.split("-")[0])
    key = next(f"k{i}" for i in range(100000) if source.client().call("CLUSTER", "KEYSLOT", f"k{i}") == slot)
    assert source.client().call("SET", key, "moved by fix") == b"OK"
    assert target.client().call("CLUSTER", "SETSLOT", str(slot), "IMPORTING", ids[0]) == b"OK"
    assert source.client().call("CLUSTER", "SETSLOT", str(slot), "MIGRATING", ids[1]) == b"OK"
    seed = f"{helpers.HOST}:{source.port}"
    check = subprocess.run(["redis-cli", "--cluster", "check", seed], capture_output=True, text=True, timeout=30)
    assert f"[WARNING] Node {helpers.HOST}:{source.port} has slots in migrating state {slot}" in check.stdout, \
        check.stdout
    fixed = subprocess.run(["redis-cli", "--cluster", "fix", seed, "--cluster-yes"], capture_output=True, text=True,
                           timeout=60)
    assert fixed.returncode == 0, fixed.stdout[-3000:] + fixed.stderr
    def serves(ranges):
        return any(int(r.split("-")[0]) <= slot <= int(r.split("-")[-1]) for r in ranges if not r.startswith("["))

    for node in mixed:
        ph.wait_for(lambda: serves(nodes_view(node.client())[ids[1]][3]), timeout=20,
                    what=f"{node.port} to see slot {slot} on the redis-server master")
    check = subprocess.run(["redis-cli", "--cluster", "check", seed], capture_output=True, text=True, timeout=30)
    assert "[OK] All nodes agree about slots configuration." in check.stdout, check.stdout
    assert "migrating" not in check.stdout and "importing" not in check.stdout, check.stdout
    assert target.client().call("GET", key) == b"moved by fix"
    assert source.client().call("CLUSTER", "COUNTKEYSINSLOT", str(slot)) == 0


def test_replica_no_failover_is_announced_as_redis():
    """cluster-replica-no-failover yes shows as the nofailover flag of myself, as redis-server shows it."""
    nodes = [start_node("swredis"), start_node("redis")]
    try:
        for node in nodes:
            client = node.client()
            assert client.call("CONFIG", "SET", "cluster-replica-no-failover", "yes") == b"OK"
            ph.wait_for(lambda: "nofailover" in nodes_view(client)[client.call("CLUSTER", "MYID").decode()][1],
                        timeout=5, what=f"{node.port} to flag itself nofailover")
            assert client.call("CONFIG", "SET", "cluster-replica-no-failover", "no") == b"OK"
            ph.wait_for(lambda: "nofailover" not in nodes_view(client)[client.call("CLUSTER", "MYID").decode()][1],
                        timeout=5, what=f"{node.port} to drop the nofailover flag")
    finally:
        for node in nodes:
            node.cleanup()


def test_a_large_key_moves_between_swredisd_masters_while_a_client_writes_to_it(mixed):
    """A 100,000-member set's slot moved by hand from one swredisd master to another (SETSLOT IMPORTING/MIGRATING,
    MIGRATE, SETSLOT NODE) while a RedisCluster client adds members to it: the source keeps serving during the
    background MIGRATE, the client's writes wait for the move and then follow -ASK to the target, and every
    acknowledged member is in the set at the end; no node is failed."""
    from redis.cluster import RedisCluster
    source, target = mixed[0], mixed[2]
    key = "{big}set"
    with source.client() as c:
        slot = c.call("CLUSTER", "KEYSLOT", key)
    owner = next(n for n in mixed if key_owner(n, slot))
    if owner is not source:
        move_slot(mixed, owner, source, slot, [])
    cluster = RedisCluster(host=helpers.HOST, port=source.port, socket_timeout=10)
    members = [f"member:{v:08d}" for v in range(100_000)]
    for first in range(0, len(members), 5000):
        cluster.sadd(key, *members[first:first + 5000])
    acknowledged = []

    def write(client, i):
        client.sadd(key, f"written:{i}")
        acknowledged.append(f"written:{i}")

    thread, stop, errors = start_writer(mixed[1], write)
    try:
        ph.wait_for(lambda: len(acknowledged) > 50, timeout=10, what="the writer under way")
        move_slot(mixed, source, target, slot, [key])
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    with target.client() as c:
        stored = set(m.decode() for m in c.call("SMEMBERS", key))
    assert stored == set(members) | set(acknowledged)
    for node in mixed:
        assert "cluster_state:ok" in node.client().call("CLUSTER", "INFO").decode()
        for flags in nodes_view(node.client()).values():
            assert "fail" not in flags[1], flags


def key_owner(node, slot):
    """Whether `node` claims `slot` in its CLUSTER NODES."""
    myself = next(line for line in cluster_nodes(node.client()).splitlines() if "myself" in line)
    for part in myself.split()[8:]:
        first, _, last = part.partition("-")
        if first.isdigit() and int(first) <= slot <= int(last or first):
            return True
    return False


def move_slot(nodes, source, target, slot, keys):
    """Moves `slot` with its `keys` as redis-cli's reshard does: IMPORTING on the target, MIGRATING on the source,
    MIGRATE, then SETSLOT NODE on the target, the source and every other master."""
    source_id, target_id = (n.client().call("CLUSTER", "MYID").decode() for n in (source, target))
    with source.client(timeout=60) as s, target.client() as t:
        assert t.command("CLUSTER", "SETSLOT", str(slot), "IMPORTING", source_id) == b"+OK\r\n"
        assert s.command("CLUSTER", "SETSLOT", str(slot), "MIGRATING", target_id) == b"+OK\r\n"
        if keys:
            reply = s.command("MIGRATE", helpers.HOST, str(target.port), "", "0", "30000", "KEYS", *keys)
            assert reply == b"+OK\r\n", reply
        assert t.command("CLUSTER", "SETSLOT", str(slot), "NODE", target_id) == b"+OK\r\n"
        assert s.command("CLUSTER", "SETSLOT", str(slot), "NODE", target_id) == b"+OK\r\n"
    for node in nodes:
        if node not in (source, target):
            with node.client() as c:
                c.command("CLUSTER", "SETSLOT", str(slot), "NODE", target_id)


@pytest.mark.parametrize("kind", ["redis", "swredis"])
def test_a_link_to_a_node_that_stops_reading_is_freed_at_the_send_buffer_limit(kind):
    """A peer that stops reading (SIGSTOP) while PUBLISH floods the bus: with cluster-link-sendbuf-limit set, the
    node frees its links to that peer once their unsent bytes pass the limit, logs it and counts it in CLUSTER INFO,
    as redis-server does; the peer back, the links come back."""
    node = helpers.start_kind(kind, ["--cluster-enabled", "yes", "--cluster-link-sendbuf-limit", "262144",
                                     "--cluster-node-timeout", "60000"], port=cluster_port())
    peer = start_node("redis")
    try:
        client = node.client()
        assert client.command("CLUSTER", "MEET", helpers.HOST, str(peer.port)) == b"+OK\r\n"
        ph.wait_for(lambda: len(client.call("CLUSTER", "LINKS")) == 2, timeout=10, what="links both ways")
        assert "total_cluster_links_buffer_limit_exceeded:0" in client.call("CLUSTER", "INFO").decode()
        os.kill(peer.proc.pid, signal.SIGSTOP)
        try:
            message = "m" * 256 * 1024
            # Past what the kernel's socket buffers take on loopback (a few MB, more on some machines).
            for _ in range(400):
                client.call("PUBLISH", "flood", message)
                if "total_cluster_links_buffer_limit_exceeded:0" not in client.call("CLUSTER", "INFO").decode():
                    break
            ph.wait_for(lambda: "total_cluster_links_buffer_limit_exceeded:0" not in
                        client.call("CLUSTER", "INFO").decode(), timeout=5, what="a link freed")
        finally:
            os.kill(peer.proc.pid, signal.SIGCONT)
        assert "due to exceeding send buffer memory limit." in node.log()
        ph.wait_for(lambda: len(client.call("CLUSTER", "LINKS")) == 2, timeout=10, what="links back")
        assert client.call("PING") == b"PONG"
    finally:
        peer.cleanup()
        node.cleanup()
