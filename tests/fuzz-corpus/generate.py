#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (`make fuzz`, Sources/swredis-fuzz) into this directory:

  resp/    RESP requests: multibulk, inline, pipelines, empty and null counts
  rdb/     tiny RDB files, one per value encoding (tests/rdbgen.py), one written by redis-server when it is
           installed, and `payload-*`: a serialized value (type byte + value) as RESTORE takes it, without the
           version/CRC footer, which the harness appends
  aof/     AOF manifests and command streams (what AOFReplay runs)
  config/  redis.conf snippets and `name value` lines for CONFIG SET
  reply/   replies from a peer: a master's handshake, RESP3 types, nested aggregates
  cluster/ cluster-bus frames: PING/PONG/MEET with gossip and the hostname extension, FAIL, PUBLISH, UPDATE,
           FAILOVER_AUTH_REQUEST, from the sender the harness knows (`a` * 40)

The files are committed; run this again (`python3 tests/fuzz-corpus/generate.py`) only to change the seeds.
Regression inputs (`regression-*`, minimal reproducers of fixed findings) are written by hand and kept.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import rdbgen  # noqa: E402


def resp(*words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w if isinstance(w, bytes) else w.encode()
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


SAMPLE_VALUES = {
    "string": b"hello",
    "string-int": 12345,
    "list": [b"a", b"bb", b"12"],
    "set": [b"x", b"y", b"7"],
    "zset": {b"m": 1.5, b"n": -2},
    "zset2": {b"m": 1.5, b"n": float("inf")},
    "hash": {b"f": b"v", b"g": b"1"},
    "hash_zipmap": {b"f": b"v", b"gg": b"ww"},
    "list_ziplist": [b"a", 5, -300, 70000, 1 << 40, b"x" * 70],
    "set_intset": [1, 2, 300],
    "zset_ziplist": {b"a": 1, b"b": 2.5},
    "hash_ziplist": {b"f": b"v", b"n": 12},
    "list_quicklist": [[b"a", 1], [b"b", 2]],
    "hash_listpack": {b"f": b"v", b"n": 4095, b"big": b"y" * 80},
    "zset_listpack": {b"a": 1, b"b": -2.25},
    "list_quicklist2": [("packed", [b"a", 7, -1]), ("plain", b"p" * 20)],
}


def encoding_of(name):
    return "string" if name == "string-int" else name


def rdb_seeds():
    for name, data in SAMPLE_VALUES.items():
        enc = encoding_of(name)
        w = rdbgen.RDBWriter(version=10)
        w.aux("redis-ver", "7.0.15").select_db(0).resize_db(1, 0)
        w.key("k", enc, data)
        write("rdb", "file-%s.rdb" % name, w.finish())
        payload = bytes([rdbgen.ENCODINGS[enc][0]]) + rdbgen.encode_value(enc, data)
        write("rdb", "payload-%s" % name, payload)
    # LZF-compressed blobs and strings.
    w = rdbgen.RDBWriter(version=10)
    w.key("s", "string", b"abcabcabcabcabcabcabcabcabcabc" * 3, enc="lzf")
    w.key("l", "list_quicklist2", [("packed", [b"abcdabcdabcdabcdabcdabcd"] * 4)], lzf_nodes={0})
    write("rdb", "file-lzf.rdb", w.finish())
    write("rdb", "payload-lzf", bytes([0]) + rdbgen.rdb_string(b"xyzxyzxyzxyzxyzxyzxyzxyzxyzxyz", "lzf"))
    # Metadata opcodes: expiries (ms and s), IDLE, FREQ, two databases, AUX of every kind, old versions.
    w = rdbgen.RDBWriter(version=9)
    w.aux("ctime", "1700000000").aux("used-mem", "1048576").aux("aof-base", "0")
    w.select_db(0).resize_db(3, 2)
    w.key("e1", "string", b"v", expire_ms=4102444800000)
    w.key("e2", "string", b"v", expire_s=2000000000)
    w.key("i", "string", b"v", idle=100)
    w.select_db(3)
    w.key("f", "string", b"v", freq=5)
    write("rdb", "file-meta-v9.rdb", w.finish())
    w = rdbgen.RDBWriter(version=6)
    w.key("z", "zset", {b"a": 1}).key("q", "list_quicklist", [[b"a"]])
    write("rdb", "file-v6.rdb", w.finish())
    write("rdb", "file-v3-nocrc.rdb", rdbgen.RDBWriter(version=3).key("k", "hash_zipmap", {b"a": b"b"}).finish())
    write("rdb", "file-empty.rdb", rdbgen.RDBWriter(version=10).finish())
    write("rdb", "file-zero-checksum.rdb", rdbgen.RDBWriter(version=10, checksum=False).key("k", "string", b"v").finish())
    redis_rdb()


def redis_rdb():
    """A file Redis 7.0 writes itself: every type, small (listpack/intset) and larger encodings."""
    server = shutil.which("redis-server")
    cli = shutil.which("redis-cli")
    if not server or not cli:
        print("redis-server/redis-cli not found: rdb/redis-7.0.rdb kept as it is")
        return
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "redis.sock")
        proc = subprocess.Popen([server, "--port", "0", "--unixsocket", sock, "--dir", tmp, "--save", "",
                                 "--appendonly", "no", "--hash-max-listpack-entries", "4",
                                 "--zset-max-listpack-entries", "4", "--set-max-intset-entries", "4",
                                 "--list-max-listpack-size", "4"], stdout=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)

            def cli_run(*args):
                subprocess.run([cli, "-s", sock] + list(args), check=True, stdout=subprocess.DEVNULL)

            cli_run("SET", "str", "hello")
            cli_run("SET", "int", "123456")
            cli_run("SET", "long", "a" * 60, "PX", "100000000")
            cli_run("RPUSH", "list", "a", "1", "b")
            cli_run("RPUSH", "biglist", *[str(i) * 3 for i in range(10)])
            cli_run("SADD", "iset", "1", "2", "3")
            cli_run("SADD", "set", "a", "b")
            cli_run("SADD", "bigiset", *[str(i) for i in range(6)])
            cli_run("HSET", "hash", "f", "v", "n", "1")
            cli_run("HSET", "bighash", *[x for i in range(6) for x in ("f%d" % i, "v%d" % i)])
            cli_run("ZADD", "zset", "1", "a", "2.5", "b")
            cli_run("ZADD", "bigzset", *[x for i in range(6) for x in (str(i / 3), "m%d" % i)])
            cli_run("SELECT", "1")
            cli_run("-n", "1", "SET", "db1", "x")
            cli_run("SAVE")
            with open(os.path.join(tmp, "dump.rdb"), "rb") as f:
                write("rdb", "redis-7.0.rdb", f.read())
        finally:
            proc.terminate()
            proc.wait()


def resp_seeds():
    write("resp", "set", resp("SET", "key", "value"))
    write("resp", "pipeline", resp("MULTI") + resp("INCR", "n") + resp("EXEC") + resp("GET", "n"))
    write("resp", "inline", b"SET k \"a b\\x41\\n\" 'c d'\r\nPING\n")
    write("resp", "empty-and-null", b"*0\r\n*-1\r\n\r\n" + resp("PING"))
    write("resp", "binary", resp(b"SET", b"\x00\xff\r\n", b"$3\r\n"))
    write("resp", "eleven-args", resp(*["a"] * 11))
    write("resp", "partial", resp("SET", "k", "v")[:-3])


def aof_seeds():
    write("aof", "manifest", "file appendonly.aof.1.base.rdb seq 1 type b\n"
                             "file appendonly.aof.1.incr.aof seq 1 type i\n"
                             "file appendonly.aof.2.incr.aof seq 2 type i\n")
    write("aof", "manifest-quoted", "# comment\nfile \"name with space\" seq 3 type b\n"
                                    "file old.aof seq 1 type h\nfile \"x\\ty\" seq 10 type i extra value\n")
    dump = rdbgen.dump_payload("hash_listpack", {b"f": b"v", b"n": 7})
    write("aof", "commands", resp("SELECT", "0") + resp("SET", "k", "v") + resp("RPUSH", "l", "a", "b")
          + resp("SADD", "s", "1", "2") + resp("HSET", "h", "f", "v") + resp("ZADD", "z", "1", "m")
          + resp("PEXPIREAT", "k", "4102444800000") + resp("INCRBYFLOAT", "f", "1.5"))
    write("aof", "transaction", resp("MULTI") + resp("SET", "a", "1") + resp("LPUSH", "l", "x")
          + resp("EXEC") + resp("MULTI") + resp("SET", "b", "2"))
    write("aof", "restore", resp("RESTORE", "r", "0", dump) + resp("SELECT", "3") + resp("SWAPDB", "0", "3")
          + resp("RENAME", "r", "r2") + resp("SETRANGE", "r3", "10", "x") + resp("SORT", "l", "STORE", "d"))


def config_seeds():
    write("config", "redis.conf", "# a redis.conf\nport 6380\nbind 127.0.0.1 -::1\nsave 900 1 300 10\nsave \"\"\n"
                                  "maxmemory 100mb\nmaxmemory-policy allkeys-lru\nappendonly yes\n"
                                  "appendfilename \"app.aof\"\nrequirepass \"pa ss\"\n"
                                  "rename-command CONFIG \"\"\nclient-output-buffer-limit replica 256mb 64mb 60\n"
                                  "notify-keyspace-events KEA\nloglevel verbose\nreplicaof 198.18.0.1 6379\n")
    write("config", "config-set", "maxmemory 1gb\nhz 20\nsave 3600 1\nnotify-keyspace-events Ex\n"
                                  "appendfsync always\nslowlog-log-slower-than -1\nunixsocketperm 700\n"
                                  "client-output-buffer-limit normal 0 0 0 pubsub 32mb 8mb 60\n")
    write("config", "bad-quotes", "dir \"/tmp\nport abc\n")


def reply_seeds():
    write("reply", "handshake", b"-NOAUTH Authentication required.\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n"
                                b"+FULLRESYNC " + b"a" * 40 + b" 1234\r\n")
    write("reply", "continue", b"+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+CONTINUE " + b"b" * 40 + b"\r\n")
    write("reply", "resp3", b"%2\r\n+server\r\n$5\r\nredis\r\n+proto\r\n:3\r\n~2\r\n#t\r\n,1.5e10\r\n"
                            b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n=8\r\ntxt:body\r\n(12345678901234567890\r\n"
                            b"_\r\n!5\r\nERR x\r\n|1\r\n+k\r\n:1\r\n")
    write("reply", "nested", b"*2\r\n*2\r\n$-1\r\n*-1\r\n*1\r\n*0\r\n$0\r\n\r\n")
    write("reply", "header", b"$EOF:" + b"c" * 40)


def bus_frame(kind, body=b"", count=0, extensions=0, flags=1, master=b"", mflags=0, slots=b""):
    """One clusterMsg as Redis 7.0 lays it out (cluster.h): the 2256-byte header, then `body`."""
    import struct
    header = bytearray(2256)
    header[0:4] = b"RCmb"
    struct.pack_into(">IHHHH", header, 4, 2256 + len(body), 1, 7000, kind, count)
    struct.pack_into(">QQQ", header, 16, 5, 3, 1000)
    header[40:80] = b"a" * 40
    header[80:80 + len(slots)] = slots
    header[2128:2128 + len(master)] = master
    header[2168:2177] = b"127.0.0.1"
    struct.pack_into(">H", header, 2214, extensions)
    struct.pack_into(">HHHBB", header, 2246, 0, 17000, flags, 0, mflags)
    return bytes(header) + body


def cluster_seeds():
    import struct

    def gossip(name, flags):
        entry = bytearray(104)
        entry[0:40] = name * 40
        struct.pack_into(">II", entry, 40, 1, 2)
        entry[48:57] = b"127.0.0.1"
        struct.pack_into(">HHHH", entry, 94, 7001, 17001, flags, 0)
        return bytes(entry)

    hostname = b"node-a.example\0\0"
    extension = struct.pack(">IHH", 8 + len(hostname), 0, 0) + hostname
    write("cluster", "ping", bus_frame(0, gossip(b"b", 1) + gossip(b"c", 5) + extension, count=2, extensions=1,
                                       mflags=4, slots=b"\xff" * 12))
    write("cluster", "meet", bus_frame(2, gossip(b"d", 2), count=1))
    write("cluster", "pong-replica", bus_frame(1, flags=2, master=b"b" * 40))
    write("cluster", "fail", bus_frame(3, b"b" * 40))
    write("cluster", "publish", bus_frame(4, struct.pack(">II", 4, 5) + b"newshello"))
    write("cluster", "update", bus_frame(7, struct.pack(">Q", 9) + b"b" * 40 + b"\x0f" * 2048))
    write("cluster", "auth-request", bus_frame(5, flags=2, master=b"b" * 40, mflags=2))
    write("cluster", "two-frames", bus_frame(0) + bus_frame(6))


if __name__ == "__main__":
    resp_seeds()
    rdb_seeds()
    aof_seeds()
    config_seeds()
    reply_seeds()
    cluster_seeds()
