"""A replica facing a broken master: refused PING, a transfer cut short, a corrupt RDB, an absurd bulk length,
garbage in the stream. The replica must log Redis's reason, keep its dataset, keep serving clients, leave no
temp file behind, and keep retrying. The "master" is a scripted socket server on loopback."""

import glob
import os
import socket
import threading

import persistence_helpers as ph
import repl_helpers as rh

REPLID = "a" * 40


def read_command(conn, buffer):
    """Reads one RESP array of bulk strings; returns (words, rest) or (None, b"") on EOF."""
    while True:
        words = parse(buffer)
        if words is not None:
            return words
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk


def parse(buffer):
    if not buffer.startswith(b"*") or b"\r\n" not in buffer:
        return None
    header, rest = buffer.split(b"\r\n", 1)
    words = []
    for _ in range(int(header[1:])):
        if b"\r\n" not in rest:
            return None
        length_line, rest = rest.split(b"\r\n", 1)
        length = int(length_line[1:])
        if len(rest) < length + 2:
            return None
        words.append(rest[:length].decode())
        rest = rest[length + 2:]
    return words, rest


class FakeMaster:
    """Accepts replica connections and plays `script(conn)` after answering the handshake."""

    def __init__(self, on_psync, ping_reply=b"+PONG\r\n"):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.on_psync = on_psync
        self.ping_reply = ping_reply
        self.connections = 0
        self.psyncs = []
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            self.connections += 1
            conn.settimeout(5)
            try:
                self.handle(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def handle(self, conn):
        buffer = b""
        while True:
            words, buffer = read_command(conn, buffer)
            if words is None:
                return
            name = words[0].upper()
            if name == "PING":
                conn.sendall(self.ping_reply)
                if self.ping_reply.startswith(b"-"):
                    return
            elif name == "REPLCONF":
                conn.sendall(b"+OK\r\n")
            elif name == "PSYNC":
                self.psyncs.append(words[1:])
                self.on_psync(conn)
                return

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.listener.close()


def start_replica_of_fake(procs, fake, tmp_path):
    directory = tmp_path / "replica"
    directory.mkdir(exist_ok=True)
    return rh.start(procs, "swredis", ["--replicaof", "127.0.0.1", fake.port], dir=str(directory))


def assert_still_serving(replica, link_down=True):
    with replica.client() as c:
        assert c.command("PING") == b"+PONG\r\n"
        assert ph.call(c, "DBSIZE") == 0
    assert replica.alive()
    if link_down:
        assert rh.replication(replica)["master_link_status"] == "down"
    assert glob.glob(os.path.join(replica.dir, "temp-*.rdb")) == []


def run_case(procs, tmp_path, on_psync, expected_log, ping_reply=b"+PONG\r\n", link_down=True):
    fake = FakeMaster(on_psync, ping_reply=ping_reply)
    try:
        replica = start_replica_of_fake(procs, fake, tmp_path)
        ph.wait_for(lambda: expected_log in replica.log(), what=repr(expected_log))
        # It retries once a second.
        ph.wait_for(lambda: fake.connections >= 2, timeout=10, what="a second attempt")
        assert_still_serving(replica, link_down)
        return fake, replica
    finally:
        fake.close()


def test_refused_ping(procs, tmp_path):
    run_case(procs, tmp_path, lambda conn: None, "Error reply to PING from master: '-ERR go away'",
             ping_reply=b"-ERR go away\r\n")


def test_transfer_cut_short(procs, tmp_path):
    def cut(conn):
        conn.sendall(f"+FULLRESYNC {REPLID} 0\r\n$1000\r\n".encode() + b"REDIS0010" + b"x" * 100)
    fake, _ = run_case(procs, tmp_path, cut, "MASTER <-> REPLICA sync: receiving 1000 bytes from master to disk")
    assert fake.psyncs[0] == ["?", "-1"]


def test_corrupt_rdb_keeps_the_old_dataset(procs, tmp_path):
    payload = b"REDIS0010" + b"\xfe\x00\xfb\x01\x00" + b"garbage!" * 4

    def corrupt(conn):
        conn.sendall(f"+FULLRESYNC {REPLID} 0\r\n${len(payload)}\r\n".encode() + payload)
    run_case(procs, tmp_path, corrupt, "Failed trying to load the MASTER synchronization DB from disk")


def test_absurd_bulk_length(procs, tmp_path):
    def absurd(conn):
        conn.sendall(f"+FULLRESYNC {REPLID} 0\r\n$99999999999999999999999\r\n".encode())
    run_case(procs, tmp_path, absurd, "Bad protocol from MASTER: bad bulk length")


def test_garbage_after_a_good_sync(procs, tmp_path):
    empty_rdb = bytes.fromhex("524544495330303130ff") + b"\x00" * 8  # REDIS0010, EOF, no checksum

    def garbage(conn):
        conn.sendall(f"+FULLRESYNC {REPLID} 0\r\n${len(empty_rdb)}\r\n".encode() + empty_rdb)
        # The replica acknowledges once it loaded; then the stream turns into garbage.
        conn.recv(1024)
        conn.sendall(b"*1\r\n$3\r\nabc\r\n*x\r\n")
    run_case(procs, tmp_path, garbage, "Protocol error from MASTER", link_down=False)


def test_unexpected_psync_reply(procs, tmp_path):
    run_case(procs, tmp_path, lambda conn: conn.sendall(b"-ERR unknown command 'PSYNC'\r\n"),
             "Unexpected reply to PSYNC from master: -ERR unknown command 'PSYNC'")
