"""Lua scripting (EVAL, EVALSHA, SCRIPT) beyond single replies, which tests/diff/scripts/scripting.redis compares
byte for byte: what scripts propagate (the AOF compared byte for byte with redis-server's, a redis-server replica of
swredisd staying identical), MONITOR's view, and real users of scripting run unchanged: redis-py's Lock,
python-redis-lock and the `limits` rate limiter."""

import os
import threading
import time

import pytest

import helpers
import persistence_helpers as ph
import repl_helpers as rh

pytestmark = pytest.mark.skipif(helpers.swredis_unavailable_reason() is not None,
                                reason=str(helpers.swredis_unavailable_reason()))

# Scripts whose effects propagate: none, one write, several (MULTI/EXEC), reads between writes, redis.set_repl,
# an error after writes, SELECT inside a script, EVALSHA, a script in MULTI, PUBLISH (replicas only).
SCENARIOS = [
    ("SET", "k0", "v0"),
    ("EVAL", "return redis.call('get','k0')", "0"),
    ("EVAL", "return redis.call('set','k1','v1')", "0"),
    ("EVAL", "redis.call('set','k2','v2'); return redis.call('incr','cnt')", "0"),
    ("EVAL", "redis.call('set','k3','a'); redis.call('get','k3'); redis.call('append','k3','b'); return 1", "0"),
    ("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "kk", "vv"),
    ("EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set','nr1','x'); redis.set_repl(redis.REPL_ALL); "
             "redis.call('set','nr2','y'); return 1", "0"),
    ("EVAL", "redis.set_repl(redis.REPL_AOF); redis.call('set','only_aof','1'); "
             "redis.set_repl(redis.REPL_REPLICA); redis.call('set','only_replica','1'); return 1", "0"),
    ("EVAL", "redis.set_repl(redis.REPL_NONE); return redis.call('set','nr3','x')", "0"),
    ("SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])"),
    ("EVALSHA", "2bab3b661081db58bd2341920e0ba7cf5dc77b25", "1", "shak"),
    ("EVAL", "return redis.call('nosuchcmd')", "0"),
    ("EVAL", "redis.call('set','partial','1'); error('boom')", "0"),
    ("EVAL", "redis.call('set','p1','1'); redis.call('set','p2','2'); error('boom')", "0"),
    ("EVAL", "return redis.call('del','definitely_missing')", "0"),
    ("EVAL", "redis.call('select', 5); redis.call('set','in5','x'); redis.call('select', 0); "
             "return redis.call('set','in0','y')", "0"),
    ("EVAL", "redis.call('pexpireat','k1', 4102444800000); return redis.call('incrbyfloat','fl','1.5')", "0"),
    ("EVAL", "return redis.call('publish','chan','msg')", "0"),
    ("MULTI",), ("EVAL", "return redis.call('incr','m')", "0"), ("INCR", "m"), ("EXEC",),
    ("SELECT", "3"), ("EVAL", "return redis.call('set','db3','z')", "0"), ("SELECT", "0"),
    # Functions: FUNCTION LOAD/DELETE/FLUSH go out as sent, FCALL as its effects.
    ("FUNCTION", "LOAD", "#!lua name=flib\nredis.register_function('fset', function(keys, args) "
                         "redis.call('set', keys[1], args[1]) return redis.call('incr', 'fcount') end)\n"
                         "redis.register_function{function_name='fget', callback=function(keys) "
                         "return redis.call('get', keys[1]) end, flags={'no-writes'}}"),
    ("FCALL", "fset", "1", "fk", "fv"), ("FCALL_RO", "fget", "1", "fk"), ("FCALL", "fget", "1", "fk"),
    ("FUNCTION", "LOAD", "#!lua name=flib2\nredis.register_function('f2', function() return 2 end)"),
    ("FUNCTION", "DELETE", "flib2"), ("FUNCTION", "LOAD", "#!lua name=flib3\nredis.register_function('f3', "
                                                          "function() return redis.call('set', 'f3k', '3') end)"),
    ("FCALL", "f3", "0"),
]


def run_scenarios(server):
    with server.client() as c:
        return [c.call(*command) if command[0] != "EXEC" else c.call(*command) for command in SCENARIOS]


def incremental_aof(server) -> bytes:
    directory = os.path.join(server.dir, "appendonlydir")
    names = sorted(n for n in os.listdir(directory) if n.endswith(".incr.aof"))
    with open(os.path.join(directory, names[-1]), "rb") as f:
        return f.read()


def test_script_effects_reach_the_aof_byte_for_byte_as_redis_writes_them():
    files = {}
    replies = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind, ["--appendonly", "yes", "--appendfsync", "always"]) as server:
            replies[kind] = run_scenarios(server)
            files[kind] = incremental_aof(server)
    assert replies["swredis"] == replies["redis"]
    assert files["swredis"] == files["redis"]
    # The file holds what the scripts did, not the scripts: no EVAL, a MULTI/EXEC only around several writes.
    assert b"EVAL" not in files["swredis"] and b"only_aof" in files["swredis"]
    assert b"only_replica" not in files["swredis"] and b"nr1" not in files["swredis"]


def test_a_redis_server_replica_of_swredisd_stays_identical_through_scripts():
    procs = []
    try:
        master = rh.start(procs, "swredis")
        replica = rh.start_replica(procs, "redis", master)
        rh.wait_link_up(replica)
        run_scenarios(master)
        with master.client() as c:
            # math.random's sequence is Redis's, but what a replica receives is the effect, not the script.
            c.call("EVAL", "for i = 1, 20 do redis.call('rpush', 'rnd', math.random(1000)) end return 1", "0")
            c.call("EVAL", "redis.call('set', 'big', string.rep('x', 100000)); "
                           "return redis.call('lpush', 'list', 'a', 'b')", "0")
        rh.wait_in_sync(master, replica)
        master_only = {b"only_aof", b"nr1", b"nr3"}  # redis.set_repl kept them off the replication stream
        with replica.client() as c:
            assert all(c.call("EXISTS", key) == 0 for key in master_only)
        with master.client() as c:
            assert c.call("EXISTS", *master_only) == 3
            c.call("DEL", *master_only)
        rh.wait_in_sync(master, replica)
        assert rh.contents(replica) == rh.contents(master)
        with master.client() as c:
            only_replica = c.call("EXISTS", "only_replica")
            master_digest = c.call("DEBUG", "DIGEST")
        with replica.client() as c:
            assert c.call("EXISTS", "only_replica") == only_replica == 1
            assert c.call("DEBUG", "DIGEST") == master_digest
    finally:
        for p in procs:
            p.cleanup()


def test_monitor_shows_a_scripts_commands_as_lua():
    with helpers.start_swredis() as server, server.client() as monitor, server.client() as c:
        assert monitor.call("MONITOR") == b"OK"
        c.call("EVAL", "redis.call('set', KEYS[1], 'v') return redis.call('get', KEYS[1])", "1", "mk")
        lines = [monitor.read_reply() for _ in range(3)]
        assert b'"EVAL"' in lines[0] and b"[0 127.0.0.1:" in lines[0]
        assert lines[1].endswith(b'[0 lua] "set" "mk" "v"\r\n') or lines[1].endswith(b'[0 lua] "set" "mk" "v"')
        assert lines[2].rstrip(b"\r\n").endswith(b'[0 lua] "get" "mk"')


def test_redis_py_lock_acquire_extend_reacquire_release_and_lost_lock():
    import redis.exceptions
    with helpers.start_swredis() as server:
        r = server.redis_py()
        lock = r.lock("resource", timeout=5)
        assert lock.acquire(blocking=False)
        other = r.lock("resource", timeout=5)
        assert not other.acquire(blocking=False), "a held lock is exclusive"
        assert lock.extend(10)
        assert 5000 < r.pttl("resource") <= 15000
        assert lock.extend(3, replace_ttl=True)
        assert r.pttl("resource") <= 3000
        assert lock.reacquire()
        assert r.pttl("resource") > 4000
        assert lock.owned() and lock.locked()
        lock.release()
        assert not lock.locked()
        with pytest.raises(redis.exceptions.LockError):
            lock.release()
        with pytest.raises(redis.exceptions.LockError):
            lock.extend(1)
        # Another owner took the lock after it expired: the first owner cannot release or extend it.
        assert lock.acquire(blocking=False)
        r.delete("resource")
        assert other.acquire(blocking=False)
        with pytest.raises(redis.exceptions.LockNotOwnedError):
            lock.reacquire()
        with pytest.raises(redis.exceptions.LockNotOwnedError):
            lock.extend(1)
        with pytest.raises(redis.exceptions.LockNotOwnedError):
            lock.release()
        assert other.owned()
        other.release()


def test_python_redis_lock_mutual_exclusion_across_threads():
    redis_lock = pytest.importorskip("redis_lock")
    with helpers.start_swredis() as server:
        r = server.redis_py()
        counter = {"value": 0, "inside": 0, "overlaps": 0}

        def worker():
            for _ in range(20):
                with redis_lock.Lock(r, "shared", expire=5):
                    counter["inside"] += 1
                    if counter["inside"] > 1:
                        counter["overlaps"] += 1
                    value = counter["value"]
                    time.sleep(0.001)
                    counter["value"] = value + 1
                    counter["inside"] -= 1

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert counter == {"value": 80, "inside": 0, "overlaps": 0}
        lock = redis_lock.Lock(r, "other", expire=5)
        assert lock.acquire(blocking=False)
        assert not redis_lock.Lock(r, "other", expire=5).acquire(blocking=False)
        lock.extend(expire=30)
        assert r.ttl("lock:other") > 5
        lock.release()
        with pytest.raises(redis_lock.NotAcquired):
            lock.release()


def test_limits_rate_limiters_on_their_lua_scripts():
    limits = pytest.importorskip("limits")
    from limits.storage import RedisStorage
    from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
    with helpers.start_swredis() as server:
        storage = RedisStorage(f"redis://127.0.0.1:{server.port}")
        assert storage.check()
        five_per_minute = limits.parse("5/minute")
        for strategy in (MovingWindowRateLimiter, FixedWindowRateLimiter, SlidingWindowCounterRateLimiter):
            limiter = strategy(storage)
            key = strategy.__name__
            assert [limiter.hit(five_per_minute, key) for _ in range(7)] == [True] * 5 + [False] * 2
            assert not limiter.test(five_per_minute, key)
            stats = limiter.get_window_stats(five_per_minute, key)
            assert stats.remaining == 0
            assert limiter.hit(five_per_minute, key + "-someone-else")
        storage.reset()


def test_info_reports_the_script_cache_and_the_lua_heap():
    with helpers.start_swredis() as server, server.client() as c:
        before = ph.info(c, "memory")
        assert before["number_of_cached_scripts"] == "0"
        for index in range(20):
            c.call("SCRIPT", "LOAD", f"return '{'x' * 1000}{index}'")
        assert c.call("EVAL", "local t = {} for i = 1, 20000 do t[i] = tostring(i) end return #t", "0") == 20000
        after = ph.info(c, "memory")
        assert after["number_of_cached_scripts"] == "21"
        assert int(after["used_memory_scripts_eval"]) > 20 * 1000
        assert int(after["used_memory_lua"]) > int(before["used_memory_lua"])
        assert int(after["used_memory_vm_total"]) == int(after["used_memory_lua"]) + int(after["used_memory_vm_functions"])
        assert c.call("SCRIPT", "FLUSH") == b"OK"
        flushed = ph.info(c, "memory")
        assert flushed["number_of_cached_scripts"] == "0" and flushed["used_memory_scripts_eval"] == "0"


LOOP = "local i = 0 while true do i = i + 1 end"
BOUNDED = "local i = 0 while i < %d do i = i + 1 end return i"


def busy_transcript(server):
    """A script past busy-reply-threshold (100 ms): what its caller and another client see, in order."""
    seen = []
    with server.client(timeout=10) as caller, server.client(timeout=10) as other:
        def wait_busy():
            ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")

        # An endless loop, with PING pipelined behind it: others get -BUSY (only allow_busy commands run), SCRIPT KILL
        # ends it, the caller gets the kill error and then its PING.
        caller.send(helpers.encode_command("EVAL", LOOP, "0") + helpers.encode_command("PING"))
        wait_busy()
        for command in (("GET", "k"), ("SET", "k", "v"), ("EVAL", "return 1", "0"), ("SCRIPT", "LOAD", "return 1"),
                        ("MULTI",), ("SHUTDOWN",), ("SHUTDOWN", "SAVE"), ("CLIENT", "LIST")):
            seen.append((command, other.command(*command)))
        seen.append(("discard", other.command("DISCARD")))
        seen.append(("kill", other.command("SCRIPT", "KILL")))
        seen.append(("caller", caller.read_reply(), caller.read_reply()))
        seen.append(("after", other.command("PING"), other.command("SCRIPT", "KILL")))
        # pcall cannot keep a killed script alive.
        caller.send(helpers.encode_command("EVAL", "while true do pcall(function() for i = 1, 100 do end end) end",
                                           "0"))
        wait_busy()
        seen.append(("kill pcall", other.command("SCRIPT", "KILL"), caller.read_reply()))
        # A script that wrote cannot be killed; one that ends on its own answers normally.
        caller.send(helpers.encode_command("EVAL", "redis.call('set', KEYS[1], 'x') " + BOUNDED % 30_000_000, "1",
                                           "wrote"))
        wait_busy()
        seen.append(("unkillable", other.command("SCRIPT", "KILL")))
        seen.append(("ended", caller.read_reply(), other.command("GET", "wrote")))
    return seen


def test_a_busy_script_gets_busy_replies_script_kill_and_unkillable_as_redis_does():
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind, ["--busy-reply-threshold", "100"]) as server:
            transcripts[kind] = busy_transcript(server)
            if kind == "swredis":
                assert "Slow script detected: still in execution after 100 milliseconds" in server.log()
    assert transcripts["swredis"] == transcripts["redis"]
    killed = dict((entry[0], entry[1:]) for entry in transcripts["swredis"] if isinstance(entry[0], str))
    assert killed["kill"] == (b"+OK\r\n",)
    assert killed["caller"][0].startswith(b"-ERR Script killed by user with SCRIPT KILL... script:")
    assert killed["unkillable"][0].startswith(b"-UNKILLABLE")


def test_a_busy_script_that_loops_through_pcall_keeps_serving_other_clients():
    """A loop that spends nearly all its time inside pcall can only yield at its few top-level instructions: the
    checks must not keep landing inside the pcall (a fixed check interval in step with the loop did, and the server
    stopped answering after its first -BUSY)."""
    with helpers.start_swredis(["--busy-reply-threshold", "50"]) as server:
        with server.client(timeout=5) as caller, server.client(timeout=5) as other:
            for inner in (40, 63, 100, 128, 157, 200):
                script = "while true do pcall(function() for i = 1, %d do end end) end" % inner
                caller.send(helpers.encode_command("EVAL", script, "0"))
                ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")
                for _ in range(5):
                    time.sleep(0.03)
                    assert other.command("PING").startswith(b"-BUSY"), inner
                assert other.command("SCRIPT", "KILL") == b"+OK\r\n"
                assert caller.read_reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")


def test_a_busy_function_answers_function_kill_stats_and_the_other_kill_as_redis_does():
    library = ("#!lua name=spinlib\nredis.register_function('spin', function(keys, args) "
               "local i = 0 while true do i = i + 1 end end)")
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind, ["--busy-reply-threshold", "100"]) as server:
            with server.client(timeout=10) as caller, server.client(timeout=10) as other:
                assert other.call("FUNCTION", "LOAD", library) == b"spinlib"
                caller.send(helpers.encode_command("FCALL", "spin", "1", "mykey", "arg1"))
                ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")
                stats = other.call("FUNCTION", "STATS")
                running = stats[1]
                seen = [other.command("PING"), other.command("SCRIPT", "KILL"), other.command("EVAL", "return 1", "0"),
                        running[:5], [stats[0], stats[2], stats[3]], running[5] >= 100,
                        other.command("FUNCTION", "KILL"), caller.read_reply(), other.command("FUNCTION", "KILL"),
                        other.call("FUNCTION", "STATS")]
                transcripts[kind] = seen
    assert transcripts["swredis"] == transcripts["redis"]
    assert transcripts["swredis"][3] == [b"name", b"spin", b"command", [b"FCALL", b"spin", b"1", b"mykey", b"arg1"],
                                         b"duration_ms"]
    assert transcripts["swredis"][7].startswith(b"-ERR Script killed by user with SCRIPT KILL... script: spin,")


def test_info_counts_function_libraries():
    with helpers.start_swredis() as server, server.client() as c:
        assert "number_of_libraries:0" in c.call("INFO", "memory").decode()
        c.call("FUNCTION", "LOAD", "#!lua name=a\nredis.register_function('fa', function() return 1 end)\n"
                                   "redis.register_function('fb', function() return 2 end)")
        info = c.call("INFO", "memory").decode()
        assert "number_of_libraries:1" in info and "number_of_functions:2" in info
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        assert int(fields["used_memory_functions"]) > 184
        c.call("FUNCTION", "FLUSH")
        assert "number_of_functions:0" in c.call("INFO", "memory").decode()


def test_shutdown_nosave_stops_a_busy_script_and_the_server_without_saving():
    with helpers.start_swredis(["--busy-reply-threshold", "100", "--save", "1 1"]) as server:
        with server.client(timeout=10) as caller, server.client(timeout=10) as other:
            caller.send(helpers.encode_command("EVAL", "redis.call('set', 'k', 'v') " + LOOP, "0"))
            ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")
            other.send(helpers.encode_command("SHUTDOWN", "NOSAVE"))
            assert other.wait_closed(5)
        server.proc.wait(timeout=10)
        assert not os.path.exists(os.path.join(server.dir, "dump.rdb")), "half a script must not be saved"


def test_a_busy_read_only_script_on_a_replica_holds_its_masters_stream():
    """A replica does not apply its master's stream while one of its clients' scripts is busy (the script would see
    the data change under it): the writes wait and apply once it ends."""
    procs = []
    try:
        master = rh.start(procs, "swredis")
        replica = rh.start_replica(procs, "swredis", master, ["--busy-reply-threshold", "100"])
        rh.wait_link_up(replica)
        with master.client() as m:
            m.call("SET", "k", "before")
        rh.wait_in_sync(master, replica)
        script = ("local a = redis.call('get', KEYS[1]) local i = 0 while i < 40000000 do i = i + 1 end "
                  "return {a, redis.call('get', KEYS[1])}")
        with replica.client(timeout=20) as caller, replica.client() as other, master.client() as m:
            caller.send(helpers.encode_command("EVAL_RO", script, "1", "k"))
            ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")
            m.call("SET", "k", "after")
            time.sleep(0.2)
            assert caller.read_node().value() == [b"before", b"before"]
        rh.wait_in_sync(master, replica)
        with replica.client() as c:
            assert c.call("GET", "k") == b"after"
    finally:
        for p in procs:
            p.cleanup()


FLIB = ("#!lua name=plib\nredis.register_function('pget', function(keys) return redis.call('get', keys[1]) end)\n"
        "redis.register_function{function_name='pset', callback=function(keys, args) "
        "return redis.call('set', keys[1], args[1]) end, description='sets a key'}\n")


def function_list(server):
    """FUNCTION LIST WITHCODE with each library's functions sorted (Redis lists them in its dict's order)."""
    with server.client() as c:
        libraries = c.call("FUNCTION", "LIST", "WITHCODE")
    for library in libraries:
        library[5] = sorted(library[5], key=lambda function: function[1])
    return libraries


def test_function_libraries_survive_restarts_and_cross_rdb_files_both_ways(tmp_path):
    """Libraries are RDB FUNCTION2 records both servers read (redis-server compresses the code with LZF), and a
    rewritten AOF without RDB preamble starts with FUNCTION LOAD."""
    lists = {}
    for writer, reader in (("redis", "swredis"), ("swredis", "redis")):
        directory = str(tmp_path / f"{writer}-to-{reader}")
        with ph.start_on_file(writer, directory) as server, server.client() as c:
            assert c.call("FUNCTION", "LOAD", FLIB) == b"plib"
            assert c.call("FCALL", "pset", "1", "k", "v") == b"OK"
            lists[writer] = function_list(server)
            assert c.call("SAVE") == b"OK"
        with ph.start_on_file(reader, directory) as server, server.client() as c:
            assert c.call("FCALL", "pget", "1", "k") == b"v"
            assert function_list(server) == lists[writer]
    assert lists["swredis"] == lists["redis"]
    directory = str(tmp_path / "aof")
    with ph.start_on_file("swredis", directory, extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]) \
            as server, server.client() as c:
        c.call("FUNCTION", "LOAD", FLIB)
        c.call("FCALL", "pset", "1", "k", "aof")
        assert c.call("BGREWRITEAOF").startswith(b"Background append only file rewriting")
        ph.wait_for(lambda: b"aof_rewrite_in_progress:0" in c.call("INFO", "persistence")
                    and b"aof_rewrite_scheduled:0" in c.call("INFO", "persistence"), timeout=20, what="rewrite")
        base = [n for n in os.listdir(os.path.join(directory, "appendonlydir")) if ".base." in n]
        with open(os.path.join(directory, "appendonlydir", base[0]), "rb") as f:
            assert f.read().startswith(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n")
    with ph.start_on_file("swredis", directory, extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]) \
            as server, server.client() as c:
        assert c.call("FCALL", "pget", "1", "k") == b"aof"


def test_function_dump_payloads_restore_across_servers_both_ways():
    """FUNCTION DUMP's payload (LZF-compressed code, RDB version, CRC-64) restores on the other server, and a payload
    that fails leaves the libraries as they were."""
    with helpers.start_redis() as redis_server, helpers.start_swredis() as swredis_server:
        with redis_server.client() as r, swredis_server.client() as s:
            for source, target in ((r, s), (s, r)):
                source.call("FUNCTION", "FLUSH")
                target.call("FUNCTION", "FLUSH")
                assert source.call("FUNCTION", "LOAD", FLIB) == b"plib"
                payload = source.call("FUNCTION", "DUMP")
                assert target.call("FUNCTION", "RESTORE", payload) == b"OK"
                assert target.call("FCALL", "pset", "1", "rk", "rv") == b"OK"
            assert function_list(redis_server) == function_list(swredis_server)
            assert r.call("FUNCTION", "DUMP") == s.call("FUNCTION", "DUMP")
            broken = bytearray(s.call("FUNCTION", "DUMP"))
            broken[5] ^= 1
            for client in (r, s):
                assert client.command("FUNCTION", "RESTORE", bytes(broken), "FLUSH") == \
                    b"-ERR DUMP payload version or checksum are wrong\r\n"
            assert function_list(swredis_server) == function_list(redis_server)


def test_keys_do_not_expire_while_a_script_runs_as_redis():
    """Time stands still for key expiry while a script runs (Redis's scriptTimeSnapshot): a key whose TTL passes
    during the script is still there for it, and gone for the next command."""
    spin = ("local t = redis.call('time') local started = t[1] * 1000000 + t[2] "
            "repeat t = redis.call('time') until t[1] * 1000000 + t[2] - started > 250000 ")
    script = ("redis.call('set', KEYS[2], 'inner', 'px', 50) " + spin +
              "return {redis.call('get', KEYS[1]), redis.call('exists', KEYS[2]), redis.call('get', KEYS[2])}")
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind) as server, server.client(timeout=10) as c:
            c.call("SET", "outer", "before", "PX", "100")
            transcripts[kind] = [c.call("EVAL", script, "2", "outer", "inner"), c.call("EXISTS", "outer", "inner")]
    assert transcripts["swredis"] == transcripts["redis"]
    assert transcripts["swredis"] == [[b"before", 1, b"inner"], 0]


def busy_kill_transcript(server, script):
    """A script past busy-reply-threshold: whether another client got -BUSY, SCRIPT KILL's reply, the caller's."""
    with server.client(timeout=10) as caller, server.client(timeout=10) as other:
        caller.send(helpers.encode_command("EVAL", script, "0"))
        ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")
        killed = other.command("SCRIPT", "KILL")
        return [killed, caller.read_reply().split(b" script:")[0], other.command("PING")]


def test_a_script_running_inside_pcall_or_a_coroutine_stays_killable_as_redis():
    """Redis's hook runs inside pcall and coroutines too. Lua 5.1 cannot yield across pcall, so swredisd runs a
    pcall'd Lua function as a coroutine of its own and passes the hook's yields on: a loop inside one pcall, or inside
    a script's own coroutine, still lets other clients in and SCRIPT KILL end it, with Redis's replies (a kill
    caught by the pcall lets the script return; at top level it ends it)."""
    scripts = [
        "pcall(function() local i = 0 while true do i = i + 1 end end) return 'after'",
        "local n = 0\nwhile true do\npcall(function() local i = 0 while i < 1000000 do i = i + 1 end end)\nn = n + 1\nend",
        "local f = coroutine.wrap(function() local i = 0 while true do i = i + 1 end end) return f()",
        "local co = coroutine.create(function() while true do end end) return {coroutine.resume(co)}",
    ]
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind, ["--busy-reply-threshold", "100"]) as server:
            transcripts[kind] = [busy_kill_transcript(server, script) for script in scripts]
    assert transcripts["swredis"] == transcripts["redis"]
    assert all(entry[0] == b"+OK\r\n" and entry[2] == b"+PONG\r\n" for entry in transcripts["swredis"])


def test_pcall_and_coroutines_answer_as_redis():
    """pcall's results and errors, and coroutines calling redis.call, as redis-server answers them."""
    scripts = [
        "return {pcall(function() return 1, 'two' end)}",
        "return {pcall(function() error('boom') end)}",
        "return {pcall(function() error({err='ERR table error'}) end)}",
        "return {pcall(function() return redis.call('nosuchcommand') end)}",
        "return {pcall(error, {err='from a C function'})}",
        "return {pcall(5)}",
        "return pcall()",
        "return {pcall(pcall, function() error('nested') end)}",
        "local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) "
        "local _, x = coroutine.resume(co, 1) local _, y = coroutine.resume(co, 10) "
        "return {x, y, coroutine.status(co)}",
        "local f = coroutine.wrap(function() return redis.call('incr', 'counter') end) return f()",
        "return {coroutine.resume(coroutine.create(function() return redis.call('incr', 'counter') end))}",
        "local f = coroutine.wrap(function() error('in wrap') end) return {pcall(f)}",
        "return {coroutine.resume(coroutine.create(function() return pcall(function() coroutine.yield(1) end) end))}",
        "local function deep(n) if n == 0 then return 0 end local ok, v = pcall(deep, n - 1) "
        "if not ok then return v end return v + 1 end return deep(150)",
    ]
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind) as server, server.client() as c:
            transcripts[kind] = [c.command("EVAL", script, "0") for script in scripts]
    for script, ours, theirs in zip(scripts, transcripts["swredis"], transcripts["redis"]):
        assert ours == theirs, (script, ours, theirs)


def test_busy_scripts_mixing_pcall_coroutines_and_c_calls_answer_as_redis():
    """Past busy-reply-threshold (so swredisd's hook yields inside them): a coroutine that also yields on its own,
    nested pcalls, a pcall inside table.sort's comparator (a C call the yield cannot cross), an error raised deep
    inside; and pcall nesting up to Lua's C-stack limit. Same results as redis-server."""
    work = "local x = 0 for k = 1, %d do x = x + 1 end "
    scripts = [
        "local co = coroutine.create(function() for i = 1, 3 do " + work % 8_000_000 + "coroutine.yield(i) end "
        "return 'done' end) local r = {} for i = 1, 5 do local ok, v = coroutine.resume(co) "
        "r[#r + 1] = tostring(ok) .. ':' .. tostring(v) end return r",
        "return {pcall(function() return pcall(function() " + work % 20_000_000 + "error({err='ERR deep'}) end) end)}",
        "local t = {} for i = 1, 300 do t[i] = (i * 7919) % 300 end table.sort(t, function(a, b) "
        "local ok, r = pcall(function() " + work % 20_000 + "return a < b end) return r end) return {t[1], t[300]}",
        "local f = coroutine.wrap(function() " + work % 20_000_000 + "error('late') end) return {pcall(f)}",
        "local res table.sort({1, 2}, function(a, b) local ok, r = pcall(function() return {pcall(function() " +
        work % 20_000_000 + "return 'inner' end)} end) res = r return a < b end) "
        "return {tostring(res[1]), tostring(res[2])}",
        "local function deep(n) if n == 0 then return 'bottom' end local ok, v = pcall(deep, n - 1) "
        "if not ok then return 'failed at ' .. n .. ': ' .. tostring(v) end return v end return deep(250)",
    ]
    transcripts = {}
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind, ["--busy-reply-threshold", "50"]) as server, server.client(timeout=60) as c:
            transcripts[kind] = [c.command("EVAL", script, "0") for script in scripts]
    for script, ours, theirs in zip(scripts, transcripts["swredis"], transcripts["redis"]):
        assert ours == theirs, (script, ours, theirs)


def test_slowlog_and_commandstats_time_a_busy_script_whole_as_redis():
    """A script that yields to the event loop is timed from its start to its end, as Redis times it inline: the
    slow-log entry and INFO commandstats cover the whole run, not its first slice."""
    # Mostly Lua instructions (the busy hook counts them), with a look at the clock now and then.
    spin = ("local t = redis.call('time') local started = t[1] * 1000000 + t[2] "
            "repeat for i = 1, 2000 do end t = redis.call('time') until t[1] * 1000000 + t[2] - started > 600000 "
            "return 1")
    for kind in ("redis", "swredis"):
        with helpers.start_kind(kind, ["--busy-reply-threshold", "100", "--slowlog-log-slower-than", "0"]) as server:
            with server.client(timeout=10) as c, server.client(timeout=10) as other:
                c.call("SLOWLOG", "RESET")
                c.call("CONFIG", "RESETSTAT")
                c.send(helpers.encode_command("EVAL", spin, "0"))
                ph.wait_for(lambda: other.command("PING").startswith(b"-BUSY"), timeout=5, what="-BUSY")
                assert c.read_reply() == b":1\r\n"
                entry = next(e for e in c.call("SLOWLOG", "GET", "10") if e[3][0] == b"EVAL")
                assert entry[2] >= 600000, (kind, entry)
                stats = c.call("INFO", "commandstats").decode()
                line = next(row for row in stats.splitlines() if row.startswith("cmdstat_eval:"))
                assert "calls=1," in line and int(line.split("usec=")[1].split(",")[0]) >= 600000, (kind, line)
