"""MIGRATE and RESTORE of large keys, which swredisd moves off its engine thread (Redis stalls the whole server for
them): while a large key is in flight the source serves every other client and reads of the key, holds writes to
it until the move is done, and answers the MIGRATE only then; the target decodes a large RESTORE payload in the
background. The results — what the target holds, what the replicas of both sides hold, the errors — are checked
against real peers of both kinds."""

import select
import socket
import threading

import pytest

import helpers
import persistence_helpers as ph
import repl_helpers as rh

pytestmark = pytest.mark.skipif(helpers.swredis_unavailable_reason() is not None,
                                reason=str(helpers.swredis_unavailable_reason()))

# Past swredisd's thresholds (10,000 elements; a 256 KB payload) and small enough to fill in a blink.
MEMBERS = 20_000


class HeldTarget:
    """MIGRATE's target played by the test over a real socket: it records every command of every connection and
    answers each with +OK only once `release` is set, so the test can look at the source mid-transfer."""

    def __init__(self):
        self.listener = socket.create_server((helpers.HOST, 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.release = threading.Event()
        self.closing = threading.Event()
        self.connections = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while not self.closing.is_set():
            try:
                connection, _ = self.listener.accept()
            except socket.timeout:
                continue
            commands = []
            self.connections.append(commands)
            thread = threading.Thread(target=self._serve, args=(connection, commands), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection, commands):
        connection.settimeout(30)
        replier = threading.Thread(target=self._reply, args=(connection, commands), daemon=True)
        self.threads.append(replier)
        replier.start()
        reader = helpers.RespReader(connection)
        try:
            while not self.closing.is_set():
                commands.append(reader.read().value())
        except (helpers.ConnectionClosed, OSError):
            pass

    def _reply(self, connection, commands):
        """Once released, +OK for every command read, in order, as they come."""
        answered = 0
        with connection:
            if not self.release.wait(30):
                return
            try:
                while not self.closing.wait(0.005):
                    while answered < len(commands):
                        connection.sendall(b"+OK\r\n")
                        answered += 1
            except OSError:
                return

    def commands(self, name):
        return [command for connection in self.connections for command in list(connection)
                if command and command[0].upper() == name.encode()]

    def close(self):
        self.closing.set()
        self.release.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.listener.close()


def fill_set(client, key, count, start=0):
    batch = 1000
    commands = [helpers.encode_command("SADD", key, *[f"member:{v:08d}" for v in range(first, min(first + batch, count))])
                for first in range(start, count, batch)]
    client.send(b"".join(commands))
    for _ in commands:
        client.read_reply()


def fill_hash(client, key, count):
    batch = 1000
    commands = []
    for first in range(0, count, batch):
        pairs = [x for v in range(first, min(first + batch, count)) for x in (f"field:{v}", f"value:{v}")]
        commands.append(helpers.encode_command("HSET", key, *pairs))
    client.send(b"".join(commands))
    for _ in commands:
        client.read_reply()


def no_reply_within(client, seconds):
    """True when nothing arrives on the client's socket for `seconds`."""
    if client.pending():
        return False
    readable, _, _ = select.select([client.sock], [], [], seconds)
    return not readable


def scard_of_restored(payload):
    """Restores a payload the source sent in a real redis-server and counts its members (proves it is a valid
    DUMP of the whole set)."""
    with helpers.start_kind("redis") as redis, redis.client() as c:
        assert c.command("RESTORE", "k", "0", payload) == b"+OK\r\n"
        return c.call("SCARD", "k")


@pytest.fixture
def held_target():
    target = HeldTarget()
    yield target
    target.close()


def test_a_large_key_in_flight_leaves_the_source_serving_and_holds_writes_to_it(held_target):
    with helpers.start_swredis() as source, source.client(timeout=10) as migrating, \
            source.client(timeout=10) as other, source.client(timeout=10) as writer:
        fill_set(other, "bigset", MEMBERS)
        other.call("SET", "counter", "1")
        migrating_id = migrating.call("CLIENT", "ID")
        migrating.send(helpers.encode_command("MIGRATE", helpers.HOST, str(held_target.port), "bigset", "0", "20000")
                       + helpers.encode_command("PING"))
        ph.wait_for(lambda: held_target.commands("RESTORE"), timeout=10, what="the RESTORE on the target")
        # The source serves everyone else meanwhile, reads of the moving key included.
        assert other.command("PING") == b"+PONG\r\n"
        assert other.call("SCARD", "bigset") == MEMBERS
        assert other.command("INCR", "counter") == b":2\r\n"
        # A write to the moving key waits; so do a command that may write without naming keys and the caller's next.
        writer.send(helpers.encode_command("SADD", "bigset", "added-meanwhile"))
        keyless = source.client(timeout=10)
        keyless.send(helpers.encode_command("PUBLISH", "channel", "message"))
        assert no_reply_within(keyless, 0.05)
        assert no_reply_within(writer, 0.3)
        assert no_reply_within(migrating, 0.05)
        # The caller is not blocked in CLIENT UNBLOCK's sense (Redis runs MIGRATE inline).
        assert other.call("CLIENT", "UNBLOCK", str(migrating_id)) == 0
        held_target.release.set()
        assert migrating.read_reply() == b"+OK\r\n"
        assert migrating.read_reply() == b"+PONG\r\n"
        # The held SADD ran after the key had left: it made a new one-member set.
        assert writer.read_reply() == b":1\r\n"
        assert keyless.read_reply() == b":0\r\n"
        keyless.close()
        assert other.call("SMEMBERS", "bigset") == [b"added-meanwhile"]
    select_command, restore = held_target.connections[0][:2]
    assert select_command == [b"SELECT", b"0"]
    assert restore[:3] == [b"RESTORE", b"bigset", b"0"] and len(restore) == 4
    assert scard_of_restored(restore[3]) == MEMBERS


def test_a_key_a_script_changed_in_flight_is_sent_again_with_replace(held_target):
    """A script that declares another key but writes the moving one is not held; the change is not lost: the key's
    current value goes to the target again (RESTORE ... REPLACE) before MIGRATE answers."""
    with helpers.start_swredis() as source, source.client(timeout=10) as migrating, source.client() as other:
        fill_set(other, "bigset", MEMBERS)
        migrating.send(helpers.encode_command("MIGRATE", helpers.HOST, str(held_target.port), "bigset", "0", "20000"))
        ph.wait_for(lambda: held_target.commands("RESTORE"), timeout=10, what="the RESTORE on the target")
        assert other.call("EVAL", "return redis.call('sadd', 'bigset', 'late')", "1", "elsewhere") == 1
        held_target.release.set()
        assert migrating.read_reply() == b"+OK\r\n"
        assert other.call("EXISTS", "bigset") == 0
    restores = held_target.commands("RESTORE")
    assert len(restores) == 2 and len(held_target.connections) == 2
    assert restores[1][4:] == [b"REPLACE"]
    assert scard_of_restored(restores[0][3]) == MEMBERS
    assert scard_of_restored(restores[1][3]) == MEMBERS + 1


@pytest.mark.parametrize("source_kind,target_kind", [("swredis", "swredis"), ("swredis", "redis"),
                                                     ("redis", "swredis")])
def test_large_keys_move_whole_to_the_target_and_its_replica(source_kind, target_kind):
    procs = []
    try:
        source = rh.start(procs, source_kind)
        target = rh.start(procs, target_kind)
        source_replica = rh.start_replica(procs, source_kind, source)
        target_replica = rh.start_replica(procs, target_kind, target)
        rh.wait_link_up(source_replica)
        rh.wait_link_up(target_replica)
        keys = ["bigset", "bighash", "small"]
        with source.client(timeout=30) as c:
            fill_set(c, "bigset", MEMBERS)
            fill_hash(c, "bighash", MEMBERS)
            c.call("SET", "small", "v")
            c.call("PEXPIRE", "bighash", "3600000")
            digests = ph.digest_values(c, keys)
            reply = c.command("MIGRATE", helpers.HOST, str(target.port), "", "0", "20000", "KEYS", *keys)
            assert reply == b"+OK\r\n"
            assert c.call("EXISTS", *keys) == 0
        rh.wait_in_sync(source, source_replica)
        rh.wait_in_sync(target, target_replica)
        for server in (target, target_replica):
            with server.client() as c:
                assert ph.digest_values(c, keys) == digests
                assert 0 < c.call("PTTL", "bighash") <= 3600000
                assert c.call("TTL", "bigset") == -1
        with source_replica.client() as c:
            assert c.call("EXISTS", *keys) == 0
    finally:
        for proc in procs:
            proc.cleanup()


def test_a_large_restore_answers_as_redis_does():
    """RESTORE of a large payload (decoded in the background by swredisd): the same replies as redis-server for a
    good payload with a TTL, a corrupted one, an existing key, REPLACE, and a TTL already past."""
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind) as server, server.client(timeout=30) as c:
            fill_set(c, "source", MEMBERS)
            payload = c.call("DUMP", "source")
            corrupted = payload[:len(payload) // 2] + bytes([payload[len(payload) // 2] ^ 0xFF]) + \
                payload[len(payload) // 2 + 1:]
            transcripts[kind] = [
                c.command("RESTORE", "copy", "100000", payload),
                c.call("SCARD", "copy"), 0 < c.call("PTTL", "copy") <= 100000,
                c.command("RESTORE", "copy", "0", payload),
                c.command("RESTORE", "copy", "0", corrupted, "REPLACE"),
                c.command("RESTORE", "copy", "0", payload, "REPLACE", "ABSTTL"),
                c.call("TTL", "copy"),
                c.command("RESTORE", "copy", "1", payload, "REPLACE", "ABSTTL"),
                c.call("EXISTS", "copy"),
                c.command("RESTORE", "copy", "0", payload, "BOGUS"),
            ]
    assert transcripts["swredis"] == transcripts["redis"]
    assert transcripts["swredis"][4].startswith(b"-ERR DUMP payload version or checksum are wrong")
