"""The swredisd supervisor on a temporary configuration directory: readiness through notify sockets, pidfiles,
restarts with backoff, giving up, stale pidfiles, the run-directory lock, reload on SIGHUP, ordered shutdown,
per-instance log files and `swredisd check`. Every process is stopped at the end; traffic stays on loopback."""

import os
import signal
import socket
import subprocess
import threading
import time

import pytest

import helpers
import persistence_helpers as ph


class NotifyListener:
    """A NOTIFY_SOCKET like systemd's: collects every datagram the supervisor sends."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.lines = []
        self.stopping = False
        self.thread = threading.Thread(target=self.drain, daemon=True)
        self.thread.start()

    def drain(self):
        while not self.stopping:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.lines += [(time.monotonic(), line) for line in data.decode().split("\n") if line]

    def texts(self):
        return [line for _, line in self.lines]

    def wait_for(self, predicate, timeout=20, what="notification"):
        ph.wait_for(lambda: any(predicate(line) for line in self.texts()), timeout=timeout, what=what)

    def close(self):
        self.stopping = True
        self.thread.join(timeout=2)
        self.sock.close()


class Topology:
    """A configuration directory with a master and replicas on free ports, and the supervisor running it."""

    def __init__(self, root, replicas=2, settings=""):
        self.root = root
        self.conf = root / "conf"
        self.conf.mkdir(parents=True)
        self.run = root / "run"
        self.lib = root / "lib"
        self.logs = root / "log"
        (self.conf / "swredisd.conf").write_text(
            f"run-dir {self.run}\nstate-dir {self.lib}\nlog-dir {self.logs}\nlog-target both\n"
            f"restart-delay-ms 20\nrestart-max-delay-ms 200\nstop-timeout-seconds 10\n{settings}")
        (self.conf / "common.conf").write_text(
            "bind 127.0.0.1\nsave \"\"\nrepl-diskless-sync-delay 0\nenable-debug-command yes\n")
        self.ports = {}
        master = helpers.free_port()
        self.add("master", master)
        for index in range(replicas):
            self.add(f"replica{index + 1}", helpers.free_port(), f"replicaof 127.0.0.1 {master}\n")
        self.proc = None
        self.notify = None
        self.log_path = root / "supervisor.log"

    def add(self, name, port, extra=""):
        self.ports[name] = port
        (self.conf / f"{name}.conf").write_text(f"include common.conf\nport {port}\n{extra}")

    def start(self, extra_args=(), env_extra=None):
        # A second start (a supervisor restarted by the test) binds a fresh listener.
        (self.root / "notify.sock").unlink(missing_ok=True)
        self.notify = NotifyListener(str(self.root / "notify.sock"))
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path, **(env_extra or {}))
        argv = [helpers.SWREDISD, "--conf-dir", str(self.conf), *extra_args]
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        return self

    def log(self):
        return self.log_path.read_text(errors="replace")

    def pid_of(self, name):
        """The pid in the instance's pidfile, or None while there is none (between a death and the restart)."""
        try:
            return int((self.run / f"{name}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def client(self, name):
        return helpers.RespClient("127.0.0.1", self.ports[name], timeout=5)

    def ping(self, name):
        """The instance answers (a replica loading its first sync answers -LOADING, as Redis does)."""
        try:
            with self.client(name) as c:
                reply = c.command("PING")
                return reply == b"+PONG\r\n" or reply.startswith(b"-LOADING")
        except (OSError, helpers.ConnectionClosed, helpers.ProtocolError):
            # Refused, or closed by an instance shutting down.
            return False

    def wait_ready(self):
        self.notify.wait_for(lambda line: line == "READY=1", what="READY=1 from the supervisor")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.notify:
            self.notify.close()
        if self.proc:
            self.log_file.close()
        # Nothing may outlive the test.
        for name in self.ports:
            pidfile = self.run / f"{name}.pid"
            if pidfile.exists():
                try:
                    os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass


@pytest.fixture
def topology(tmp_path):
    helpers.argv_for_kind("swredis")
    made = []

    def make(**kw):
        t = Topology(tmp_path / f"t{len(made)}", **kw)
        made.append(t)
        return t
    yield make
    for t in made:
        t.stop()


def link_up(t, name):
    with t.client(name) as c:
        return ph.info(c, "replication").get("master_link_status") == "up"


def test_ready_only_when_every_instance_answers(topology):
    t = topology().start()
    t.wait_ready()
    # READY=1 came from the instances' own READY=1: every one answers now.
    assert all(t.ping(name) for name in t.ports)
    statuses = [line for line in t.notify.texts() if line.startswith("STATUS=")]
    assert any(line.startswith("STATUS=3/3 ready; master master, replica1 replica") for line in statuses), statuses
    t.notify.wait_for(lambda line: line.startswith("STATUS=3/3 ready") and line.count("replica ok") == 2,
                      what="replicas reported in sync")
    for name in t.ports:
        pid = t.pid_of(name)
        assert os.getpgid(pid) == pid, "each instance has its own process group"
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
        assert env[b"NOTIFY_SOCKET"] == str(t.run / f"{name}.notify").encode()
        assert (t.lib / name).is_dir()
    assert int((t.run / "swredisd.pid").read_text()) == t.proc.pid


def test_kill9_restarts_the_instance_and_the_replica_resyncs(topology):
    t = topology().start()
    t.wait_ready()
    ph.wait_for(lambda: link_up(t, "replica1"), what="replica in sync")
    old = t.pid_of("replica1")
    os.kill(old, signal.SIGKILL)
    ph.wait_for(lambda: t.pid_of("replica1") not in (None, old) and t.ping("replica1"),
                what="replica restarted")
    with t.client("master") as c:
        ph.ok(c, "SET", "after-restart", "1")
    ph.wait_for(lambda: link_up(t, "replica1"), what="restarted replica in sync")
    with t.client("replica1") as c:
        ph.wait_for(lambda: c.call("GET", "after-restart") == b"1", what="write replicated")
    assert "instance replica1 killed by signal 9; restarting" in t.log()
    assert t.proc.poll() is None


def test_repeated_quick_deaths_end_in_failed_with_the_engine_reason(topology):
    t = topology(replicas=1)
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", t.ports["replica1"]))
    blocker.listen(1)
    try:
        t.start()
        t.wait_ready()  # settled: the master is ready and the replica failed
        ph.wait_for(lambda: "instance replica1 failed: 5 quick deaths in a row" in t.log(), what="gave up")
        log = t.log()
        assert "Address already in use" in log.split("instance replica1 failed")[1].splitlines()[0]
        assert log.count("Started instance replica1") == 5
        t.notify.wait_for(lambda line: "replica1 failed" in line, what="failed in STATUS")
        assert t.ping("master")
    finally:
        blocker.close()


def test_stale_pidfile_is_replaced(topology):
    t = topology(replicas=0)
    t.run.mkdir(parents=True)
    (t.run / "master.pid").write_text("999999\n")
    t.start()
    t.wait_ready()
    assert "Removing stale pidfile" in t.log() and "(pid 999999 is not running)" in t.log()
    assert t.pid_of("master") != 999999 and t.ping("master")


def test_second_supervisor_on_the_same_run_directory_is_refused(topology):
    t = topology(replicas=0).start()
    t.wait_ready()
    second = subprocess.run([helpers.SWREDISD, "--conf-dir", str(t.conf)], capture_output=True, text=True, timeout=20)
    assert second.returncode == 1
    assert f"Another swredisd supervisor (pid {t.proc.pid}) is running on {t.run}" in second.stdout + second.stderr
    assert t.ping("master")


def test_sighup_applies_added_removed_changed_and_keeps_the_rest(topology):
    t = topology().start()
    t.wait_ready()
    before = {name: t.pid_of(name) for name in ("master", "replica1", "replica2")}
    # replica1 changes, replica2 goes away, extra appears, master stays.
    (t.conf / "replica1.conf").write_text((t.conf / "replica1.conf").read_text() + "maxmemory 100mb\n")
    os.remove(t.conf / "replica2.conf")
    t.add("extra", helpers.free_port(), f"replicaof 127.0.0.1 {t.ports['master']}\n")
    os.kill(t.proc.pid, signal.SIGHUP)
    ph.wait_for(lambda: "Reload done" in t.log(), what="reload")
    ph.wait_for(lambda: t.pid_of("extra") is not None and t.ping("extra"), what="added instance up")
    ph.wait_for(lambda: t.pid_of("replica1") not in (None, before["replica1"]) and t.ping("replica1"), what="changed instance restarted")
    ph.wait_for(lambda: not (t.run / "replica2.pid").exists(), what="removed instance stopped")
    assert t.pid_of("master") == before["master"]
    assert not t.ping("replica2")
    with t.client("replica1") as c:
        assert ph.call(c, "CONFIG", "GET", "maxmemory") == [b"maxmemory", b"104857600"]
    assert any(line.startswith("RELOADING=1") for line in t.notify.texts())
    # An invalid edit changes nothing.
    (t.conf / "master.conf").write_text((t.conf / "master.conf").read_text() + "maxmemory lots\n")
    os.kill(t.proc.pid, signal.SIGHUP)
    ph.wait_for(lambda: "Reload refused" in t.log(), what="refused reload")
    assert "master.conf:3: argument must be a memory value" in t.log()
    assert t.pid_of("master") == before["master"] and t.ping("master") and t.ping("extra")


def test_sigterm_stops_replicas_before_the_master(topology):
    t = topology().start()
    t.wait_ready()
    pids = {name: t.pid_of(name) for name in t.ports}
    t.proc.send_signal(signal.SIGTERM)
    assert t.proc.wait(timeout=30) == 0
    log = t.log()
    master_stop = log.index("instance master stopped")
    assert log.index("instance replica1 stopped") < master_stop
    assert log.index("instance replica2 stopped") < master_stop
    assert "STOPPING=1" in t.notify.texts()
    for name, pid in pids.items():
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
        assert not (t.run / f"{name}.pid").exists()
    assert not (t.run / "swredisd.pid").exists()


def test_instance_lines_land_in_their_own_log_files(topology):
    t = topology(replicas=1).start()
    t.wait_ready()
    ph.wait_for(lambda: (t.logs / "replica1.log").exists() and "MASTER <-> REPLICA sync" in (t.logs / "replica1.log").read_text(),
                what="replica log file")
    master_log = (t.logs / "master.log").read_text()
    replica_log = (t.logs / "replica1.log").read_text()
    assert f"{t.pid_of('master')}:M" in master_log and "Ready to accept connections" in master_log
    assert f"{t.pid_of('replica1')}:S" in replica_log
    assert f"{t.pid_of('replica1')}:" not in master_log
    # SIGUSR1 reopens: after logrotate moved the file, new lines go to a fresh one.
    os.rename(t.logs / "master.log", t.logs / "master.log.1")
    os.kill(t.proc.pid, signal.SIGUSR1)
    ph.wait_for(lambda: "reopening log files" in t.log(), what="SIGUSR1 handled")
    with t.client("master") as c:
        ph.ok(c, "DEBUG", "LOG", "after-rotate")
    ph.wait_for(lambda: (t.logs / "master.log").exists() and "after-rotate" in (t.logs / "master.log").read_text(),
                what="reopened log file")


def test_check_lists_problems_with_file_and_line(tmp_path):
    helpers.argv_for_kind("swredis")
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "a.conf").write_text("port 7001\nreplicaof 127.0.0.1 7002\n")
    (conf / "b.conf").write_text("port 7002\nreplicaof 127.0.0.1 7001\n")
    (conf / "c.conf").write_text("# c\nport 7001\nmaxmemory lots\n")
    result = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(conf)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{conf}/c.conf:3: argument must be a memory value" in lines
    assert any(line.startswith(f"{conf}/a.conf:2: replicaof loop: a -> b -> a") for line in lines), lines
    good = tmp_path / "good"
    good.mkdir()
    (good / "x.conf").write_text("port 7003\n")
    ok = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(good)], capture_output=True, text=True, timeout=20)
    assert ok.returncode == 0 and "OK, 1 instance(s)" in ok.stdout
    # The supervisor refuses to start on a directory with problems.
    refused = subprocess.run([helpers.SWREDISD, "--conf-dir", str(conf), "--run-dir", str(tmp_path / "run")],
                             capture_output=True, text=True, timeout=20)
    assert refused.returncode == 1 and "c.conf:3: argument must be a memory value" in refused.stdout + refused.stderr


def test_ctl_status_stop_start_restart(topology):
    t = topology(replicas=1).start()
    t.wait_ready()

    def ctl(*words):
        return subprocess.run([helpers.SWREDISD, "ctl", "--conf-dir", str(t.conf), *words], capture_output=True,
                              text=True, timeout=20)

    status = ctl("status")
    assert status.returncode == 0, status.stderr
    rows = [line.split("\t") for line in status.stdout.splitlines()]
    assert rows[0][:7] == ["NAME", "KIND", "ROLE", "DECLARED", "PID", "PORT", "STATE"]
    by_name = {row[0]: row for row in rows[1:]}
    ph.wait_for(lambda: "master\tmaster" in ctl("status").stdout, what="the master reported its role")
    by_name = {row[0]: row for row in (line.split("\t") for line in ctl("status").stdout.splitlines()[1:])}
    assert by_name["master"][2] == "master" and by_name["master"][6] == "ready"
    assert by_name["master"][4] == str(t.pid_of("master")) and by_name["master"][5] == str(t.ports["master"])
    assert by_name["replica1"][3] == f"replica of 127.0.0.1:{t.ports['master']}"

    assert ctl("stop", "replica1").returncode == 0
    ph.wait_for(lambda: not t.ping("replica1"), what="stopped by ctl")
    assert "\tstopped\t" in ctl("status").stdout
    assert ctl("start", "replica1").returncode == 0
    ph.wait_for(lambda: t.ping("replica1"), what="started by ctl")
    old = t.pid_of("replica1")
    assert ctl("restart", "replica1").returncode == 0
    ph.wait_for(lambda: t.pid_of("replica1") not in (None, old) and t.ping("replica1"),
                what="restarted by ctl")
    bad = ctl("stop", "nosuch")
    assert bad.returncode == 1 and "ERR no instance named 'nosuch'" in bad.stderr
    assert ctl("frobnicate").returncode == 1
    t.proc.send_signal(signal.SIGTERM)
    t.proc.wait(timeout=30)
    gone = ctl("status")
    assert gone.returncode == 1 and "no supervisor answers" in gone.stderr


def test_long_load_extends_the_start_timeout_before_ready(topology, tmp_path):
    """An instance loading a big RDB sends EXTEND_TIMEOUT_USEC; the supervisor forwards it before its READY=1."""
    t = topology(replicas=0)
    source = helpers.start_kind("swredis", ["--enable-debug-command", "yes"])
    try:
        with source.client(timeout=120) as c:
            ph.ok(c, "DEBUG", "POPULATE", 1_500_000, "key", 10)
            ph.ok(c, "SAVE")
        dump = os.path.join(source.dir, "dump.rdb")
        (t.lib / "master").mkdir(parents=True)
        os.replace(dump, t.lib / "master" / "dump.rdb")
    finally:
        source.cleanup()
    t.start()
    t.notify.wait_for(lambda line: line == "READY=1", timeout=120, what="READY=1 after the load")
    lines = t.notify.texts()
    extends = [i for i, line in enumerate(lines) if line.startswith("EXTEND_TIMEOUT_USEC=")]
    assert extends and extends[0] < lines.index("READY=1"), lines[:20]
    with t.client("master") as c:
        assert ph.call(c, "DBSIZE") == 1_500_000


def test_only_supervises_one_declared_instance(topology):
    t = topology(replicas=1).start(["--only", "replica1"])
    t.wait_ready()
    assert t.ping("replica1") and not t.ping("master")
    assert any(line.startswith("STATUS=1/1 ready; replica1 replica") for line in t.notify.texts())


def test_instances_run_as_the_configured_user(tmp_path):
    """Started as root with `user nobody`, the supervisor runs its instances as nobody, in directories they own."""
    import pwd
    import shutil
    import tempfile
    helpers.argv_for_kind("swredis")
    if os.geteuid() != 0:
        pytest.skip("running instances as another user needs root")
    nobody = pwd.getpwnam("nobody")
    root = tempfile.mkdtemp(prefix="swredis-user-", dir="/tmp")
    os.chmod(root, 0o755)
    from pathlib import Path
    t = Topology(Path(root), replicas=0, settings="user nobody\n")
    try:
        t.start()
        t.wait_ready()
        pid = t.pid_of("master")
        with open(f"/proc/{pid}/status") as f:
            uid_line = next(line for line in f if line.startswith("Uid:"))
        assert uid_line.split()[1:3] == [str(nobody.pw_uid)] * 2, uid_line
        assert os.stat(t.lib / "master").st_uid == nobody.pw_uid
        with t.client("master") as c:
            ph.ok(c, "SET", "k", "v")
            ph.ok(c, "SAVE")
        assert os.stat(t.lib / "master" / "dump.rdb").st_uid == nobody.pw_uid
    finally:
        t.stop()
        shutil.rmtree(root, ignore_errors=True)
    bad = Path(tempfile.mkdtemp(prefix="swredis-user-", dir=str(tmp_path)))
    (bad / "swredisd.conf").write_text("user no-such-user-here\n")
    (bad / "a.conf").write_text("port 7010\n")
    result = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(bad)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 1 and f"{bad}/swredisd.conf:1: no such user 'no-such-user-here'" in result.stdout


def test_watchdog_pings_at_half_the_interval(topology):
    t = topology(replicas=0).start(env_extra={"WATCHDOG_USEC": "400000"})
    t.wait_ready()
    time.sleep(1.1)
    pings = [at for at, line in t.notify.lines if line == "WATCHDOG=1"]
    assert len(pings) >= 4, pings  # every 200 ms
    # Instances never see the supervisor's watchdog.
    with open(f"/proc/{t.pid_of('master')}/environ", "rb") as f:
        assert b"WATCHDOG_USEC" not in f.read()


def test_an_instance_logfile_directive_wins(topology):
    t = topology(replicas=0)
    own = t.root / "own-master.log"
    t.add("master", t.ports["master"], f"logfile {own}\n")
    t.start()
    t.wait_ready()
    ph.wait_for(lambda: own.exists() and "Ready to accept connections" in own.read_text(), what="instance's own log file")
    routed = t.logs / "master.log"
    assert not routed.exists() or "Ready to accept connections" not in routed.read_text()


def ctl_status(t):
    out = subprocess.run([helpers.SWREDISD, "ctl", "--conf-dir", str(t.conf), "status"], capture_output=True,
                         text=True, timeout=20).stdout
    return {row[0]: row for row in (line.split("\t") for line in out.splitlines()[1:])}


def role_of(t, name):
    with t.client(name) as c:
        return c.call("ROLE")[0]


def test_a_failover_survives_restart_and_reload_and_ctl_reset_returns_the_declared_role(topology):
    t = topology(replicas=2).start()
    t.wait_ready()
    # A replica still loading its first sync refuses SLAVEOF (-LOADING), as Redis does.
    for name in ("replica1", "replica2"):
        ph.wait_for(lambda name=name: link_up(t, name), what=f"{name} in sync")
    declared = {path.name: path.read_bytes() for path in t.conf.iterdir()}
    master, promoted, other = t.ports["master"], t.ports["replica1"], t.ports["replica2"]
    # What a sentinel sends in a failover: REPLICAOF and CONFIG REWRITE in one transaction.
    with t.client("replica1") as c:
        assert c.call("MULTI") == b"OK"
        for command in (["SLAVEOF", "NO", "ONE"], ["CONFIG", "REWRITE"]):
            c.call(*command)
        assert c.call("EXEC") == [b"OK", b"OK"]
    for name in ("master", "replica2"):
        with t.client(name) as c:
            assert c.call("REPLICAOF", "127.0.0.1", str(promoted)) == b"OK"
            assert c.call("CONFIG", "REWRITE") == b"OK"
    assert (t.lib / "replica1" / "runtime.conf").read_text().splitlines()[-1] == "replicaof no one"
    assert f"replicaof 127.0.0.1 {promoted}" in (t.lib / "master" / "runtime.conf").read_text()
    assert {path.name: path.read_bytes() for path in t.conf.iterdir()} == declared, "the declared files are untouched"
    ph.wait_for(lambda: ctl_status(t)["replica1"][2] == "master", what="ctl status shows the promotion")
    rows = ctl_status(t)
    assert rows["replica1"][3] == f"replica of 127.0.0.1:{master}"
    assert rows["master"][2].startswith(f"replica of 127.0.0.1:{promoted}") and rows["master"][3] == "master"

    # A reload keeps what the failover did; a restart of the whole supervisor too.
    t.proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert role_of(t, "replica1") == b"master" and role_of(t, "master") == b"slave"
    t.stop()
    t.start()
    t.wait_ready()
    assert role_of(t, "replica1") == b"master"
    for name in ("master", "replica2"):
        with t.client(name) as c:
            assert ph.info(c, "replication")["master_port"] == str(promoted)
    ph.wait_for(lambda: link_up(t, "master"), what="the old master follows the new one after the restart")

    # On purpose, back to the declared role.
    reset = subprocess.run([helpers.SWREDISD, "ctl", "--conf-dir", str(t.conf), "reset", "master"],
                           capture_output=True, text=True, timeout=20)
    assert reset.returncode == 0, reset.stderr
    ph.wait_for(lambda: t.ping("master") and role_of(t, "master") == b"master", what="master back to its declared role")
    assert not (t.lib / "master" / "runtime.conf").exists()
    assert "ctl: reset master: removed" in t.log()


def test_sentinels_in_the_directory_run_as_sentinels_and_never_write_it(topology):
    t = topology(replicas=1)
    sentinel_ports = [helpers.free_port() for _ in range(3)]
    (t.conf / "sentinel-common.conf").write_text(
        f"bind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {t.ports['master']} 2\n"
        "sentinel down-after-milliseconds mymaster 2000\n")
    for index, port in enumerate(sentinel_ports):
        (t.conf / f"s{index}.conf").write_text(f"include sentinel-common.conf\nport {port}\n")
        t.ports[f"s{index}"] = port
    check = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(t.conf)], capture_output=True, text=True,
                           timeout=20)
    assert "s0 (sentinel, port" in check.stdout, check.stdout
    declared = {path.name: path.read_bytes() for path in t.conf.iterdir()}
    t.start()
    t.wait_ready()

    def discovered():
        with helpers.RespClient(port=sentinel_ports[0]) as c:
            fields = c.call("SENTINEL", "MASTER", "mymaster")
        fields = dict(zip(fields[::2], fields[1::2]))
        return fields[b"num-other-sentinels"] == b"2" and fields[b"num-slaves"] == b"1"

    ph.wait_for(discovered, timeout=20, what="the sentinels found each other and the replica")
    rows = ctl_status(t)
    assert rows["s0"][1] == "sentinel" and rows["s0"][2] == "sentinel" and rows["s0"][6] == "ready"
    state = (t.lib / "s0" / "sentinel-state.conf").read_text()
    assert "sentinel myid " in state and "sentinel known-sentinel mymaster" in state
    assert f"sentinel known-replica mymaster 127.0.0.1 {t.ports['replica1']}" in state
    assert {path.name: path.read_bytes() for path in t.conf.iterdir()} == declared
    # A restarted sentinel keeps its id (from the state file).
    myid = state.split("sentinel myid ")[1].split()[0]
    old = t.pid_of("s0")
    os.kill(old, signal.SIGKILL)
    ph.wait_for(lambda: t.pid_of("s0") not in (None, old) and t.ping("s0"), what="sentinel restarted")
    with helpers.RespClient(port=sentinel_ports[0]) as c:
        assert c.call("SENTINEL", "MYID").decode() == myid
    bad = (t.conf / "s9.conf")
    bad.write_text("sentinel monitor m 127.0.0.1 1 0\n")
    check = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(t.conf)], capture_output=True, text=True,
                           timeout=20)
    assert check.returncode != 0 and "s9.conf:1: Quorum must be 1 or greater." in check.stdout + check.stderr
    bad.unlink()
