"""Replication across hosts: the seeds' topology with every instance in its own network namespace (a master on
6379, replicas on 6380 and 6381, each replica linked to the master by its own veth pair). One replica's link is
cut (`ip link set ... down`) long enough for both sides to time out, writes go on, the link comes back: the
replica continues with a partial resync and ends with the master's data; the other replica never noticed.

Needs root (network namespaces); the namespaces and every process are removed at the end."""

import os
import shutil
import subprocess
import time

import pytest

import helpers
import persistence_helpers as ph

TIMEOUT_ARGS = ["--repl-timeout", "3", "--repl-ping-replica-period", "1", "--repl-diskless-sync-delay", "0"]


def run(*argv, check=True):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=20)


class Host:
    """A network namespace holding one swredisd."""

    def __init__(self, name, address_by_peer):
        self.name = name
        self.addresses = address_by_peer
        self.proc = None
        self.dir = None
        self.port = None

    def cli(self, *args, check=True):
        address = next(iter(self.addresses.values()))
        out = run("ip", "netns", "exec", self.name, "redis-cli", "-h", address, "-p", str(self.port), *map(str, args),
                  check=check)
        return out.stdout.strip()

    def info(self, section):
        fields = {}
        for line in self.cli("INFO", section).splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        return fields

    def start(self, binary, port, extra, directory):
        self.port = port
        self.dir = directory
        binds = " ".join(["127.0.0.1", *self.addresses.values()])
        argv = ["ip", "netns", "exec", self.name, *binary, "--port", str(port), "--bind", binds, "--dir", directory,
                "--save", "", "--protected-mode", "no", "--enable-debug-command", "yes", *TIMEOUT_ARGS, *map(str, extra)]
        self.log = open(os.path.join(directory, f"server-{port}.log"), "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ph.wait_for(lambda: self.cli("PING", check=False) == "PONG", timeout=10, what=f"{self.name} up")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()

    def log_text(self):
        with open(os.path.join(self.dir, f"server-{self.port}.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")


@pytest.fixture
def topology(tmp_path):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2")
    binary = helpers.argv_for_kind("swredis")
    tag = f"sw{os.getpid() % 100000}"
    master = Host(f"{tag}-m", {"r1": "198.18.1.1", "r2": "198.18.2.1"})
    replicas = [Host(f"{tag}-r1", {"m": "198.18.1.2"}), Host(f"{tag}-r2", {"m": "198.18.2.2"})]
    hosts = [master, *replicas]
    try:
        for host in hosts:
            run("ip", "netns", "add", host.name)
            run("ip", "-n", host.name, "link", "set", "lo", "up")
        for index, replica in enumerate(replicas, start=1):
            outer, inner = f"{tag}m{index}", f"{tag}r{index}"
            run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            run("ip", "link", "set", outer, "netns", master.name)
            run("ip", "link", "set", inner, "netns", replica.name)
            run("ip", "-n", master.name, "addr", "add", f"198.18.{index}.1/24", "dev", outer)
            run("ip", "-n", replica.name, "addr", "add", f"198.18.{index}.2/24", "dev", inner)
            run("ip", "-n", master.name, "link", "set", outer, "up")
            run("ip", "-n", replica.name, "link", "set", inner, "up")
            replica.interface = inner
        for port, host in zip((6379, 6380, 6381), hosts):
            directory = tmp_path / host.name
            directory.mkdir()
            extra = [] if host is master else ["--replicaof", f"198.18.{port - 6379}.1", "6379"]
            host.start(binary, port, extra, str(directory))
        yield master, replicas
    finally:
        for host in hosts:
            host.stop()
        for host in hosts:
            run("ip", "netns", "del", host.name, check=False)


def in_sync(master, replica):
    offset = master.info("replication")["master_repl_offset"]
    info = replica.info("replication")
    return info.get("master_link_status") == "up" and info.get("slave_repl_offset") == offset


def test_link_cut_between_namespaces_ends_in_a_partial_resync(topology):
    master, (cut, steady) = topology
    master.cli("SET", "before", "1")
    ph.wait_for(lambda: in_sync(master, cut) and in_sync(master, steady), timeout=15, what="initial sync")
    assert master.info("replication")["connected_slaves"] == "2"

    run("ip", "-n", cut.name, "link", "set", cut.interface, "down")
    try:
        for i in range(20):
            master.cli("RPUSH", "log", f"entry-{i}")
        ph.wait_for(lambda: master.info("replication")["connected_slaves"] == "1", timeout=15,
                    what="master dropping the unreachable replica")
        ph.wait_for(lambda: cut.info("replication")["master_link_status"] == "down", timeout=15,
                    what="replica noticing the dead link")
    finally:
        run("ip", "-n", cut.name, "link", "set", cut.interface, "up")

    ph.wait_for(lambda: in_sync(master, cut), timeout=20, what="resync after the link came back")
    stats = master.info("stats")
    assert stats["sync_full"] == "2"  # the two initial syncs only
    assert stats["sync_partial_ok"] == "1"
    assert "Successful partial resynchronization with master." in cut.log_text()
    assert master.cli("DEBUG", "DIGEST") == cut.cli("DEBUG", "DIGEST") == steady.cli("DEBUG", "DIGEST")
    assert cut.cli("LRANGE", "log", "0", "-1").splitlines() == [f"entry-{i}" for i in range(20)]
    # The steady replica kept its link the whole time.
    assert "Connection with master lost" not in steady.log_text()
