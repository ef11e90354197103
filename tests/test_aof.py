"""AOF persistence: Redis 7.0's multi-part layout, durability under kill -9, truncated and corrupt files,
rewrites, switching on at runtime, the legacy single-file upgrade, check-aof, and interop with redis-server
in both directions (its AOF directories load into swredis, ours into it, with equal DEBUG DIGESTs)."""

import os
import random
import shutil
import signal
import subprocess
import threading
import time

import pytest

import helpers
import persistence_helpers as ph

AOF_ARGS = ["--appendonly", "yes", "--enable-debug-command", "yes"]
KINDS = ["redis", "swredis"]




def start(procs, kind, directory, extra=()):
    os.makedirs(directory, exist_ok=True)
    s = helpers.start_kind(kind, AOF_ARGS + list(extra), dir=str(directory))
    procs.append(s)
    return s


def kill9(server):
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=5)


def write_mix(c):
    """(Ends with `gone` expired: read it before taking a digest.)"""
    _write_mix(c)


def _write_mix(c):
    """Writes whose AOF form must be deterministic: relative expiries, floats, random pops, a transaction."""
    ph.pipeline(c, [
        ["SET", "s", "v"], ["SETEX", "ttl", 1000, "x"], ["SET", "px", "y", "PX", 500000], ["EXPIRE", "s", 3000],
        ["INCRBYFLOAT", "f", "1.25"], ["HINCRBYFLOAT", "h", "a", "0.5"], ["SADD", "set", *range(20)],
        ["SPOP", "set", 3], ["RPUSH", "l", *range(10)], ["LPOP", "l"], ["ZADD", "z", 1, "a", 2, "b"],
        ["ZPOPMIN", "z"], ["SET", "gone", "1"], ["PEXPIRE", "gone", 1], ["MULTI"], ["INCR", "n"], ["INCR", "n"], ["EXEC"],
        ["SELECT", 3], ["SET", "db3", "yes"], ["SELECT", 0],
    ], check=False)


def aof_dir(server):
    return os.path.join(server.dir, "appendonlydir")


@pytest.mark.parametrize("kind", KINDS)
def test_aof_survives_kill9_and_redis_loads_it(kind, procs, tmp_path):
    s = start(procs, kind, tmp_path / "a")
    with s.client() as c:
        write_mix(c)
        time.sleep(0.05)
        assert ph.call(c, "EXISTS", "gone") == 0  # expire it now, so the digest doesn't race active expiry
        before = ph.digest(c)
        ttl = ph.call(c, "TTL", "ttl")
    kill9(s)
    assert sorted(os.listdir(aof_dir(s))) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    check = subprocess.run([shutil.which("redis-check-aof") or "/usr/bin/redis-check-aof",
                            os.path.join(aof_dir(s), "appendonly.aof.manifest")], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0 and "All AOF files and manifest are valid" in check.stdout, check.stdout
    again = start(procs, kind, s.dir)
    with again.client() as c:
        assert ph.digest(c) == before
        assert abs(ph.call(c, "TTL", "ttl") - ttl) <= 2
    again.stop()
    copy = tmp_path / "copy"
    shutil.copytree(s.dir, copy)
    reference = start(procs, "redis", copy)
    with reference.client() as c:
        assert ph.digest(c) == before


def test_swredis_loads_redis_aof_after_rewrite(procs, tmp_path):
    r = start(procs, "redis", tmp_path / "r", ["--aof-use-rdb-preamble", "no"])
    with r.client() as c:
        write_mix(c)
        ph.call(c, "BGREWRITEAOF")
        ph.wait_for(lambda: ph.info(c, "persistence")["aof_rewrite_in_progress"] == "0", what="rewrite")
        ph.pipeline(c, [["RPUSH", "after", "rewrite"], ["DEL", "f"]])
        time.sleep(0.05)
        assert ph.call(c, "EXISTS", "gone") == 0  # expire it now, so the digest doesn't race active expiry
        want = ph.digest(c)
    r.stop()
    s = start(procs, "swredis", r.dir)
    with s.client() as c:
        assert ph.digest(c) == want


@pytest.mark.parametrize("kind", KINDS)
def test_rewrite_replaces_base_and_removes_history(kind, procs, tmp_path):
    s = start(procs, kind, tmp_path / "a")
    with s.client() as c:
        write_mix(c)
        assert ph.call(c, "BGREWRITEAOF") in (b"Background append only file rewriting started", "Background append only file rewriting started")
        ph.wait_for(lambda: ph.info(c, "persistence")["aof_rewrite_in_progress"] == "0", what="rewrite")
        ph.call(c, "SET", "after", "rewrite")
        time.sleep(0.05)
        assert ph.call(c, "EXISTS", "gone") == 0  # expire it now, so the digest doesn't race active expiry
        want = ph.digest(c)
        info = ph.info(c, "persistence")
        assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == "1"
    ph.wait_for(lambda: sorted(os.listdir(aof_dir(s))) == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                                          "appendonly.aof.manifest"], what="history files removed")
    with open(os.path.join(aof_dir(s), "appendonly.aof.manifest")) as manifest:
        assert manifest.read() == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                                   "file appendonly.aof.2.incr.aof seq 2 type i\n")
    kill9(s)
    again = start(procs, kind, s.dir)
    with again.client() as c:
        assert ph.digest(c) == want


@pytest.mark.parametrize("kind", KINDS)
def test_config_set_appendonly_yes_writes_a_base_first(kind, procs, tmp_path):
    os.makedirs(tmp_path / "a")
    s = helpers.start_kind(kind, ["--enable-debug-command", "yes"], dir=str(tmp_path / "a"))
    procs.append(s)
    with s.client() as c:
        ph.pipeline(c, [["SET", "k%d" % i, i] for i in range(200)])
        ph.ok(c, "CONFIG", "SET", "appendonly", "yes")
        ph.wait_for(lambda: ph.info(c, "persistence")["aof_rewrite_in_progress"] == "0"
                    and ph.info(c, "persistence")["aof_enabled"] == "1", what="AOF on")
        ph.call(c, "SET", "later", "1")
        want = ph.digest(c)
    kill9(s)
    again = start(procs, kind, s.dir)
    with again.client() as c:
        assert ph.digest(c) == want


def test_sigterm_while_the_first_base_is_written_keeps_the_dataset(procs, tmp_path):
    """Switched on a moment ago (CONFIG SET appendonly yes, or a replica's sync), the AOF's first base is the only
    copy of the dataset on disk: a SIGTERM then waits for it instead of restarting from an empty AOF (redis-server
    refuses to exit in this state, 'Writing initial AOF, can't exit.')."""
    os.makedirs(tmp_path / "a")
    s = helpers.start_kind("swredis", ["--enable-debug-command", "yes"], dir=str(tmp_path / "a"))
    procs.append(s)
    with s.client(timeout=60) as c:
        ph.ok(c, "DEBUG", "POPULATE", "30000", "key", "100")
        want = ph.digest(c)
        ph.ok(c, "CONFIG", "SET", "appendonly", "yes")
        assert ph.info(c, "persistence")["aof_rewrite_in_progress"] == "1"
    assert s.stop() == 0
    assert "Writing initial AOF, waiting for it to finish before exiting." in s.log()
    again = start(procs, "swredis", s.dir)
    with again.client(timeout=60) as c:
        assert ph.digest(c) == want


@pytest.mark.parametrize("kind", KINDS)
def test_legacy_single_file_is_upgraded(kind, procs, tmp_path):
    directory = tmp_path / "a"
    os.makedirs(directory)
    with open(directory / "appendonly.aof", "wb") as legacy:
        legacy.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n"
                     b"*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n")
    s = start(procs, kind, directory)
    with s.client() as c:
        assert ph.call(c, "GET", "old") in (b"style", "style")
        assert ph.call(c, "LLEN", "l") == 1
    assert not os.path.exists(directory / "appendonly.aof")
    with open(os.path.join(aof_dir(s), "appendonly.aof.manifest")) as manifest:
        assert manifest.readline() == "file appendonly.aof seq 1 type b\n"
    assert "Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir)." in s.log()


def last_incr(directory):
    return os.path.join(directory, "appendonlydir", "appendonly.aof.1.incr.aof")


def stopped_with_two_keys(procs, kind, directory):
    """A stopped server whose AOF holds SET a 1, SET b 2; returns it and its incremental file."""
    s = start(procs, kind, directory)
    with s.client() as c:
        ph.pipeline(c, [["SET", "a", "1"], ["SET", "b", "2"]])
    s.stop()
    return s, last_incr(s.dir)


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_tail_is_cut_when_allowed_and_refused_otherwise(kind, procs, tmp_path):
    s, incr = stopped_with_two_keys(procs, kind, tmp_path / "a")
    good_size = os.path.getsize(incr)
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhal")
    rc, log = ph.expect_startup_failure(kind, s.dir, AOF_ARGS + ["--aof-load-truncated", "no"])
    assert rc == 1, log
    assert "redis-check-aof --fix" in log
    again = start(procs, kind, s.dir, ["--aof-load-truncated", "yes"])
    with again.client() as c:
        assert ph.call(c, "MGET", "a", "b", "c") in ([b"1", b"2", None], ["1", "2", None])
    assert "Truncating the AOF" in again.log() or "!!! Warning: short read while loading the AOF file" in again.log()
    assert os.path.getsize(incr) == good_size


@pytest.mark.parametrize("kind", KINDS)
def test_corruption_in_the_middle_stops_startup(kind, procs, tmp_path):
    s, incr = stopped_with_two_keys(procs, kind, tmp_path / "a")
    data = open(incr, "rb").read()
    middle = data.index(b"$1\r\na")
    with open(incr, "wb") as f:
        f.write(data[:middle] + b"!garbage!" + data[middle:])
    rc, log = ph.expect_startup_failure(kind, s.dir, AOF_ARGS)
    assert rc == 1, log
    assert "Bad file format reading the append only file" in log


def test_check_aof_reports_and_fixes_a_torn_tail(procs, tmp_path):
    s = start(procs, "swredis", tmp_path / "a")
    with s.client() as c:
        ph.pipeline(c, [["SET", "a", "1"], ["MULTI"], ["SET", "b", "2"], ["EXEC"]])
    s.stop()
    incr = last_incr(s.dir)
    good_size = os.path.getsize(incr)
    with open(incr, "ab") as f:
        f.write(b"*2\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n")
    manifest = os.path.join(s.dir, "appendonlydir", "appendonly.aof.manifest")
    swredisd = helpers.swredis_argv()[0]
    for tool in (shutil.which("redis-check-aof") or "/usr/bin/redis-check-aof", swredisd):
        argv = [tool] if tool != swredisd else [tool, "check-aof"]
        checked = subprocess.run(argv + [manifest], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 1, checked.stdout
        assert f"ok_up_to={good_size}" in checked.stdout and "is not valid. Use the --fix option" in checked.stdout
    fixed = subprocess.run([swredisd, "check-aof", "--fix", manifest], input="y\n", capture_output=True, text=True, timeout=30)
    assert fixed.returncode == 0 and "Successfully truncated AOF" in fixed.stdout, fixed.stdout
    assert os.path.getsize(incr) == good_size
    again = subprocess.run([shutil.which("redis-check-aof") or "/usr/bin/redis-check-aof", manifest],
                           capture_output=True, text=True, timeout=30)
    assert again.returncode == 0, again.stdout


def acknowledged_writes_survive(procs, tmp_path, fsync, rounds):
    """Clients RPUSH unique items; the server is killed with SIGKILL at random moments; after each restart
    every item that was acknowledged must be in the list (written before any reply is sent)."""
    directory = tmp_path / fsync
    rng = random.Random(7)
    acknowledged = []
    for round_number in range(rounds):
        s = start(procs, "swredis", directory, ["--appendfsync", fsync])
        stop = threading.Event()
        lock = threading.Lock()

        def writer(worker):
            try:
                with s.client() as c:
                    n = 0
                    while not stop.is_set() and n < 5000:
                        item = f"{round_number}:{worker}:{n}"
                        reply = c.command("RPUSH", "log", item)
                        if reply.startswith(b":"):
                            with lock:
                                acknowledged.append(item)
                        n += 1
            except (OSError, helpers.ProtocolError, helpers.ConnectionClosed):
                pass

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 0.6))
        kill9(s)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        again = start(procs, "swredis", directory, ["--appendfsync", fsync, "--aof-load-truncated", "yes"])
        stored = {x.decode() if isinstance(x, bytes) else x for x in again.redis_py().lrange("log", 0, -1)}
        missing = [item for item in acknowledged if item not in stored]
        assert not missing, f"round {round_number}: {len(missing)} acknowledged writes lost, e.g. {missing[:3]}"
        again.stop()
    assert len(acknowledged) > 100


def test_kill9_loses_no_acknowledged_write_with_fsync_always(procs, tmp_path):
    acknowledged_writes_survive(procs, tmp_path, "always", rounds=4)


def test_kill9_loses_no_acknowledged_write_with_fsync_everysec(procs, tmp_path):
    # A process crash (not a power cut) loses nothing either: the bytes are written before the replies go out.
    acknowledged_writes_survive(procs, tmp_path, "everysec", rounds=3)


@pytest.mark.parametrize("kind", KINDS)
def test_sigterm_after_background_jobs_exits_cleanly(kind, procs, tmp_path):
    """The process must leave with status 0 after BGSAVE and a rewrite (systemd reads a crash at exit as a failure)."""
    s = start(procs, kind, tmp_path / "a")
    with s.client() as c:
        ph.pipeline(c, [["HSET", "h%d" % (i % 50), "f%d" % i, i] for i in range(5000)])
        ph.call(c, "BGSAVE")
        ph.wait_bgsave_done(c)
        ph.call(c, "BGREWRITEAOF")
        ph.wait_for(lambda: ph.info(c, "persistence")["aof_rewrite_in_progress"] == "0"
                    and ph.info(c, "persistence")["aof_rewrite_scheduled"] == "0", what="rewrite")
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=10) == 0, s.log_tail()
    assert "ready to exit, bye bye" in s.log()


def test_long_aof_replay_reports_progress(tmp_path):
    """While a big AOF replays, clients get -LOADING, INFO shows loading_* progress, and systemd gets STATUS= and
    EXTEND_TIMEOUT_USEC before READY=1."""
    import socket
    directory = tmp_path / "big"
    aof = directory / "appendonlydir"
    aof.mkdir(parents=True)
    (aof / "appendonly.aof.manifest").write_text("file appendonly.aof.1.incr.aof seq 1 type i\n")
    commands = 200_000
    with open(aof / "appendonly.aof.1.incr.aof", "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
        for start in range(0, commands, 10_000):
            f.write(b"".join(helpers.encode_command("SET", f"key:{n}", "v" * 20) for n in range(start, start + 10_000)))
    notify_path = str(tmp_path / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(0.2)
    port = helpers.free_port()
    argv = helpers.argv_for_kind("swredis") + ["--port", port, "--dir", directory, "--save", "", "--bind", "127.0.0.1",
                                                "--appendonly", "yes", "--supervised", "systemd"]
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT, cwd=directory,
                            env=dict(os.environ, NOTIFY_SOCKET=notify_path))
    messages, replies = [], []
    seen_loading = None
    # Drain the notify socket as systemd does (a full datagram queue would block the sender).
    draining = threading.Event()

    def drain():
        while not draining.is_set():
            try:
                messages.append(notify.recv(65536))
            except socket.timeout:
                continue
    reader = threading.Thread(target=drain)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with helpers.RespClient("127.0.0.1", port, timeout=10) as c:
                    replies.append(c.command("GET", "key:1"))
                    fields = ph.info(c, "persistence")
            except OSError:
                time.sleep(0.02)
                continue
            if fields["loading"] == "1" and int(fields.get("loading_loaded_bytes", 0)) > 0:
                seen_loading = fields
            if fields["loading"] == "0":
                break
            time.sleep(0.05)
        with helpers.RespClient("127.0.0.1", port) as c:
            assert ph.call(c, "DBSIZE") == commands
        time.sleep(0.3)
    finally:
        draining.set()
        reader.join(timeout=5)
        notify.close()
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    assert b"-LOADING Redis is loading the dataset in memory\r\n" in replies
    assert seen_loading is not None, "never saw loading progress in INFO"
    assert 0 < int(seen_loading["loading_loaded_bytes"]) <= int(seen_loading["loading_total_bytes"])
    lines = [line for message in messages for line in message.split(b"\n")]
    assert any(line.startswith(b"STATUS=Loading append only file: ") for line in lines), lines[:10]
    assert any(line.startswith(b"EXTEND_TIMEOUT_USEC=") for line in lines)
    assert lines.index(b"READY=1") > max(i for i, line in enumerate(lines) if line.startswith(b"STATUS=Loading"))


def test_bgsave_waits_for_a_running_rewrite(procs, tmp_path):
    s = start(procs, "swredis", tmp_path / "r")
    with s.client() as c:
        ph.ok(c, "DEBUG", "POPULATE", 300_000, "key", 100)
        assert ph.call(c, "BGREWRITEAOF") == b"Background append only file rewriting started"
        assert c.command("BGSAVE") == (b"-ERR Another child process is active (AOF?): can't BGSAVE right now. "
                                       b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n")
        assert c.command("BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
        ph.wait_for(lambda: ph.info(c, "persistence")["aof_rewrite_in_progress"] == "0", timeout=60, what="rewrite")
        ph.wait_for(lambda: ph.info(c, "persistence")["rdb_bgsave_in_progress"] == "0"
                    and ph.info(c, "persistence")["rdb_last_bgsave_status"] == "ok"
                    and int(ph.info(c, "persistence")["rdb_saves"]) == 1, timeout=60, what="scheduled BGSAVE")


@pytest.mark.parametrize("kind", KINDS)
def test_debug_populate(kind, procs, tmp_path):
    s = helpers.start_kind(kind, ph.DEBUG_ARGS)
    procs.append(s)
    with s.client() as c:
        ph.ok(c, "SET", "key:3", "kept")
        ph.ok(c, "DEBUG", "POPULATE", 10)
        ph.ok(c, "DEBUG", "POPULATE", 2, "p", 12)
        assert ph.call(c, "DBSIZE") == 12
        assert ph.call(c, "GET", "key:3") == b"kept"
        assert ph.call(c, "GET", "key:9") == b"value:9"
        assert ph.call(c, "GET", "p:1") == b"value:1\x00\x00\x00\x00\x00"
        assert c.command("DEBUG", "POPULATE", -1) == b"-ERR value is out of range, must be positive\r\n"
