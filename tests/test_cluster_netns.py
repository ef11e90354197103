"""A swredisd cluster across three hosts (network namespaces on one bridge, 198.18.0.1-3): each host runs a master
on 7000 and a replica on 7001, created by `redis-cli --cluster create --cluster-replicas 1` (which puts each
replica on another host than its master). Host 1 is cut from the others (iptables; clients on host 1 still reach
it): its master, alone in a minority, stops accepting writes once the node timeout has passed (cluster_state fail,
-CLUSTERDOWN), as Redis's does; the majority fails it and elects its replica, whose slots accept writes again. When
the cut heals, the old master follows the new one and every node is ok.

Needs root (network namespaces, iptables); the namespaces and every process are removed at the end."""

import os
import shutil
import subprocess
import time

import pytest

import helpers
import persistence_helpers as ph

NODE_TIMEOUT = 2000


def run(*argv, check=True, timeout=30):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=timeout)


class Hosts:
    def __init__(self, root, tag):
        self.root = root
        self.tag = tag
        self.bridge = f"{tag}br"
        self.names = [f"{tag}h{i}" for i in (1, 2, 3)]
        self.made = []
        self.processes = []

    def ns(self, index, *argv, check=True):
        return run("ip", "netns", "exec", self.names[index], *argv, check=check)

    @staticmethod
    def address(index):
        return f"198.18.0.{index + 1}"

    def create(self):
        run("ip", "netns", "add", self.bridge)
        self.made.append(self.bridge)
        run("ip", "netns", "exec", self.bridge, "ip", "link", "add", "br0", "type", "bridge")
        run("ip", "netns", "exec", self.bridge, "ip", "link", "set", "br0", "up")
        for index, name in enumerate(self.names):
            run("ip", "netns", "add", name)
            self.made.append(name)
            outside = f"{self.tag}v{index}"
            run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", name)
            run("ip", "link", "set", outside, "netns", self.bridge)
            run("ip", "netns", "exec", self.bridge, "ip", "link", "set", outside, "master", "br0", "up")
            self.ns(index, "ip", "addr", "add", f"{self.address(index)}/24", "dev", "eth0")
            self.ns(index, "ip", "link", "set", "eth0", "up")
            self.ns(index, "ip", "link", "set", "lo", "up")

    def start_node(self, index, port):
        directory = self.root / f"h{index + 1}-{port}"
        directory.mkdir()
        log = open(directory / "server.log", "wb")
        argv = ["ip", "netns", "exec", self.names[index], *helpers.argv_for_kind("swredis"), "--port", str(port),
                "--bind", self.address(index), "--dir", str(directory), "--save", "", "--protected-mode", "no",
                "--cluster-enabled", "yes", "--cluster-node-timeout", str(NODE_TIMEOUT),
                "--repl-diskless-sync-delay", "0"]
        self.processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
        ph.wait_for(lambda: self.cli(index, port, "PING") == "PONG", timeout=10, what=f"host {index + 1}:{port}")

    def cli(self, index, port, *args):
        out = self.ns(index, "redis-cli", "-h", self.address(index), "-p", str(port), *map(str, args), check=False)
        return out.stdout.strip()

    def partition(self, index, cut):
        action = "-A" if cut else "-D"
        for other in range(3):
            if other != index:
                self.ns(index, "iptables", action, "INPUT", "-s", self.address(other), "-j", "DROP")
                self.ns(index, "iptables", action, "OUTPUT", "-d", self.address(other), "-j", "DROP")

    def destroy(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for name in self.made:
            run("ip", "netns", "del", name, check=False)


@pytest.fixture
def hosts(tmp_path):
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("iptables") is None:
        pytest.skip("network namespaces need root, iproute2 and iptables")
    h = Hosts(tmp_path, f"cl{os.getpid() % 10000}")
    try:
        h.create()
        for index in range(3):
            for port in (7000, 7001):
                h.start_node(index, port)
        nodes = [f"{h.address(i)}:7000" for i in range(3)] + [f"{h.address(i)}:7001" for i in range(3)]
        created = h.ns(0, "redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", "1", "--cluster-yes",
                       check=False)
        assert "[OK] All 16384 slots covered." in created.stdout, created.stdout + created.stderr
        for index in range(3):
            for port in (7000, 7001):
                ph.wait_for(lambda: "cluster_state:ok" in h.cli(index, port, "CLUSTER", "INFO"), timeout=20,
                            what=f"host {index + 1}:{port} ok")
        yield h
    finally:
        h.destroy()


def nodes(h, index, port):
    """CLUSTER NODES of a node as {address: (id, flags, master id, slots)}."""
    view = {}
    for line in h.cli(index, port, "CLUSTER", "NODES").splitlines():
        fields = line.split()
        view[fields[1].split("@")[0]] = (fields[0], set(fields[2].split(",")), fields[3], tuple(fields[8:]))
    return view


def key_served_by(h, index, port):
    """A key in the first slot the node serves."""
    first = int(nodes(h, index, port)[f"{h.address(index)}:{port}"][3][0].split("-")[0])
    for i in range(100000):
        key = f"k{{{i}}}"
        if int(h.cli(index, port, "CLUSTER", "KEYSLOT", key)) == first:
            return key
    raise AssertionError("no key for the slot")


def test_an_isolated_master_stops_writes_and_the_majority_replaces_it(hosts):
    h = hosts
    isolated = f"{h.address(0)}:7000"

    def replica_of_isolated():
        view = nodes(h, 1, 7000)
        return next((address for address, (_, flags, master, _) in view.items()
                     if "slave" in flags and master == view[isolated][0]), None)

    ph.wait_for(lambda: replica_of_isolated() is not None, timeout=20, what="the replicas to be known")
    replica = replica_of_isolated()
    replica_index = [h.address(i) for i in range(3)].index(replica.split(":")[0])
    key = key_served_by(h, 0, 7000)
    assert h.cli(0, 7000, "SET", key, "before") == "OK"
    cut = time.monotonic()
    h.partition(0, True)
    # The minority master refuses writes after the node timeout (it sees the other masters PFAIL: no quorum).
    ph.wait_for(lambda: h.cli(0, 7000, "SET", key, "minority").startswith("CLUSTERDOWN"), timeout=20,
                what="the isolated master to refuse writes")
    refused = time.monotonic() - cut
    assert "cluster_state:fail" in h.cli(0, 7000, "CLUSTER", "INFO")
    # The majority fails it and elects its replica on another host; the slot takes writes there.
    ph.wait_for(lambda: "master" in nodes(h, 1, 7000)[replica][1], timeout=30, what="the replica to be elected")
    elected = time.monotonic() - cut
    replica_port = int(replica.split(":")[1])
    ph.wait_for(lambda: h.cli(replica_index, replica_port, "SET", key, "majority") == "OK", timeout=10,
                what="writes on the new master")
    print(f"\n[cluster partition] the isolated master refused writes {refused:.2f} s after the cut, its replica was "
          f"elected after {elected:.2f} s (node timeout {NODE_TIMEOUT} ms)")
    assert refused < NODE_TIMEOUT / 1000 + 5
    assert "fail" in nodes(h, 2, 7000)[isolated][1]
    # The cut heals: the old master follows the new one, every node is ok, the majority's write stands.
    h.partition(0, False)
    ph.wait_for(lambda: "slave" in nodes(h, 0, 7000)[isolated][1], timeout=30, what="the old master to follow")
    assert nodes(h, 0, 7000)[isolated][2] == nodes(h, 1, 7000)[replica][0]
    for index in range(3):
        for port in (7000, 7001):
            ph.wait_for(lambda: "cluster_state:ok" in h.cli(index, port, "CLUSTER", "INFO"), timeout=30,
                        what=f"host {index + 1}:{port} ok after the heal")
    assert h.cli(replica_index, replica_port, "GET", key) == "majority"
    ph.wait_for(lambda: "master_link_status:up" in h.cli(0, 7000, "INFO", "replication"), timeout=20,
                what="the old master replicating from the new one")
