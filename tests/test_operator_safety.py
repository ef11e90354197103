"""What an operator does to a running engine must not end it or lose what it logs:
signals sent to every swredisd process, logrotate moving the log file, relative
paths after `dir`, and CONFIG REWRITE after a promotion (the rewritten file must
start both swredisd and redis-server)."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import helpers


def wait_until(predicate, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def test_hup_and_usr1_neither_kill_nor_change_an_engine(swredis):
    with swredis.client() as c:
        assert c.command("SET", "k", "v") == b"+OK\r\n"
    for number in (signal.SIGHUP, signal.SIGUSR1, signal.SIGHUP):
        os.kill(swredis.pid, number)
        time.sleep(0.2)
        assert swredis.alive(), f"engine ended by signal {number}: {swredis.log_tail()}"
        with swredis.client() as c:
            assert c.command("GET", "k") == b"$1\r\nv\r\n"
    assert "Received SIGUSR1" in swredis.log()


def test_redis_server_ignores_hup_too(redis_server):
    os.kill(redis_server.pid, signal.SIGHUP)
    time.sleep(0.2)
    assert redis_server.alive()


def logging_engine(tmp, extra=()):
    """An engine writing its own logfile inside its dir; returns (server, log path)."""
    log = os.path.join(tmp, "engine.log")
    server = helpers.start_swredis(["--logfile", log, *extra], dir=tmp)
    assert wait_until(lambda: "Ready to accept connections" in read(log))
    return server, log


def log_something(server):
    """Makes the engine log a line ("DB saved on disk")."""
    with server.client() as c:
        assert c.command("SAVE") == b"+OK\r\n"


@pytest.mark.parametrize("with_signal", [True, False], ids=["postrotate-usr1", "moved-without-signal"])
def test_logfile_follows_logrotate(with_signal):
    tmp = tempfile.mkdtemp(prefix="swredis-rotate-")
    server, log = logging_engine(tmp)
    try:
        os.rename(log, log + ".1")
        if with_signal:
            os.kill(server.pid, signal.SIGUSR1)
        # Without a signal the engine notices the move within its once-a-second check.
        assert wait_until(lambda: os.path.exists(log), timeout=4), "the log file was not reopened"
        log_something(server)
        assert wait_until(lambda: "DB saved on disk" in read(log)), read(log)
        assert "DB saved on disk" not in read(log + ".1")
        assert server.alive()
    finally:
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("kind", ["redis", "swredis"])
def test_relative_paths_after_dir_resolve_inside_dir(kind):
    launch = tempfile.mkdtemp(prefix="swredis-launch-")
    data = tempfile.mkdtemp(prefix="swredis-data-")
    conf = os.path.join(launch, "relative.conf")
    port = helpers.free_port()
    with open(conf, "w") as f:
        f.write(f"port {port}\nbind 127.0.0.1\nsave \"\"\ndir {data}\nlogfile log.txt\npidfile run.pid\n"
                "dbfilename snapshot.rdb\n")
    argv = helpers.argv_for_kind(kind) + [conf]
    server = helpers.start_server(argv, dir=launch, port=port, default_args=False)
    try:
        assert wait_until(lambda: os.path.exists(os.path.join(data, "log.txt"))), os.listdir(data)
        assert wait_until(lambda: os.path.exists(os.path.join(data, "run.pid")))
        with server.client() as c:
            assert c.command("CONFIG", "GET", "dir") == helpers.encode_command("dir", data)
            assert c.command("SAVE") == b"+OK\r\n"
        assert os.path.exists(os.path.join(data, "snapshot.rdb"))
        assert not os.path.exists(os.path.join(launch, "log.txt"))
    finally:
        server.stop()
        shutil.rmtree(launch, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("kind", ["redis", "swredis"])
def test_dir_that_does_not_exist_is_a_fatal_config_error(kind, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("dir /nonexistent/swredis-test\n")
    result = subprocess.run(helpers.argv_for_kind(kind) + [str(conf)], capture_output=True, timeout=10)
    assert result.returncode == 1
    assert b"*** FATAL CONFIG FILE ERROR" in result.stderr + result.stdout
    assert b"No such file or directory" in result.stderr + result.stdout


def test_rewritten_config_of_a_promoted_master_starts_both_servers(redis_server):
    """A replica promoted by REPLICAOF NO ONE (what a failover sends) rewrites its file; both swredisd and
    redis-server must start from the result as masters with the same settings."""
    tmp = tempfile.mkdtemp(prefix="swredis-rewrite-")
    conf = os.path.join(tmp, "replica.conf")
    port = helpers.free_port()
    with open(conf, "w") as f:
        f.write(f"port {port}\nbind 127.0.0.1\nsave \"\"\ndir {tmp}\nreplicaof 127.0.0.1 {redis_server.port}\n"
                "maxmemory 10mb\n")
    os.chmod(conf, 0o640)
    replica = helpers.start_server(helpers.argv_for_kind("swredis") + [conf], dir=tmp, port=port,
                                   default_args=False)
    try:
        with replica.client() as c:
            assert c.command("REPLICAOF", "NO", "ONE") == b"+OK\r\n"
            assert c.command("CONFIG", "REWRITE") == b"+OK\r\n"
        replica.stop()
        text = read(conf)
        assert "replicaof" not in text, text
        assert oct(os.stat(conf).st_mode & 0o777) == oct(0o640), "CONFIG REWRITE loosened the file's mode"
        for kind in ("swredis", "redis"):
            restarted = helpers.start_server(helpers.argv_for_kind(kind) + [conf], dir=tmp, port=port,
                                             default_args=False)
            try:
                with restarted.client() as c:
                    assert b"role:master" in c.command("INFO", "replication"), kind
                    assert c.command("CONFIG", "GET", "maxmemory") == helpers.encode_command("maxmemory", "10485760")
            finally:
                restarted.stop()
    finally:
        replica.stop()
        shutil.rmtree(tmp, ignore_errors=True)
