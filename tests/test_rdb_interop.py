"""RDB persistence interoperability: swredis vs Debian's redis-server 7.0.

Every test that takes `kind` runs against "redis" (the reference) and
"swredis"; Redis's own behaviour is the specification, so each assertion must
hold for both.  The files come from three independent sources:

  * tests/rdbgen.py  -- our own writer, covering every encoding Redis ever used
                        (zipmap, ziplist, intset, quicklist v1/v2, listpack ...)
  * redis-server     -- a rich dataset saved by the reference
  * the tested server -- what it saves must satisfy redis-check-rdb and load
                        into redis-server with the same DEBUG DIGEST

Sections: (a) rdbgen fixtures, (b) redis-written file, (c) files written by
the tested server, (d) DUMP/RESTORE, (e) corrupt files, (f) SAVE/BGSAVE/save
points/SHUTDOWN/SIGTERM/MISCONF/INFO persistence.
"""

import os
import shutil
import stat
import struct
import time

import pytest

import helpers
import persistence_helpers as ph
import rdbgen

KINDS = ["redis", "swredis"]




def start(procs, kind, dir, **kw):
    s = ph.start_on_file(kind, str(dir), **kw)
    procs.append(s)
    return s


# ==========================================================================
# (a) rdbgen fixtures: every encoding, several dbs, expiries
# ==========================================================================

@pytest.fixture(scope="module")
def fixtures():
    return rdbgen.build_fixtures()


@pytest.fixture(scope="module")
def fixture_reference(fixtures, tmp_path_factory):
    """name -> what redis-server (with deep payload sanitization) sees in it."""
    cache = {}

    def get(name):
        if name not in cache:
            d = tmp_path_factory.mktemp("ref-" + name)
            path = ph.write_file(str(d / "dump.rdb"), fixtures[name].data)
            cache[name] = ph.redis_reference(path, extra_args=["--sanitize-dump-payload", "yes"])
        return cache[name]
    return get


FIXTURE_NAMES = ["v6-legacy", "v9-quicklist", "v10-all", "v10-nocrc", "v10-idle-freq"]


def test_rdbgen_selftest():
    """CRC-64 check value, LZF round trips, every fixture parses back."""
    rdbgen.selftest()


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_rdbgen_fixture_passes_redis_check_rdb(name, fixtures, tmp_path):
    path = ph.write_file(str(tmp_path / (name + ".rdb")), fixtures[name].data)
    rc, out = ph.redis_check_rdb(path)
    assert rc == 0, out
    assert "RDB looks OK" in out, out
    fx = fixtures[name]
    n_expired = sum(len(v) for v in fx.expired.values())
    n_keys = sum(len(v) for v in fx.expected.values()) + n_expired
    assert f"[info] {n_keys} keys read" in out, out
    assert f"[info] {n_expired} already expired" in out, out


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("kind", KINDS)
def test_load_rdbgen_fixture(kind, name, fixtures, fixture_reference, procs, tmp_path):
    fx = fixtures[name]
    s = start(procs, kind, tmp_path, data=fx.data)
    now = int(time.time() * 1000)
    with s.client() as c:
        if name == "v10-idle-freq":
            # default maxmemory-policy (noeviction) tracks LRU: the IDLE opcode applies
            # (checked first: reading a value resets its idle time)
            assert 3600 <= ph.call(c, "OBJECT", "IDLETIME", "idle") < 3700
            assert 5 <= ph.call(c, "OBJECT", "IDLETIME", "both") < 100
            assert ph.call(c, "OBJECT", "IDLETIME", "freq") < 100
        sizes = ph.dbsizes(c)
        assert sizes == {db: len(fx.expected.get(db, {})) for db in ph.DBS}
        for db, keys in fx.expected.items():
            ph.ok(c, "SELECT", db)
            for key, (kind_, value, at) in keys.items():
                got = ph.read_value(c, key)
                assert got == ph.expected_form(kind_, value, at), (db, key)
                pttl = ph.call(c, "PTTL", key)
                if at is None:
                    assert pttl == -1, (db, key)
                else:
                    assert abs(pttl - (at - now)) < 10_000, (db, key, pttl)
            for key in fx.expired.get(db, []):
                assert ph.call(c, "EXISTS", key) == 0, (db, key)
        ph.ok(c, "SELECT", 0)
        assert ph.digest(c) == fixture_reference(name)["digest"]


@pytest.mark.parametrize("kind", KINDS)
def test_load_fixture_freq_opcode_under_lfu(kind, fixtures, procs, tmp_path):
    s = start(procs, kind, tmp_path, data=fixtures["v10-idle-freq"].data,
              extra_args=["--maxmemory-policy", "allkeys-lfu"])
    with s.client() as c:
        assert ph.call(c, "OBJECT", "FREQ", "freq") == 7
        assert ph.call(c, "GET", "freq") == b"lfu"


@pytest.mark.parametrize("kind", KINDS)
def test_restore_rdbgen_payloads(kind, fixtures, procs, tmp_path):
    """Every value of every fixture as a DUMP payload (with the fixture's RDB
    version in the footer) restores to the right value, with the same
    DEBUG DIGEST-VALUE as in redis-server."""
    ref = start(procs, "redis", tmp_path / "ref")
    s = start(procs, kind, tmp_path / "tested")
    cmds, expected = [], []
    for name in ("v6-legacy", "v9-quicklist", "v10-all"):
        fx = fixtures[name]
        for i, (key, encoding, data, opts) in enumerate(fx.dumps):
            k = b"%s/%d/%s" % (name.encode(), i, key)
            payload = rdbgen.dump_payload(encoding, data, version=fx.w.version, **opts)
            cmds.append(("RESTORE", k, 0, payload))
            expected.append((k, rdbgen.logical_value(encoding, data)))
    keys = [k for k, _ in expected]
    with ref.client() as rc, s.client() as c:
        assert ph.pipeline(rc, cmds) == [b"OK"] * len(cmds)
        assert ph.pipeline(c, cmds) == [b"OK"] * len(cmds)
        for k, (kind_, value) in expected:
            assert ph.read_value(c, k) == ph.expected_form(kind_, value, None), k
        assert ph.digest_values(c, keys) == ph.digest_values(rc, keys)
        assert ph.digest(c) == ph.digest(rc)


# ==========================================================================
# (b) a rich dataset saved by redis-server, loaded by the tested server
# ==========================================================================

@pytest.fixture(scope="module")
def base_ms():
    return int(time.time() * 1000)


@pytest.fixture(scope="module")
def redis_saved(tmp_path_factory, base_ms):
    """The rich dataset built on redis-server and SAVEd: {"path", "digest",
    "dbsizes", "contents"}."""
    d = tmp_path_factory.mktemp("redis-saved")
    s = ph.start_on_file("redis", str(d))
    try:
        with s.client() as c:
            ph.apply_commands(c, ph.dataset_commands(base_ms))
            assert ph.call(c, "SAVE") == b"OK"
            out = {"digest": ph.digest(c), "dbsizes": ph.dbsizes(c), "contents": ph.contents(c)}
    finally:
        s.stop()
    path = str(d / "saved.rdb")
    shutil.copyfile(str(d / "dump.rdb"), path)
    out["path"] = path
    return out


def test_redis_dataset_exercises_every_writer_encoding(redis_saved):
    """Sanity check of the dataset itself (and of rdbgen's reader): the file
    redis-server wrote uses every type a 7.0 writer emits, including plain
    quicklist nodes, and parses to what the server held."""
    with open(redis_saved["path"], "rb") as f:
        data = f.read()
    parsed = rdbgen.parse_rdb(data)
    assert parsed["version"] == 10
    types = {k["type"] for k in parsed["keys"]}
    assert types >= {rdbgen.TYPE_STRING, rdbgen.TYPE_SET, rdbgen.TYPE_HASH, rdbgen.TYPE_ZSET_2,
                     rdbgen.TYPE_SET_INTSET, rdbgen.TYPE_HASH_LISTPACK, rdbgen.TYPE_ZSET_LISTPACK,
                     rdbgen.TYPE_LIST_QUICKLIST_2}, types
    containers = {c for k in parsed["keys"] for c in k["meta"].get("containers", [])}
    assert containers == {rdbgen.QUICKLIST_PLAIN, rdbgen.QUICKLIST_PACKED}
    _assert_parsed_matches(parsed, redis_saved["contents"])


def _assert_parsed_matches(parsed, contents):
    seen = {}
    for k in parsed["keys"]:
        seen.setdefault(k["db"], {})[k["key"]] = ph.expected_form(k["kind"], k["value"], k["expire_ms"])
    assert seen == contents


@pytest.mark.parametrize("kind", KINDS)
def test_load_redis_written_dataset(kind, redis_saved, procs, tmp_path):
    s = start(procs, kind, tmp_path, src=redis_saved["path"])
    with s.client() as c:
        assert ph.dbsizes(c) == redis_saved["dbsizes"]
        assert ph.digest(c) == redis_saved["digest"]
        assert ph.contents(c, ph.DATASET_DBS) == redis_saved["contents"]
        # a few spot checks written out explicitly
        assert ph.call(c, "GET", "s:int:-9223372036854775808") == b"-9223372036854775808"
        assert ph.call(c, "LINDEX", "l:huge", 1) == b"H" * 10_000
        assert ph.call(c, "ZSCORE", "z:small", "pinf") == b"inf"
        assert ph.call(c, "ZSCORE", "z:small", "minf") == b"-inf"
        assert ph.call(c, "SCARD", "set:big-ints") == 600
        assert ph.call(c, "PEXPIRETIME", "e:list") > 0


# ==========================================================================
# (c) files written by the tested server
# ==========================================================================

REDIS_70_AUX = {b"redis-ver", b"redis-bits", b"ctime", b"used-mem", b"aof-base"}


@pytest.mark.parametrize("kind", KINDS)
def test_saved_file_readable_by_redis(kind, procs, tmp_path, base_ms, redis_saved):
    s = start(procs, kind, tmp_path / "w")
    with s.client() as c:
        ph.apply_commands(c, ph.dataset_commands(base_ms))
        assert ph.call(c, "SAVE") == b"OK"
        dig = ph.digest(c)
        assert dig == redis_saved["digest"]
        mine = ph.contents(c)
        assert mine == redis_saved["contents"]
        path = os.path.join(s.dir, "dump.rdb")

        rc, out = ph.redis_check_rdb(path)
        assert rc == 0, out
        assert "RDB looks OK" in out, out
        with open(path, "rb") as f:
            data = f.read()
        assert data[:9] == b"REDIS0010"
        parsed = rdbgen.parse_rdb(data)          # independent reader; verifies the CRC
        assert parsed["checksum"] != 0
        assert REDIS_70_AUX <= set(parsed["aux"]), parsed["aux"]
        _assert_parsed_matches(parsed, mine)

        ref = ph.redis_reference(path)
        assert ref["digest"] == dig
        assert ref["contents"] == mine

        assert ph.call(c, "DEBUG", "RELOAD") == b"OK"
        assert ph.digest(c) == dig
        assert ph.contents(c) == mine


# ==========================================================================
# (d) DUMP / RESTORE across servers
# ==========================================================================

def _copy_by_dump(src, dst):
    """DUMP every key of src and RESTORE it (ABSTTL, same expiry) into dst;
    returns {db: keys}."""
    out = {}
    for db in ph.DATASET_DBS:
        ph.ok(src, "SELECT", db)
        ph.ok(dst, "SELECT", db)
        keys = sorted(ph.call(src, "KEYS", "*"))
        dumps = ph.pipeline(src, [("DUMP", k) for k in keys])
        exp = ph.pipeline(src, [("PEXPIRETIME", k) for k in keys])
        for k, p in zip(keys, dumps):
            kind_, value, ver = rdbgen.parse_dump_payload(p)     # valid CRC, parseable
            assert 1 <= ver <= 10, (k, ver)
        cmds = [("RESTORE", k, max(e, 0), p, "ABSTTL") for k, p, e in zip(keys, dumps, exp)]
        assert ph.pipeline(dst, cmds) == [b"OK"] * len(cmds)
        out[db] = keys
    ph.ok(src, "SELECT", 0)
    ph.ok(dst, "SELECT", 0)
    return out


def _compare_digest_values(a, b, keys_by_db):
    for db, keys in keys_by_db.items():
        ph.ok(a, "SELECT", db)
        ph.ok(b, "SELECT", db)
        da, db_ = ph.digest_values(a, keys), ph.digest_values(b, keys)
        bad = [k for k, x, y in zip(keys, da, db_) if x != y]
        assert not bad, f"db {db}: DEBUG DIGEST-VALUE differs for {bad}"
    ph.ok(a, "SELECT", 0)
    ph.ok(b, "SELECT", 0)
    assert ph.digest(a) == ph.digest(b)
    assert ph.contents(a, ph.DATASET_DBS) == ph.contents(b, ph.DATASET_DBS)


@pytest.mark.parametrize("kind", KINDS)
def test_dump_from_redis_restore_into(kind, procs, tmp_path, base_ms):
    r = start(procs, "redis", tmp_path / "src")
    s = start(procs, kind, tmp_path / "dst")
    with r.client() as rc, s.client() as c:
        ph.apply_commands(rc, ph.dataset_commands(base_ms))
        keys = _copy_by_dump(rc, c)
        _compare_digest_values(rc, c, keys)


@pytest.mark.parametrize("kind", KINDS)
def test_dump_from_server_restore_into_redis(kind, procs, tmp_path, base_ms):
    s = start(procs, kind, tmp_path / "src")
    r = start(procs, "redis", tmp_path / "dst")
    with r.client() as rc, s.client() as c:
        ph.apply_commands(c, ph.dataset_commands(base_ms))
        keys = _copy_by_dump(c, rc)
        _compare_digest_values(c, rc, keys)


def _payload_with(body_and_version: bytes) -> bytes:
    return body_and_version + struct.pack("<Q", rdbgen.crc64(body_and_version))


P = rdbgen.dump_payload("string", b"hello")          # == what DUMP returns for "hello"
P_FLIPPED = P[:3] + b"X" + P[4:]
P_V11 = _payload_with(P[:-10] + struct.pack("<H", 11))
P_BAD_LZF = _payload_with(b"\x00\xc3\x05\x05abcde" + struct.pack("<H", 10))
P_BAD_TYPE = _payload_with(b"\x63\x00" + struct.pack("<H", 10))

WRONG_PAYLOAD = b"-ERR DUMP payload version or checksum are wrong\r\n"

# (command, Redis 7.0's exact reply or None when only "same as redis" is checked)
RESTORE_SCRIPT = [
    (("DUMP", "src"), P),
    (("RESTORE", "k", 0, P), b"+OK\r\n"),
    (("RESTORE", "k", 0, P), b"-BUSYKEY Target key name already exists.\r\n"),
    # the existence check comes before TTL and payload validation
    (("RESTORE", "k", -1, P), b"-BUSYKEY Target key name already exists.\r\n"),
    (("RESTORE", "k", 0, P_FLIPPED), b"-BUSYKEY Target key name already exists.\r\n"),
    (("RESTORE", "k", 0, P, "REPLACE"), b"+OK\r\n"),
    (("RESTORE", "k2", 0, P_FLIPPED), WRONG_PAYLOAD),
    (("RESTORE", "k2", 0, P[:-1]), WRONG_PAYLOAD),
    (("RESTORE", "k2", 0, P[:5]), WRONG_PAYLOAD),
    (("RESTORE", "k2", 0, b""), WRONG_PAYLOAD),
    (("RESTORE", "k2", 0, P_V11), WRONG_PAYLOAD),
    (("RESTORE", "k2", 0, P_BAD_LZF), b"-ERR Bad data format\r\n"),
    (("RESTORE", "k2", 0, P_BAD_TYPE), b"-ERR Bad data format\r\n"),
    (("RESTORE", "k2", -1, P), b"-ERR Invalid TTL value, must be >= 0\r\n"),
    (("RESTORE", "k2", "abc", P), b"-ERR value is not an integer or out of range\r\n"),
    (("RESTORE", "k2"), b"-ERR wrong number of arguments for 'restore' command\r\n"),
    (("RESTORE", "k2", 0), b"-ERR wrong number of arguments for 'restore' command\r\n"),
    (("RESTORE",), b"-ERR wrong number of arguments for 'restore' command\r\n"),
    (("RESTORE", "k2", 0, P, "BADOPT"), b"-ERR syntax error\r\n"),
    (("RESTORE", "k2", 0, P, "IDLETIME"), b"-ERR syntax error\r\n"),
    (("RESTORE", "k2", 0, P, "IDLETIME", -1), b"-ERR Invalid IDLETIME value, must be >= 0\r\n"),
    (("RESTORE", "k2", 0, P, "IDLETIME", "x"), b"-ERR value is not an integer or out of range\r\n"),
    (("RESTORE", "k2", 0, P, "FREQ", 256), b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"),
    (("RESTORE", "k2", 0, P, "FREQ", -1), b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"),
    (("RESTORE", "k2", 0, P, "IDLETIME", 10, "FREQ", 5), b"-ERR syntax error\r\n"),
    (("RESTORE", "k2", 0, P, "FREQ", 5, "IDLETIME", 10), b"-ERR syntax error\r\n"),
    (("EXISTS", "k2"), b":0\r\n"),
    (("RESTORE", "k2", 0, P, "ABSTTL", "REPLACE", "REPLACE"), b"+OK\r\n"),
    (("GET", "k2"), b"$5\r\nhello\r\n"),
    # ABSTTL in the past: OK, but the key is not created (and an existing one is deleted with REPLACE)
    (("RESTORE", "past", 1, P, "ABSTTL"), b"+OK\r\n"),
    (("EXISTS", "past"), b":0\r\n"),
    (("RESTORE", "k2", 1000, P, "REPLACE", "ABSTTL"), b"+OK\r\n"),
    (("EXISTS", "k2"), b":0\r\n"),
    (("SET", "str", "1"), b"+OK\r\n"),
    (("RPUSH", "lst", "a"), b":1\r\n"),
    (("RESTORE", "lst", 0, P, "REPLACE"), b"+OK\r\n"),
    (("TYPE", "lst"), b"+string\r\n"),
    (("RESTORE", "old", 0, rdbgen.dump_payload("hash_zipmap", {b"a": b"b"}, version=3)), b"+OK\r\n"),
    (("HGETALL", "old"), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
    (("DUMP", "nokey"), b"$-1\r\n"),
    (("DUMP",), b"-ERR wrong number of arguments for 'dump' command\r\n"),
    (("OBJECT", "FREQ", "k"), b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                              b"Please note that when switching between policies at runtime LRU and LFU data "
                              b"will take some time to adjust.\r\n"),
]


@pytest.mark.parametrize("kind", KINDS)
def test_restore_errors_and_options(kind, procs, tmp_path):
    r = start(procs, "redis", tmp_path / "ref")
    s = start(procs, kind, tmp_path / "tested")
    with r.client() as rc, s.client() as c:
        for cl in (rc, c):
            ph.ok(cl, "SET", "src", "hello")
        for cmd, want in RESTORE_SCRIPT:
            a, b_ = rc.command(*cmd), c.command(*cmd)
            if cmd[0] == "DUMP" and want is P:
                assert a == b"$%d\r\n%s\r\n" % (len(P), P), "rdbgen's payload differs from redis's DUMP"
            elif want is not None:
                assert a == want, (cmd[:2], a)
            assert b_ == a, (cmd[:3], a, b_)

        # relative ttl / ABSTTL / IDLETIME take effect
        now = int(time.time() * 1000)
        at = now + 123_456_789
        for cl in (rc, c):
            assert cl.command("RESTORE", "ttl", 5000, P) == b"+OK\r\n"
            assert 3000 < ph.call(cl, "PTTL", "ttl") <= 5000
            assert cl.command("RESTORE", "abs", at, P, "ABSTTL") == b"+OK\r\n"
            assert ph.call(cl, "PEXPIRETIME", "abs") == at
            assert cl.command("RESTORE", "idle", 0, P, "IDLETIME", 1000) == b"+OK\r\n"
            assert 1000 <= ph.call(cl, "OBJECT", "IDLETIME", "idle") < 1010
            assert ph.call(cl, "PTTL", "idle") == -1
            assert cl.command("RESTORE", "idle", 0, P, "IDLETIME", 0, "REPLACE") == b"+OK\r\n"
            assert ph.call(cl, "OBJECT", "IDLETIME", "idle") < 5


@pytest.mark.parametrize("kind", KINDS)
def test_restore_freq_under_lfu(kind, procs, tmp_path):
    lfu = ["--maxmemory-policy", "allkeys-lfu"]
    r = start(procs, "redis", tmp_path / "ref", extra_args=lfu)
    s = start(procs, kind, tmp_path / "tested", extra_args=lfu)
    script = [
        (("RESTORE", "f", 0, P, "FREQ", 100), b"+OK\r\n"),
        (("OBJECT", "FREQ", "f"), b":100\r\n"),
        (("RESTORE", "g", 0, P, "FREQ", 0), b"+OK\r\n"),
        (("OBJECT", "FREQ", "g"), b":0\r\n"),
        (("RESTORE", "f", 0, P, "FREQ", 255, "REPLACE"), b"+OK\r\n"),
        (("OBJECT", "FREQ", "f"), b":255\r\n"),
        # without FREQ (or with IDLETIME, ignored under LFU) a new key gets LFU_INIT_VAL
        (("RESTORE", "h", 0, P), b"+OK\r\n"),
        (("OBJECT", "FREQ", "h"), b":5\r\n"),
        (("RESTORE", "i", 0, P, "IDLETIME", 100), b"+OK\r\n"),
        (("OBJECT", "FREQ", "i"), b":5\r\n"),
        (("OBJECT", "IDLETIME", "f"), b"-ERR An LFU maxmemory policy is selected, idle time not tracked. "
                                      b"Please note that when switching between policies at runtime LRU and "
                                      b"LFU data will take some time to adjust.\r\n"),
    ]
    with r.client() as rc, s.client() as c:
        for cmd, want in script:
            a, b_ = rc.command(*cmd), c.command(*cmd)
            assert a == want, (cmd[:2], a)
            assert b_ == a, (cmd[:2], a, b_)


# ==========================================================================
# (e) corrupt and truncated files: the server must refuse to start
# ==========================================================================

def _small_valid_file() -> bytes:
    w = rdbgen.RDBWriter(10)
    w.aux("redis-ver", "7.0.15")
    w.select_db(0)
    w.resize_db(3, 0)
    w.key("marker", "string", b"FLIPME" * 10, enc="raw")
    w.key("list", "list_quicklist2", [("packed", [b"a", b"1", b"bb"])])
    w.key("hash", "hash_listpack", {b"f": b"v"})
    return w.finish()


def _with_type(t: int) -> bytes:
    w = rdbgen.RDBWriter(10)
    w.select_db(0)
    w.key("ok", "string", b"v")
    w.raw(bytes([t]) + rdbgen.rdb_string("k") + rdbgen.rdb_string("v"))
    return w.finish()


def _corrupt_cases():
    good = _small_valid_file()
    big = rdbgen.build_fixtures()["v10-all"].data
    i = good.index(b"FLIPME") + 7
    flipped = good[:i] + bytes([good[i] ^ 0x20]) + good[i + 1:]
    return {
        "empty": (b"", "truncated"),
        "trunc-5": (good[:5], "truncated"),
        "trunc-magic-only": (good[:9], "truncated"),
        "trunc-in-aux": (good[:14], "truncated"),
        "trunc-in-value": (good[:good.index(b"FLIPME") + 20], "truncated"),
        "trunc-before-eof": (good[:-9], "truncated"),
        "trunc-no-checksum": (good[:-8], "truncated"),
        "trunc-half-checksum": (good[:-4], "truncated"),
        "trunc-big-half": (big[:len(big) // 2], "truncated"),
        "trunc-big-near-end": (big[:len(big) - 100], "truncated"),
        "flipped-byte": (flipped, "checksum"),
        "flipped-checksum": (good[:-1] + bytes([good[-1] ^ 1]), "checksum"),
        "bad-magic": (b"REDIX" + good[5:], "signature"),
        "not-rdb": (b"*1\r\n$4\r\nPING\r\n", "signature"),
        "version-12": (b"REDIS0012" + good[9:], "version"),
        "version-0": (b"REDIS0000" + good[9:], "version"),
        "version-not-digits": (b"REDISabcd" + good[9:], "version"),
        "unknown-type-8": (_with_type(8), "unknown_type"),
        "unknown-type-99": (_with_type(99), "unknown_type"),
    }


CORRUPT = _corrupt_cases()


def test_expect_startup_failure_helper_detects_a_good_start(tmp_path):
    """Harness self-check: a valid file is *not* reported as a failure, and
    quickly (the helper notices the PONG instead of waiting for its timeout)."""
    ph.write_file(str(tmp_path / "dump.rdb"), _small_valid_file())
    t0 = time.monotonic()
    rc, log = ph.expect_startup_failure("redis", str(tmp_path), ["--dbfilename", "dump.rdb"], timeout=20)
    assert rc is None, log
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("case", sorted(CORRUPT))
@pytest.mark.parametrize("kind", KINDS)
def test_refuses_corrupt_file(kind, case, tmp_path):
    data, category = CORRUPT[case]
    ph.write_file(str(tmp_path / "dump.rdb"), data)
    rc, log = ph.expect_startup_failure(kind, str(tmp_path), ph.DEBUG_ARGS + ["--dbfilename", "dump.rdb"])
    assert rc is not None, "server started despite a bad dump file:\n" + log[-2000:]
    assert isinstance(rc, int) and rc > 0, f"exit status {rc} (negative = killed by a signal)\n{log[-2000:]}"
    ph.assert_log_mentions(log, category)


# ==========================================================================
# (f) persistence commands
# ==========================================================================

PERSISTENCE_FIELDS = ["loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
                      "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec"]


@pytest.mark.parametrize("kind", KINDS)
def test_info_persistence_fields(kind, procs, tmp_path):
    s = start(procs, kind, tmp_path)
    with s.client() as c:
        inf = ph.info(c, "persistence")
        missing = [f for f in PERSISTENCE_FIELDS if f not in inf]
        assert not missing, missing
        assert inf["loading"] == "0"
        assert inf["rdb_bgsave_in_progress"] == "0"
        assert inf["rdb_last_bgsave_status"] == "ok"
        assert inf["rdb_last_bgsave_time_sec"] == "-1"
        assert inf["rdb_current_bgsave_time_sec"] == "-1"
        assert inf["rdb_changes_since_last_save"] == "0"
        assert abs(int(inf["rdb_last_save_time"]) - time.time()) < 10
        assert int(inf["rdb_last_save_time"]) == ph.call(c, "LASTSAVE")
        ph.pipeline(c, [("SET", "a", "1"), ("SET", "b", "2"), ("DEL", "a"), ("DEL", "nokey")])
        assert ph.info(c, "persistence")["rdb_changes_since_last_save"] == "3"
        assert "rdb_changes_since_last_save:3" in ph.call(c, "INFO").decode()


@pytest.mark.parametrize("kind", KINDS)
def test_bgsave(kind, procs, tmp_path):
    s = start(procs, kind, tmp_path)
    path = tmp_path / "dump.rdb"
    with s.client() as c:
        ph.pipeline(c, [("SET", "k", "v"), ("RPUSH", "l", "1", "2"), ("SELECT", 3), ("SET", "three", "3"),
                        ("SELECT", 0)])
        before = ph.call(c, "LASTSAVE")
        ph.wait_for(lambda: int(time.time()) > before, 3, what="the clock to move past LASTSAVE")
        assert not path.exists()
        assert c.command("BGSAVE") == b"+Background saving started\r\n"
        inf = ph.wait_bgsave_done(c)
        assert inf["rdb_last_bgsave_status"] == "ok"
        assert inf["rdb_changes_since_last_save"] == "0"
        assert int(inf["rdb_last_bgsave_time_sec"]) >= 0
        assert inf["rdb_current_bgsave_time_sec"] == "-1"
        assert ph.call(c, "LASTSAVE") > before
        assert path.exists()
        dig = ph.digest(c)
    ref = ph.redis_reference(str(path))
    assert ref["digest"] == dig
    assert ref["dbsizes"][0] == 2 and ref["dbsizes"][3] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_save_points(kind, procs, tmp_path):
    s = start(procs, kind, tmp_path, extra_args=["--save", "1 1"])
    path = tmp_path / "dump.rdb"
    with s.client() as c:
        assert ph.call(c, "CONFIG", "GET", "save") == [b"save", b"1 1"]
        ph.ok(c, "SET", "k", "v")
        assert ph.info(c, "persistence")["rdb_changes_since_last_save"] == "1"
        ph.wait_for(lambda: path.exists() and ph.info(c, "persistence")["rdb_changes_since_last_save"] == "0",
                    6, what="the save point to write dump.rdb")
        inf = ph.wait_bgsave_done(c)
        assert inf["rdb_last_bgsave_status"] == "ok"
        dig = ph.digest(c)
    assert ph.redis_reference(str(path))["digest"] == dig


def _shutdown(s, *args):
    with s.client() as c:
        c.send(helpers.encode_command("SHUTDOWN", *args))
        assert c.wait_closed(10), "SHUTDOWN did not close the connection"
    rc = s.proc.wait(timeout=10)
    assert rc == 0, f"exit status {rc}\n{s.log_tail()}"


@pytest.mark.parametrize("kind", KINDS)
def test_shutdown_save_and_nosave(kind, procs, tmp_path):
    path = tmp_path / "dump.rdb"
    # save points configured, but NOSAVE: no file
    s = start(procs, kind, tmp_path, extra_args=["--save", "3600 1"])
    with s.client() as c:
        ph.ok(c, "SET", "a", "1")
    _shutdown(s, "NOSAVE")
    assert not path.exists()
    # no save points: a plain SHUTDOWN does not save either
    s = start(procs, kind, tmp_path)
    with s.client() as c:
        assert ph.call(c, "DBSIZE") == 0
        ph.ok(c, "SET", "b", "2")
    _shutdown(s)
    assert not path.exists()
    # SHUTDOWN SAVE saves even without save points
    s = start(procs, kind, tmp_path)
    with s.client() as c:
        ph.ok(c, "SET", "c", "3")
    _shutdown(s, "SAVE")
    assert path.exists()
    # ... and the file loads; with save points a plain SHUTDOWN saves
    s = start(procs, kind, tmp_path, extra_args=["--save", "3600 1"])
    with s.client() as c:
        assert ph.call(c, "KEYS", "*") == [b"c"]
        ph.ok(c, "SET", "d", "4")
    _shutdown(s)
    s = start(procs, kind, tmp_path)
    with s.client() as c:
        assert sorted(ph.call(c, "KEYS", "*")) == [b"c", b"d"]


@pytest.mark.parametrize("kind", KINDS)
def test_sigterm_saves_with_save_points(kind, procs, tmp_path):
    path = tmp_path / "dump.rdb"
    s = start(procs, kind, tmp_path)                     # --save "" (no save points)
    with s.client() as c:
        ph.ok(c, "SET", "lost", "1")
    assert s.stop() == 0
    assert not path.exists()

    s = start(procs, kind, tmp_path, extra_args=["--save", "3600 1"])
    with s.client() as c:
        ph.pipeline(c, [("SET", "kept", "1"), ("HSET", "h", "f", "v"), ("PEXPIREAT", "h", 4102444800000)])
        dig = ph.digest(c)
    assert s.stop() == 0
    assert path.exists()
    s = start(procs, kind, tmp_path)
    with s.client() as c:
        assert ph.digest(c) == dig
        assert ph.call(c, "GET", "kept") == b"1"
        assert ph.call(c, "PEXPIRETIME", "h") == 4102444800000


def _check_misconf(s, c):
    """After making s's dir unwritable: BGSAVE fails, writes get MISCONF,
    reads still work."""
    assert c.command("BGSAVE") == b"+Background saving started\r\n"
    inf = ph.wait_bgsave_done(c)
    assert inf["rdb_last_bgsave_status"] == "err"
    assert c.command("SET", "k2", "v") == ph.MISCONF_ERROR
    assert c.command("DEL", "k") == ph.MISCONF_ERROR
    assert c.command("PING") == ph.MISCONF_ERROR        # Redis 7.0 denies PING too
    assert c.command("GET", "k") == b"$1\r\nv\r\n"
    assert c.command("EXISTS", "k2") == b":0\r\n"
    assert c.command("SAVE") == b"-ERR\r\n"
    # with save points and a failing save, SHUTDOWN refuses to exit
    assert c.command("SHUTDOWN") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    assert s.alive()


@pytest.mark.parametrize("kind", KINDS)
def test_misconf_after_failed_bgsave_dir_removed(kind, procs, tmp_path):
    """Works as root too: the server's --dir is removed after start."""
    d = tmp_path / "data"
    s = start(procs, kind, d, extra_args=["--save", "3600 1", "--stop-writes-on-bgsave-error", "yes"])
    with s.client() as c:
        ph.ok(c, "SET", "k", "v")
        shutil.rmtree(str(d))
        _check_misconf(s, c)
        ph.ok(c, "CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
        assert c.command("SET", "k2", "v") == b"+OK\r\n"
        c.send(helpers.encode_command("SHUTDOWN", "NOSAVE"))
        assert c.wait_closed(10)
    assert s.proc.wait(timeout=10) == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
@pytest.mark.parametrize("kind", KINDS)
def test_misconf_after_failed_bgsave_readonly_dir(kind, procs, tmp_path):
    d = tmp_path / "data"
    s = start(procs, kind, d, extra_args=["--save", "3600 1", "--stop-writes-on-bgsave-error", "yes"])
    try:
        with s.client() as c:
            ph.ok(c, "SET", "k", "v")
            os.chmod(str(d), stat.S_IRUSR | stat.S_IXUSR)       # 0500
            _check_misconf(s, c)
            os.chmod(str(d), stat.S_IRWXU)
            # a successful BGSAVE clears the error
            assert c.command("BGSAVE") == b"+Background saving started\r\n"
            assert ph.wait_bgsave_done(c)["rdb_last_bgsave_status"] == "ok"
            assert c.command("SET", "k2", "v") == b"+OK\r\n"
    finally:
        os.chmod(str(d), stat.S_IRWXU)
