"""Cluster mode on one node, against redis-server 7.0 in cluster mode: CLUSTER KEYSLOT, slot assignment and its
errors, cluster_state, CROSSSLOT / CLUSTERDOWN / MOVED / ASK / TRYAGAIN as the gate answers them, the slot index
(COUNTKEYSINSLOT, GETKEYSINSLOT), SELECT refused, nodes.conf written crash-safely and read back at restart (and a
damaged one refused), and redis-py's RedisCluster working against the node. The cluster bus (MEET, gossip,
failover) is not part of this slice."""

import os
import socket
import tempfile
import time

import pytest

import helpers

pytestmark = pytest.mark.skipif(helpers.swredis_unavailable_reason() is not None,
                                reason=str(helpers.swredis_unavailable_reason()))

OTHER_ID = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"
MY_ID = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"


cluster_port = helpers.cluster_port


def start(kind, dir=None, extra=()):
    return helpers.start_kind(kind, ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000", *extra],
                              port=cluster_port(), dir=dir)


@pytest.fixture
def pair():
    servers = [start("swredis"), start("redis")]
    yield servers
    for server in servers:
        server.cleanup()


def wait_state(client, wanted, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = client.command("CLUSTER", "INFO")
        if f"cluster_state:{wanted}".encode() in info:
            return info
        time.sleep(0.1)
    raise AssertionError(f"cluster_state never became {wanted}: {info!r}")


def both(clients, *command):
    """Runs `command` on both servers and asserts the raw replies are equal."""
    ours, theirs = (c.command(*command) for c in clients)
    assert ours == theirs, (command, ours, theirs)
    return ours


KEYS = ["", "foo", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "{}foo", "a" * 300,
        "\xff\x00binary"]


def test_one_node_cluster_answers_as_redis(pair):
    clients = [s.client() for s in pair]
    for key in KEYS:
        both(clients, "CLUSTER", "KEYSLOT", key)
    assert b"cluster_enabled:1" in clients[0].command("INFO", "cluster")
    # No slot served yet: the cluster is down and keys are refused, keyless commands run.
    wait_state(clients[0], "fail")
    both(clients, "SET", "foo", "bar")
    both(clients, "PING")
    for bad in (["ADDSLOTSRANGE", "0"], ["ADDSLOTSRANGE", "0", "1", "2"], ["ADDSLOTSRANGE", "5", "1"],
                ["ADDSLOTSRANGE", "0", "16384"], ["ADDSLOTS", "-1"], ["ADDSLOTS", "x"], ["ADDSLOTS", "1", "1"],
                ["DELSLOTS", "7"], ["COUNTKEYSINSLOT", "16384"], ["COUNTKEYSINSLOT", "x"],
                ["GETKEYSINSLOT", "0", "-1"], ["GETKEYSINSLOT", "99999999999999999999", "1"],
                ["SETSLOT", "0", "BOGUS"], ["SETSLOT", "0", "NODE", "nobody"], ["FORGET", "nobody"],
                ["REPLICAS", "nobody"], ["COUNT-FAILURE-REPORTS", "nobody"], ["RESET", "medium"],
                ["SET-CONFIG-EPOCH", "-1"], ["NOSUCH"]):
        both(clients, "CLUSTER", *bad)
    both(clients, "CLUSTER", "ADDSLOTSRANGE", "0", "5000", "5002", "16383")
    both(clients, "CLUSTER", "ADDSLOTS", "5001")
    both(clients, "CLUSTER", "ADDSLOTS", "5001")
    for client in clients:
        wait_state(client, "ok")
    infos = [c.command("CLUSTER", "INFO") for c in clients]
    for field in (b"cluster_slots_assigned:16384", b"cluster_slots_ok:16384", b"cluster_known_nodes:1",
                  b"cluster_size:1"):
        assert all(field in info for info in infos), infos
    # Keys: one slot per command, the slot index.
    both(clients, "MSET", "{t}a", "1", "{t}b", "2", "{t}c", "3")
    both(clients, "MSET", "a", "1", "b", "2")
    both(clients, "MGET", "{t}a", "{t}b", "zzz")
    both(clients, "SET", "foo", "bar")
    slot = clients[0].call("CLUSTER", "KEYSLOT", "{t}")
    both(clients, "CLUSTER", "COUNTKEYSINSLOT", str(slot))
    assert sorted(clients[0].call("CLUSTER", "GETKEYSINSLOT", str(slot), "10")) == [b"{t}a", b"{t}b", b"{t}c"]
    assert sorted(clients[1].call("CLUSTER", "GETKEYSINSLOT", str(slot), "10")) == [b"{t}a", b"{t}b", b"{t}c"]
    both(clients, "CLUSTER", "GETKEYSINSLOT", str(slot), "0")
    both(clients, "DEL", "{t}b")
    both(clients, "CLUSTER", "COUNTKEYSINSLOT", str(slot))
    both(clients, "RENAME", "{t}a", "{t}z")
    both(clients, "CLUSTER", "COUNTKEYSINSLOT", str(slot))
    both(clients, "RENAME", "{t}z", "other")
    both(clients, "CLUSTER", "COUNTKEYSINSLOT", str(slot))
    both(clients, "SELECT", "1")
    both(clients, "SELECT", "0")
    both(clients, "SWAPDB", "0", "1")
    both(clients, "MOVE", "foo", "1")
    both(clients, "COPY", "foo", "{foo}copy", "DB", "1")
    both(clients, "COPY", "foo", "{foo}copy", "DB", "0")
    both(clients, "COPY", "foo", "{foo}copy", "DB", "99")
    # MULTI: a cross-slot command aborts the transaction.
    for command in (["MULTI"], ["SET", "{t}x", "1"], ["MSET", "k1", "1", "k2", "2"], ["EXEC"]):
        both(clients, *command)
    for command in (["MULTI"], ["SET", "{t}x", "1"], ["GET", "{t}y"], ["EXEC"]):
        both(clients, *command)
    # A slot no longer served: its keys are refused, the rest of the cluster is down.
    both(clients, "CLUSTER", "DELSLOTS", str(slot))
    for client in clients:
        wait_state(client, "fail")
    both(clients, "GET", "{t}x")
    both(clients, "GET", "foo")
    both(clients, "CLUSTER", "FLUSHSLOTS")
    for client in clients:
        client.close()


def test_nodes_conf_is_state_that_survives_restarts():
    server = start("swredis")
    try:
        client = server.client()
        my_id = client.call("CLUSTER", "MYID").decode()
        assert len(my_id) == 40
        client.command("CLUSTER", "ADDSLOTSRANGE", "0", "99", "200", "200")
        client.command("CLUSTER", "BUMPEPOCH")
        path = os.path.join(server.dir, "nodes.conf")
        text = open(path).read()
        assert text.startswith(f"{my_id} :{server.port}@{server.port + 10000} myself,master - 0 0 1 connected 0-99 200\n")
        assert text.endswith("vars currentEpoch 1 lastVoteEpoch 0\n")
        assert not [n for n in os.listdir(server.dir) if n.startswith("nodes.conf.")], "temporary file left behind"
        client.close()
        port = server.port
        server.stop()
        again = helpers.start_kind("swredis", ["--cluster-enabled", "yes"], port=port, dir=server.dir)
        with again.client() as client:
            assert client.call("CLUSTER", "MYID").decode() == my_id
            assert client.call("CLUSTER", "COUNTKEYSINSLOT", "0") == 0
            info = client.command("CLUSTER", "INFO")
            assert b"cluster_slots_assigned:101" in info and b"cluster_current_epoch:1" in info
            assert b"Node configuration loaded, I'm " + my_id.encode() in open(again.log_path, "rb").read()
        again.stop()
        # A damaged nodes.conf stops the server, as it stops redis-server.
        with open(path, "w") as f:
            f.write(f"{my_id} :{port}@{port + 10000} myself,master - 0 0 1 connected 0-16384\n")
        with pytest.raises(helpers.ServerStartError) as failure:
            helpers.start_kind("swredis", ["--cluster-enabled", "yes"], port=port, dir=server.dir, attempts=1)
        assert "corrupted cluster config file" in str(failure.value)
    finally:
        server.cleanup()


def two_node_conf(my_port, other_port):
    return (f"{OTHER_ID} 127.0.0.1:{other_port}@{other_port + 10000} master - 0 0 2 connected 8192-16383\n"
            f"{MY_ID} 127.0.0.1:{my_port}@{my_port + 10000} myself,master - 0 0 1 connected 0-8191\n"
            "vars currentEpoch 2 lastVoteEpoch 0\n")


@pytest.fixture
def two_nodes():
    """swredisd and redis-server, each reading the same two-node nodes.conf (the other node never answers): their
    clients, once both say cluster_state:ok."""
    other = cluster_port()
    servers = []
    try:
        for kind in ("swredis", "redis"):
            port = cluster_port()
            directory = tempfile.mkdtemp(prefix="swredis-cluster-")
            with open(os.path.join(directory, "nodes.conf"), "w") as f:
                f.write(two_node_conf(port, other))
            servers.append(helpers.start_kind(kind, ["--cluster-enabled", "yes", "--cluster-node-timeout", "60000"],
                                              port=port, dir=directory))
        clients = [s.client() for s in servers]
        for client in clients:
            wait_state(client, "ok")
        yield clients
        for client in clients:
            client.close()
    finally:
        for server in servers:
            server.cleanup()


def test_redirections_follow_nodes_conf_as_redis_does(two_nodes):
    """MOVED for another node's slot, ASK for a migrating slot's missing key, ASKING for an importing slot, TRYAGAIN
    for several keys half there: both servers read the same two-node nodes.conf (the other node never answers)."""
    clients = two_nodes
    high = "foo"  # slot 12182, the other node's
    low = "bar"   # slot 5061, ours
    both(clients, "GET", high)
    both(clients, "SET", low, "1")
    # Sharded pub/sub channels route like keys: MOVED elsewhere, served here, CROSSSLOT across slots.
    both(clients, "SPUBLISH", high, "m")
    both(clients, "SPUBLISH", low, "m")
    both(clients, "SPUBLISH", "{bar}x", "m")
    both(clients, "CLUSTER", "COUNT-FAILURE-REPORTS", OTHER_ID)
    both(clients, "CLUSTER", "REPLICAS", OTHER_ID)
    both(clients, "CLUSTER", "SETSLOT", "12182", "MIGRATING", OTHER_ID)
    both(clients, "CLUSTER", "SETSLOT", "5061", "IMPORTING", OTHER_ID)
    # Migrating slot 5061 out: a present key is served, a missing one is asked elsewhere, a mix is TRYAGAIN.
    both(clients, "CLUSTER", "SETSLOT", "5061", "MIGRATING", OTHER_ID)
    both(clients, "GET", low)
    both(clients, "GET", "{bar}missing")
    both(clients, "MGET", low, "{bar}missing")
    # Importing slot 12182: only after ASKING, and only for that one command.
    both(clients, "CLUSTER", "SETSLOT", "12182", "IMPORTING", OTHER_ID)
    both(clients, "GET", high)
    both(clients, "ASKING")
    both(clients, "GET", high)
    both(clients, "GET", high)
    both(clients, "ASKING")
    both(clients, "MGET", high, "{foo}x")
    # A script's commands inherit the caller's ASKING.
    both(clients, "EVAL", "return redis.call('get', 'foo')", "0")
    both(clients, "ASKING")
    both(clients, "EVAL", "return redis.call('get', 'foo')", "0")
    both(clients, "CLUSTER", "SETSLOT", "12182", "STABLE")
    both(clients, "CLUSTER", "SETSLOT", "5061", "STABLE")
    both(clients, "CLUSTER", "SETSLOT", "5061", "NODE", OTHER_ID)
    both(clients, "DEL", low)
    both(clients, "CLUSTER", "SETSLOT", "5061", "NODE", OTHER_ID)
    both(clients, "GET", low)
    both(clients, "CLUSTER", "FORGET", MY_ID)
    both(clients, "CLUSTER", "SET-CONFIG-EPOCH", "5")


def test_redis_py_cluster_client_works_against_the_node():
    from redis.cluster import RedisCluster
    server = start("swredis")
    try:
        with server.client() as client:
            client.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
            wait_state(client, "ok")
        cluster = RedisCluster(host=helpers.HOST, port=server.port, socket_timeout=5)
        for index in range(200):
            cluster.set(f"key:{index}", index)
        assert [int(cluster.get(f"key:{index}")) for index in range(200)] == list(range(200))
        assert cluster.mget_nonatomic([f"key:{i}" for i in range(10)]) == [str(i).encode() for i in range(10)]
        total = sum(cluster.cluster_countkeysinslot(slot) for slot in
                    {cluster.keyslot(f"key:{index}") for index in range(200)})
        assert total == 200
        cluster.close()
    finally:
        server.cleanup()


def test_scripts_keys_in_cluster_mode_as_redis(two_nodes):
    """A script's keys on a cluster node: `no-cluster` refused, undeclared keys of another slot refused unless the
    script has no shebang or says `allow-cross-slot-keys`, another node's keys and a down cluster refused; functions
    likewise (tests/diff compares the rest of scripting)."""
    library = ("#!lua name=clusterlib\n"
               "redis.register_function('touch', function(keys, args) "
               "return redis.call('set', args[1], '1') end)\n"
               "redis.register_function{function_name='touch_any', callback=function(keys, args) "
               "return redis.call('set', args[1], '1') end, flags={'allow-cross-slot-keys'}}\n"
               "redis.register_function{function_name='local_only', callback=function(keys, args) "
               "return 1 end, flags={'no-cluster'}}")
    clients = two_nodes
    calls = [
        ["EVAL", "#!lua flags=no-cluster\nreturn 1", "0"],
        ["EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "bar"],
        ["EVAL", "redis.call('set', '{bar}a', 'x'); return redis.call('set', '{baz}b', 'y')", "0"],
        ["EVAL", "#!lua\nredis.call('set', '{bar}a', 'x'); return redis.call('set', '{baz}b', 'y')", "0"],
        ["EVAL", "#!lua\nreturn redis.call('set', '{baz}b', 'y')", "1", "{bar}k"],
        ["EVAL", "#!lua\nreturn redis.call('set', '{bar}c', 'y')", "1", "{bar}k"],
        ["EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('set', '{bar}a', 'x'); "
                 "return redis.call('set', '{baz}b', 'y')", "0"],
        ["EVAL", "return redis.call('get', 'foo')", "0"],
        ["EVAL", "return redis.pcall('get', 'foo')", "0"],
        ["EVAL", "return redis.call('get', KEYS[1])", "1", "foo"],
        ["FUNCTION", "LOAD", library],
        ["FCALL", "touch", "0", "{bar}1"],
        ["FCALL", "touch", "1", "{bar}0", "{baz}1"],
        ["FCALL", "touch_any", "1", "{bar}0", "{baz}1"],
        ["FCALL", "local_only", "0"],
        ["FCALL", "touch", "0", "foo"],
        ["CLUSTER", "DELSLOTS", "0"],
    ]
    for call in calls:
        both(clients, *call)
    for client in clients:
        wait_state(client, "fail")
    both(clients, "EVAL", "return redis.call('get', '{bar}a')", "0")
    both(clients, "EVAL", "return redis.call('ping')", "0")


def test_redis_cli_cluster_tools_read_the_node():
    """`redis-cli --cluster check/info/call` and `redis-cli -c` against a one-node cluster."""
    import subprocess
    server = start("swredis")
    try:
        with server.client() as client:
            client.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
            wait_state(client, "ok")
            my_id = client.call("CLUSTER", "MYID").decode()
            client.command("SET", "foo", "bar")
        address = f"{helpers.HOST}:{server.port}"

        def cli(*args):
            return subprocess.run(["redis-cli", *args], capture_output=True, text=True, timeout=30)
        check = cli("--cluster", "check", address)
        assert check.returncode == 0, check.stdout + check.stderr
        assert f"M: {my_id} {address}" in check.stdout
        assert "slots:[0-16383] (16384 slots) master" in check.stdout
        assert "[OK] All 16384 slots covered." in check.stdout
        info = cli("--cluster", "info", address)
        assert f"{address} ({my_id[:8]}...) -> 1 keys | 16384 slots | 0 slaves." in info.stdout
        call = cli("--cluster", "call", address, "DBSIZE")
        assert f"{address}: 1" in call.stdout
        assert cli("-c", "-p", str(server.port), "GET", "foo").stdout.strip() == "bar"
    finally:
        server.cleanup()


def test_announced_address_and_preferred_endpoints_as_redis(two_nodes):
    """cluster-announce-ip / -hostname on myself, and cluster-preferred-endpoint-type in CLUSTER SLOTS and MOVED."""
    clients = two_nodes
    for client in clients:
        assert client.command("CONFIG", "SET", "cluster-announce-ip", "198.18.0.7") == b"+OK\r\n"
        assert client.command("CONFIG", "SET", "cluster-announce-hostname", "node-a") == b"+OK\r\n"

    def normalized(client, *command):
        text = client.command(*command).replace(str(client.port + 10000).encode(), b"BUSPORT")
        return text.replace(str(client.port).encode(), b"PORT")

    def nodes(client):
        text = client.call("CLUSTER", "NODES").decode().replace(str(client.port + 10000), "BUSPORT")
        lines = text.replace(str(client.port), "PORT").splitlines()
        # Redis's pings to the absent node are its own business; the rest must match.
        return sorted(" ".join(fields[:4] + ["0", "0"] + fields[6:]) for fields in (line.split() for line in lines))
    assert nodes(clients[0]) == nodes(clients[1])
    assert any("198.18.0.7:PORT@BUSPORT,node-a " in line for line in nodes(clients[0]))
    for endpoint in ("ip", "hostname", "unknown-endpoint"):
        for client in clients:
            client.command("CONFIG", "SET", "cluster-preferred-endpoint-type", endpoint)
        assert normalized(clients[0], "CLUSTER", "SLOTS") == normalized(clients[1], "CLUSTER", "SLOTS"), endpoint
        both(clients, "GET", "foo")


def test_sharded_pubsub_when_the_cluster_is_down_as_redis(pair):
    """A down cluster (one slot unassigned) still serves SPUBLISH on a covered slot by default, and refuses it with
    cluster-allow-pubsubshard-when-down no, while a read is refused either way."""
    clients = [s.client() for s in pair]
    for client in clients:
        client.call("CLUSTER", "ADDSLOTSRANGE", "0", "16382")
        wait_state(client, "fail")
    both(clients, "SPUBLISH", "news", "hello")
    both(clients, "GET", "news")
    for client in clients:
        assert client.call("CONFIG", "SET", "cluster-allow-pubsubshard-when-down", "no") == b"OK"
    both(clients, "SPUBLISH", "news", "hello")
    both(clients, "CONFIG", "GET", "cluster-allow-pubsubshard-when-down")


def test_losing_a_slot_unsubscribes_its_shard_channels_as_redis(pair):
    """A node that stops serving a slot tells the SSUBSCRIBE clients of its channels with a sunsubscribe message."""
    for server in pair:
        control = server.client()
        control.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
        subscriber = server.client()
        subscriber.send(helpers.encode_command("SSUBSCRIBE", "news"))
        first = subscriber.read_reply()
        assert first == b"*3\r\n$10\r\nssubscribe\r\n$4\r\nnews\r\n:1\r\n", first
        slot = control.call("CLUSTER", "KEYSLOT", "news")
        assert control.call("CLUSTER", "DELSLOTS", str(slot)) == b"OK"
        assert subscriber.read_reply() == b"*3\r\n$12\r\nsunsubscribe\r\n$4\r\nnews\r\n:0\r\n", server


@pytest.mark.parametrize("kind", ["redis", "swredis"])
def test_a_node_that_cannot_save_nodes_conf_exits_as_redis_does(kind):
    """A change that cannot reach nodes.conf (its directory is gone) ends the process with Redis's fatal log line
    rather than serving (and voting with) a state a restart would forget."""
    conf_dir = tempfile.mkdtemp(prefix="swredis-nodes-")
    server = helpers.start_kind(kind, ["--cluster-enabled", "yes", "--cluster-config-file",
                                       os.path.join(conf_dir, "nodes.conf")], port=cluster_port())
    try:
        with server.client() as client:
            assert client.command("CLUSTER", "ADDSLOTS", "1") == b"+OK\r\n"
            for name in os.listdir(conf_dir):
                os.unlink(os.path.join(conf_dir, name))
            os.rmdir(conf_dir)
            client.send(helpers.encode_command("CLUSTER", "ADDSLOTS", "2"))
            assert client.wait_closed(5)
        assert server.proc.wait(timeout=10) == 1
        assert "Fatal: can't update cluster config file." in server.log()
    finally:
        server.cleanup()


def test_what_the_cluster_mode_fuzzer_found_answers_as_redis(pair):
    """Cases tests/test_grammar_fuzz.py's cluster-mode run found: SORT's BY and GET patterns are refused in cluster
    mode (before the key is looked at); an EXEC whose queued keys cross slots is discarded with the CROSSSLOT error
    itself; a transaction doomed by a rejected command queues nothing more, so its EXEC gets EXECABORT whatever
    came after; and key counts are read as Redis's getkeys procedures read them (C's atoi: "+1" is 1)."""
    clients = [server.client() for server in pair]
    for client in clients:
        client.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383")
        wait_state(client, "ok")
    both(clients, "RPUSH", "list", "3", "1", "2")
    sorts = [("SORT", "list", "BY", "w_*"), ("SORT", "list", "BY", "nosort"), ("SORT", "list", "GET", "#"),
             ("SORT", "missing", "GET", "#"), ("SORT_RO", "list", "BY", "w_*"),
             ("SORT", "list", "LIMIT", "x", "1", "GET", "#")]
    for command in sorts:
        both(clients, *command)
    both(clients, "MULTI")
    both(clients, "SET", "a", "1")
    both(clients, "SET", "b", "2")
    assert both(clients, "EXEC").startswith(b"-CROSSSLOT")
    both(clients, "MULTI")
    assert both(clients, "MSET", "a", "1", "b", "2").startswith(b"-CROSSSLOT")
    both(clients, "SET", "a", "1")
    both(clients, "SET", "b", "2")
    assert both(clients, "EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    assert both(clients, "ZUNIONSTORE", "a", "+1", "b").startswith(b"-CROSSSLOT")
    both(clients, "EVAL", "return 1", " 1", "a")
    assert both(clients, "COMMAND", "GETKEYS", "ZINTERSTORE", "dst", "+1", "src")
    both(clients, "COMMAND", "GETKEYSANDFLAGS", "ZINTERSTORE", "dst", "+1", "src")
    both(clients, "LMPOP", "4294967297", "list", "LEFT")
