"""The fenced virtual IP across hosts: three hosts and a client in network namespaces on one bridge (198.18.0.0/24),
each host running the swredisd supervisor with a data instance (6379; 198.18.0.1 the declared master) and a sentinel
(26379), the VIP 198.18.0.100/24 declared in every host's swredisd.conf. An observer in the client namespace asks
who has the VIP every 50 ms and every test asserts that never more than one MAC answers.

- The master host dies (kill -9 of all its processes, its link down): the VIP moves and a client writing to it
  resumes on the new master; the time from the kill to the first acknowledged write is measured.
- The master host is cut from the two others (the client still reaches it): it drops the VIP within its lease and
  stops acknowledging writes, the majority fails over and takes the VIP; healed, the old master rejoins as a replica
  and the VIP stays. Acknowledged writes lost are counted, with and without `min-replicas-to-write 1`.

Needs root, iproute2 and iptables; every namespace and process is removed at the end. Figures are printed
(`pytest -s`): this is a test of correctness, not of speed."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

import helpers
import persistence_helpers as ph

HERE = os.path.dirname(os.path.abspath(__file__))
VIP = "198.18.0.100"
CLIENT = "198.18.0.10"
LEASE_MS = 2000


def run(*argv, check=True, timeout=20):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=timeout)


class Network:
    """A bridge namespace, three hosts and a client, each joined to the bridge by a veth pair."""

    def __init__(self, root, tag):
        self.root = root
        self.tag = tag
        self.bridge = f"{tag}br"
        self.hosts = [f"{tag}h{i}" for i in (1, 2, 3)]
        self.client = f"{tag}c"
        self.processes = {}
        self.made = []

    def ns(self, name, *argv, check=True, timeout=20):
        return run("ip", "netns", "exec", name, *argv, check=check, timeout=timeout)

    def create(self):
        run("ip", "netns", "add", self.bridge)
        self.made.append(self.bridge)
        self.ns(self.bridge, "ip", "link", "add", "br0", "type", "bridge")
        self.ns(self.bridge, "ip", "link", "set", "br0", "up")
        for index, name in enumerate(self.hosts + [self.client]):
            run("ip", "netns", "add", name)
            self.made.append(name)
            outside = f"{self.tag}v{index}"
            run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", name)
            run("ip", "link", "set", outside, "netns", self.bridge)
            self.ns(self.bridge, "ip", "link", "set", outside, "master", "br0", "up")
            address = CLIENT if name == self.client else f"198.18.0.{index + 1}"
            self.ns(name, "ip", "addr", "add", f"{address}/24", "dev", "eth0")
            self.ns(name, "ip", "link", "set", "eth0", "up")
            self.ns(name, "ip", "link", "set", "lo", "up")

    def host_address(self, index):
        return f"198.18.0.{index + 1}"

    def mac(self, index):
        return self.ns(self.hosts[index], "cat", "/sys/class/net/eth0/address").stdout.strip()

    def start_host(self, index, extra_data=""):
        name = self.hosts[index]
        base = self.root / name
        conf = base / "conf"
        conf.mkdir(parents=True)
        sentinels = ",".join(f"198.18.0.{i}:26379" for i in (1, 2, 3))
        (conf / "swredisd.conf").write_text(
            f"run-dir {base}/run\nstate-dir {base}/lib\nlog-dir {base}/log\nlog-target file\n"
            f"restart-delay-ms 20\nvip-address {VIP}/24\nvip-interface eth0\nvip-master mymaster\n"
            f"vip-sentinels {sentinels}\nvip-lease-ms {LEASE_MS}\n")
        replica = "" if index == 0 else "replicaof 198.18.0.1 6379\n"
        (conf / "data.conf").write_text(
            "bind 0.0.0.0\nport 6379\nprotected-mode no\nsave \"\"\nrepl-diskless-sync-delay 0\n"
            f"repl-timeout 3\n{replica}{extra_data}")
        (conf / "sentinel.conf").write_text(
            "bind 0.0.0.0\nport 26379\nsentinel monitor mymaster 198.18.0.1 6379 2\n"
            "sentinel down-after-milliseconds mymaster 1500\nsentinel failover-timeout mymaster 10000\n")
        log = open(base / "supervisor.log", "wb")
        self.processes[name] = subprocess.Popen(
            ["ip", "netns", "exec", name, helpers.SWREDISD, "--conf-dir", str(conf)], stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def cli(self, index, port, *args, check=False):
        return self.ns(self.hosts[index], "redis-cli", "-h", self.host_address(index), "-p", str(port),
                       *map(str, args), check=check, timeout=5).stdout.strip()

    def supervisor_log(self, index):
        return (self.root / self.hosts[index] / "supervisor.log").read_text(errors="replace")

    def kill_host(self, index):
        """The host dies: every process in its namespace gets SIGKILL and its link goes down."""
        name = self.hosts[index]
        for pid in run("ip", "netns", "pids", name, check=False).stdout.split():
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
        self.ns(name, "ip", "link", "set", "eth0", "down")

    def partition(self, index, cut):
        """Drops traffic between host `index` and the other hosts (the client still reaches it)."""
        action = "-A" if cut else "-D"
        for other in range(3):
            if other == index:
                continue
            for chain, flag in (("INPUT", "-s"), ("OUTPUT", "-d")):
                self.ns(self.hosts[index], "iptables", action, chain, flag, self.host_address(other), "-j", "DROP")

    def destroy(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for name in self.made:
            for pid in run("ip", "netns", "pids", name, check=False).stdout.split():
                try:
                    os.kill(int(pid), 9)
                except ProcessLookupError:
                    pass
            run("ip", "netns", "del", name, check=False)


class Background:
    """A JSON-lines helper running in the client namespace."""

    def __init__(self, network, script, *args):
        self.out = open(network.root / f"{script}.jsonl", "wb")
        self.path = network.root / f"{script}.jsonl"
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", network.client, sys.executable, os.path.join(HERE, "vip", script), *map(str, args)],
            stdout=self.out, stderr=subprocess.STDOUT)

    def lines(self):
        records = []
        for line in self.path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return records

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=10)
        self.out.close()


@pytest.fixture
def network(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    net = Network(tmp_path, f"v{os.getpid() % 10000}")
    try:
        net.create()
        yield net
    finally:
        net.destroy()


def holder_macs(observer):
    return [record["macs"] for record in observer.lines()]


def start_topology(network, extra_data=""):
    for index in range(3):
        network.start_host(index, extra_data)
    ph.wait_for(lambda: all(network.cli(i, 6379, "PING") == "PONG" for i in range(3)), timeout=30, what="data up")
    # Every sentinel must know the replicas (from the master's INFO, every 10 s) before the master can be lost.
    ph.wait_for(lambda: all("num-other-sentinels\n2" in network.cli(i, 26379, "SENTINEL", "MASTER", "mymaster")
                            and "num-slaves\n2" in network.cli(i, 26379, "SENTINEL", "MASTER", "mymaster")
                            for i in range(3)), timeout=30, what="sentinels found each other and the replicas")
    master_mac = network.mac(0)
    observer = Background(network, "arp_observer.py", "eth0", VIP, 600, 0.05, CLIENT)
    ph.wait_for(lambda: any(macs == [master_mac] for macs in holder_macs(observer)), timeout=30,
                what="the VIP answers from the master's host")
    return observer


def test_the_vip_follows_a_dead_master_with_never_two_holders(network):
    observer = start_topology(network)
    writer = Background(network, "writer.py", VIP, 6379, 120, "kill")
    ph.wait_for(lambda: any("acked" in r for r in writer.lines()), timeout=20, what="writes through the VIP")
    killed_at = time.time()
    network.kill_host(0)
    ph.wait_for(lambda: any("acked" in r and r["t"] > killed_at + 0.2 for r in writer.lines()), timeout=60,
                what="writes resume at the VIP")
    resumed = min(r["t"] for r in writer.lines() if "acked" in r and r["t"] > killed_at + 0.2)
    new_macs = {network.mac(1), network.mac(2)}
    ph.wait_for(lambda: holder_macs(observer)[-1] and set(holder_macs(observer)[-1]) <= new_macs, timeout=10,
                what="the VIP answers from a surviving host")
    # The new holder announced itself with gratuitous ARP (neighbours need not wait for their entries to go stale).
    ph.wait_for(lambda: any(set(r.get("gratuitous", [])) & new_macs for r in observer.lines()), timeout=10,
                what="a gratuitous ARP from the new holder")
    time.sleep(1)
    writer.stop()
    observer.stop()
    windows = holder_macs(observer)
    assert max(len(macs) for macs in windows) == 1, [m for m in windows if len(m) > 1][:5]
    print(f"kill -9 of the master host to the first acknowledged write at the VIP: {resumed - killed_at:.2f} s "
          f"({len(windows)} ARP windows of 50 ms, never two MACs)")
    logs = network.supervisor_log(1) + network.supervisor_log(2)
    assert "VIP 198.18.0.100/24 added on eth0 at epoch 1" in logs


@pytest.mark.parametrize("min_replicas", [0, 1])
def test_a_partitioned_master_drops_the_vip_and_the_majority_takes_it(network, min_replicas):
    extra = "min-replicas-to-write 1\nmin-replicas-max-lag 2\n" if min_replicas else ""
    observer = start_topology(network, extra)
    writer = Background(network, "writer.py", VIP, 6379, 120, "partition")
    ph.wait_for(lambda: any("acked" in r for r in writer.lines()), timeout=20, what="writes through the VIP")
    cut_at = time.time()
    network.partition(0, True)
    old_mac = network.mac(0)
    ph.wait_for(lambda: f"VIP {VIP}/24 dropped" in network.supervisor_log(0), timeout=LEASE_MS / 1000 + 5,
                what="the cut-off host drops the VIP within its lease")
    drop_seen = time.time()
    dropped_line = next(line for line in network.supervisor_log(0).splitlines() if f"VIP {VIP}/24 dropped" in line)
    new_macs = {network.mac(1), network.mac(2)}
    ph.wait_for(lambda: holder_macs(observer)[-1] and set(holder_macs(observer)[-1]) <= new_macs, timeout=60,
                what="the majority side holds the VIP")
    time.sleep(2)
    network.partition(0, False)
    ph.wait_for(lambda: "role:slave" in network.cli(0, 6379, "INFO", "replication"), timeout=60,
                what="the old master rejoins as a replica")
    time.sleep(3)
    writer.stop()
    observer.stop()
    windows = holder_macs(observer)
    assert max(len(macs) for macs in windows) == 1, [m for m in windows if len(m) > 1][:5]
    assert old_mac not in windows[-1], "the VIP stays with the new master after the heal"
    acked = {r["acked"] for r in writer.lines() if "acked" in r}
    new_master = next(i for i in (1, 2) if "role:master" in network.cli(i, 6379, "INFO", "replication"))
    present = {int(v) for v in network.cli(new_master, 6379, "LRANGE", "partition", "0", "-1").split()}
    lost = sorted(acked - present)
    acked_at = {r["acked"]: r["t"] for r in writer.lines() if "acked" in r}
    after_cut = [value for value, t in acked_at.items() if t > cut_at]
    print(f"partition (min-replicas-to-write {min_replicas}): {len(acked)} writes acknowledged, {len(lost)} lost, "
          f"{len(after_cut)} acknowledged after the cut; {dropped_line.split(' # ')[-1]}")
    # Fencing: the old master stops acknowledging when it drops the VIP; whatever it acknowledged later would be lost.
    late = [(value, round(acked_at[value] - drop_seen, 3)) for value in lost if acked_at[value] > drop_seen]
    assert not late, late[:5]
