"""The fenced virtual IP across hosts, side by side with the anchor: three hosts and a client in network namespaces on
one bridge (198.18.0.0/24), a master (198.18.0.1) and two replicas on 6379 and a sentinel on 26379 on every host, the
VIP 198.18.0.100/24. An observer in the client namespace asks who has the VIP every 50 ms; a writer in the client
pushes unique values through the VIP. Two topologies run the same scenarios:

- swredis: each host runs the swredisd supervisor with a data instance and a sentinel, the VIP declared in every
  host's swredisd.conf (a lease granted by a majority of sentinels); never more than one MAC may answer.
- anchor: Debian's redis-server and redis-sentinel with the seeds' VIP (shared/seeds/002): the VIP added by hand on the
  first master's host and moved by a client-reconfig-script (tests/vip/seed_reconfig.sh) that adds it on the host
  sentinel names as the new master and deletes it everywhere else. It is expected to show two holders under a
  partition; that is recorded, not asserted; what is asserted is that its failover happened.

Scenarios:

- The master host dies (kill -9 of all its processes, its link down): the VIP moves and the writer resumes on the new
  master; the time from the kill to the first acknowledged write is measured, with a timeline from the logs.
- The master host is cut from the two others (the client still reaches it): swredis drops the VIP within its lease and
  stops acknowledging writes, the majority fails over and takes the VIP; healed, the old master rejoins as a replica
  and the VIP stays. Double-holder observations and acknowledged writes lost are counted, with and without
  `min-replicas-to-write 1`.

The last test prints both topologies side by side. Needs root, iproute2 and iptables (and redis-server/redis-sentinel
for the anchor); every namespace and process is removed at the end. Figures are printed (`pytest -s`): this is a test
of correctness, not of speed."""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

import helpers
import persistence_helpers as ph

HERE = os.path.dirname(os.path.abspath(__file__))
VIP = "198.18.0.100"
NETMASK = 24
CLIENT = "198.18.0.10"
# The IPv6 run: the documentation prefix (RFC 3849), hosts 2001:db8::1-3, the client 2001:db8::10.
VIP6 = "2001:db8::100"
NETMASK6 = 64
CLIENT6 = "2001:db8::10"
LEASE_MS = 1000
DOWN_AFTER_MS = 1500
FAILOVER_TIMEOUT_MS = 10000
# How long the partition scenario keeps the master host cut off (longer if the majority side is slower to answer).
PARTITION_S = 12.0
MASTER = "198.18.0.1"
SEED_SCRIPT = os.path.join(HERE, "vip", "seed_reconfig.sh")
ANCHOR_SERVER = "/usr/bin/redis-server"
ANCHOR_SENTINEL = "/usr/bin/redis-sentinel"
TOPOLOGIES = ("swredis", "anchor")

# What every scenario measured, by topology, for the side-by-side table of the last test.
RESULTS = {}


def run(*argv, check=True, timeout=20):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=timeout)


class Network:
    """A bridge namespace, three hosts and a client, each joined to the bridge by a veth pair; the hosts run the
    swredis supervisor or the anchor's redis-server and redis-sentinel (`topology`)."""

    def __init__(self, root, tag, topology, ipv6=False):
        self.root = root
        self.tag = tag
        self.topology = topology
        self.ipv6 = ipv6
        # The VIP and the client's own address in the VIP's family (the hosts always talk IPv4 among themselves).
        self.vip, self.prefix, self.client_address = (VIP6, NETMASK6, CLIENT6) if ipv6 else (VIP, NETMASK, CLIENT)
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
            if self.ipv6:
                address6 = CLIENT6 if name == self.client else f"2001:db8::{index + 1}"
                self.ns(name, "ip", "-6", "addr", "add", f"{address6}/64", "dev", "eth0", "nodad")
            self.ns(name, "ip", "link", "set", "eth0", "up")
            self.ns(name, "ip", "link", "set", "lo", "up")

    def host_address(self, index):
        return f"198.18.0.{index + 1}"

    def mac(self, index):
        return self.ns(self.hosts[index], "cat", "/sys/class/net/eth0/address").stdout.strip()

    def base(self, index):
        return self.root / self.hosts[index]

    def data_conf(self, index, extra_data):
        replica = "" if index == 0 else f"replicaof {MASTER} 6379\n"
        return (f"bind 0.0.0.0{' ::' if self.ipv6 else ''}\nport 6379\nprotected-mode no\nsave \"\"\nrepl-diskless-sync-delay 0\n"
                f"repl-timeout 3\n{replica}{extra_data}")

    @staticmethod
    def sentinel_conf():
        return ("bind 0.0.0.0\nport 26379\n"
                f"sentinel monitor mymaster {MASTER} 6379 2\n"
                f"sentinel down-after-milliseconds mymaster {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout mymaster {FAILOVER_TIMEOUT_MS}\n")

    def start_host(self, index, extra_data=""):
        if self.topology == "swredis":
            self.start_swredis_host(index, extra_data)
        else:
            self.start_anchor_host(index, extra_data)

    def start_swredis_host(self, index, extra_data):
        name = self.hosts[index]
        base = self.base(index)
        conf = base / "conf"
        conf.mkdir(parents=True)
        sentinels = ",".join(f"198.18.0.{i}:26379" for i in (1, 2, 3))
        (conf / "swredisd.conf").write_text(
            f"run-dir {base}/run\nstate-dir {base}/lib\nlog-dir {base}/log\nlog-target file\n"
            f"restart-delay-ms 20\nvip-address {self.vip}/{self.prefix}\nvip-interface eth0\nvip-master mymaster\n"
            f"vip-sentinels {sentinels}\nvip-lease-ms {LEASE_MS}\n")
        (conf / "data.conf").write_text(self.data_conf(index, extra_data))
        (conf / "sentinel.conf").write_text(self.sentinel_conf())
        log = open(base / "supervisor.log", "wb")
        self.processes[name] = [subprocess.Popen(
            ["ip", "netns", "exec", name, helpers.SWREDISD, "--conf-dir", str(conf)], stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)]

    def start_anchor_host(self, index, extra_data):
        """Debian's redis-server and redis-sentinel, the seed's client-reconfig-script moving the VIP."""
        name = self.hosts[index]
        base = self.base(index)
        for sub in ("conf", "lib", "run", "log"):
            (base / sub).mkdir(parents=True)
        (base / "conf" / "data.conf").write_text(
            self.data_conf(index, extra_data) + f"dir {base}/lib\nlogfile {base}/log/data.log\n")
        (base / "conf" / "sentinel.conf").write_text(
            f"protected-mode no\ndir {base}/run\nlogfile {base}/log/sentinel.log\n" + self.sentinel_conf()
            + f"sentinel client-reconfig-script mymaster {SEED_SCRIPT}\n")
        # The seed hard-codes these in the script on every server; one copy serves the three hosts here.
        env = dict(os.environ, SEED_LOCAL_IP=self.host_address(index), SEED_VIP=VIP, SEED_NETMASK=str(NETMASK),
                   SEED_INTERFACE="eth0", SEED_LOG=str(base / "log" / "script.log"))
        out = open(base / "anchor.out", "wb")
        self.processes[name] = [
            subprocess.Popen(["ip", "netns", "exec", name, binary, str(base / "conf" / f"{role}.conf")],
                             stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            for binary, role in ((ANCHOR_SERVER, "data"), (ANCHOR_SENTINEL, "sentinel"))]

    def add_vip_by_hand(self, index):
        """The seed's first step: the current master's host gets the VIP by hand, then announces it."""
        name = self.hosts[index]
        self.ns(name, "ip", "addr", "add", f"{VIP}/{NETMASK}", "dev", "eth0")
        if shutil.which("arping"):
            self.ns(name, "arping", "-q", "-c", "3", "-A", VIP, "-I", "eth0", check=False)

    def cli(self, index, port, *args, check=False):
        return self.ns(self.hosts[index], "redis-cli", "-h", self.host_address(index), "-p", str(port),
                       *map(str, args), check=check, timeout=5).stdout.strip()

    def sentinel_master(self, index):
        """The master address this host's sentinel reports ("" when it does not answer)."""
        return self.cli(index, 26379, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").split("\n")[0]

    def log(self, index, which):
        """`supervisor` (swredis), `data`, `sentinel` or `script` (anchor); "" when there is none."""
        path = self.base(index) / ("supervisor.log" if which == "supervisor" else f"log/{which}.log")
        return path.read_text(errors="replace") if path.exists() else ""

    def supervisor_log(self, index):
        return self.log(index, "supervisor")

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
        processes = [process for started in self.processes.values() for process in started]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
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
def network(tmp_path, topology):
    yield from make_network(tmp_path, topology, ipv6=False)


@pytest.fixture
def network6(tmp_path, topology):
    yield from make_network(tmp_path, topology, ipv6=True)


def make_network(tmp_path, topology, ipv6):
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if topology == "anchor":
        for binary in (ANCHOR_SERVER, ANCHOR_SENTINEL):
            if not os.access(binary, os.X_OK):
                pytest.skip(f"{binary} is not installed (apt-get install redis-server redis-sentinel)")
    net = Network(tmp_path, f"v{os.getpid() % 10000}", topology, ipv6)
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
    if network.topology == "anchor":
        network.add_vip_by_hand(0)
    ph.wait_for(lambda: all(network.cli(i, 6379, "PING") == "PONG" for i in range(3)), timeout=30, what="data up")
    # Every sentinel must know the replicas (from the master's INFO, every 10 s) before the master can be lost.
    ph.wait_for(lambda: all("num-other-sentinels\n2" in network.cli(i, 26379, "SENTINEL", "MASTER", "mymaster")
                            and "num-slaves\n2" in network.cli(i, 26379, "SENTINEL", "MASTER", "mymaster")
                            for i in range(3)), timeout=30, what="sentinels found each other and the replicas")
    master_mac = network.mac(0)
    observer = Background(network, "arp_observer.py", "eth0", network.vip, 600, 0.05, network.client_address)
    ph.wait_for(lambda: any(macs == [master_mac] for macs in holder_macs(observer)), timeout=30,
                what="the VIP answers from the master's host")
    return observer


def promoted_master(network, survivors=(1, 2)):
    """The address the surviving sentinels report as master once one of them has switched away from the first
    master, else None."""
    for index in survivors:
        address = network.sentinel_master(index)
        if address and address != MASTER:
            return address
    return None


# --------------------------------------------------------------------------
# Timeline of a failover, from the logs
# --------------------------------------------------------------------------

LOG_TIME = re.compile(r"^\d+:[A-Z] (\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) ")


def log_times(text, needle):
    """Wall-clock times (s) of the log lines (redis format, local time, ms) that contain `needle`."""
    times = []
    for line in text.splitlines():
        match = LOG_TIME.match(line)
        if match and needle in line:
            times.append(datetime.datetime.strptime(match.group(1), "%d %b %Y %H:%M:%S.%f").timestamp())
    return times


def script_times(text, prefix):
    """Times of the seed script's log lines (`<epoch seconds> <action>`) whose action starts with `prefix`."""
    times = []
    for line in text.splitlines():
        stamp, _, action = line.partition(" ")
        if action.startswith(prefix):
            times.append(float(stamp))
    return times


def kill_timeline(network, killed_at, resumed, new_index, new_macs, observer):
    """Where the unavailability after the kill goes: (event, seconds after the kill), in order."""
    survivors = (1, 2)
    sentinels = [network.log(i, "sentinel") for i in survivors]
    events = []

    def first(label, times):
        times = [t for t in times if t >= killed_at - 0.5]
        if times:
            events.append((label, min(times)))

    first("+sdown master (first sentinel)", [t for s in sentinels for t in log_times(s, "+sdown master mymaster")])
    first("+odown master (quorum 2/2)", [t for s in sentinels for t in log_times(s, "+odown master mymaster")])
    first("+elected-leader", [t for s in sentinels for t in log_times(s, "+elected-leader master mymaster")])
    first(f"replica on host {new_index + 1} promoted (MASTER MODE)", log_times(network.log(new_index, "data"),
                                                                               "MASTER MODE enabled"))
    first("+promoted-slave (leader sees role:master)", [t for s in sentinels for t in log_times(s, "+promoted-slave")])
    switches = [min(t) for t in (log_times(s, "+switch-master mymaster") for s in sentinels) if t]
    if switches:
        events.append(("+switch-master on the first surviving sentinel", min(switches)))
    if len(switches) == len(survivors):
        events.append(("+switch-master on both survivors (a majority of 3)", max(switches)))
    if network.topology == "swredis":
        supervisor = network.supervisor_log(new_index)
        first("supervisor: majority confirms the new master (fence wait computed)",
              log_times(supervisor, "confirms this host's instance as master at epoch"))
        first("supervisor: VIP added on the new master's host",
              log_times(supervisor, f"VIP {network.vip}/{network.prefix} added"))
    else:
        script = network.log(new_index, "script")
        first("seed script called on the new master's host", script_times(script, "called:"))
        first("seed script: VIP added on the new master's host", script_times(script, "add "))
    answered = [r["t"] for r in observer.lines() if r["t"] > killed_at and set(r["macs"]) & new_macs]
    first("ARP observer: first answer from the new holder", answered)
    events.append(("first acknowledged write at the VIP", resumed))
    return sorted(((label, t - killed_at) for label, t in events), key=lambda event: event[1])


def print_timeline(title, timeline, out=print):
    out(f"\n{title}")
    previous = 0.0
    for label, offset in timeline:
        out(f"  {offset:6.2f} s  (+{offset - previous:5.2f})  {label}")
        previous = offset


# --------------------------------------------------------------------------
# The scenarios, shared by both topologies
# --------------------------------------------------------------------------

@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_the_vip_follows_a_dead_master_with_never_two_holders(network, topology):
    kill_the_master_host(network, topology)


@pytest.mark.parametrize("topology", ["swredis"])
def test_an_ipv6_vip_follows_a_dead_master_announced_by_neighbour_advertisement(network6, topology):
    """The same with the VIP in 2001:db8::/64: the observer solicits it every 50 ms, and the new holder must answer
    alone and announce itself with an unsolicited neighbour advertisement (added without DAD, it answers at once)."""
    kill_the_master_host(network6, topology, record=False)


def kill_the_master_host(network, topology, record=True):
    observer = start_topology(network)
    writer = Background(network, "writer.py", network.vip, 6379, 120, "kill")
    ph.wait_for(lambda: any("acked" in r for r in writer.lines()), timeout=20, what="writes through the VIP")
    killed_at = time.time()
    network.kill_host(0)
    ph.wait_for(lambda: any("acked" in r and r["t"] > killed_at + 0.2 for r in writer.lines()), timeout=60,
                what="writes resume at the VIP")
    resumed = min(r["t"] for r in writer.lines() if "acked" in r and r["t"] > killed_at + 0.2)
    new_macs = {network.mac(1), network.mac(2)}
    ph.wait_for(lambda: holder_macs(observer)[-1] and set(holder_macs(observer)[-1]) <= new_macs, timeout=10,
                what="the VIP answers from a surviving host")
    ph.wait_for(lambda: promoted_master(network) is not None, timeout=10, what="a surviving replica promoted")
    new_master = promoted_master(network)
    new_index = int(new_master.rsplit(".", 1)[1]) - 1
    # The new holder announced itself with gratuitous ARP (neighbours need not wait for their entries to go stale).
    announced = lambda: any(set(r.get("gratuitous", [])) & new_macs for r in observer.lines())  # noqa: E731
    if topology == "swredis":
        ph.wait_for(announced, timeout=10, what="a gratuitous ARP from the new holder")
    time.sleep(1)
    writer.stop()
    observer.stop()
    windows = holder_macs(observer)
    timeline = kill_timeline(network, killed_at, resumed, new_index, new_macs, observer)
    family = "IPv6" if network.ipv6 else "IPv4"
    results = {}
    if record:
        RESULTS.setdefault(topology, {})["kill"] = results
    results.update({
        "unavailable": resumed - killed_at, "max_macs": max(len(macs) for macs in windows),
        "double": sum(1 for macs in windows if len(macs) > 1), "windows": len(windows),
        "announced": announced(), "failover": new_master in ("198.18.0.2", "198.18.0.3"), "timeline": timeline})
    print(f"\n[{topology}, {family}] kill -9 of the master host to the first acknowledged write at the VIP: "
          f"{resumed - killed_at:.2f} s (new master {new_master}; {len(windows)} ARP windows of 50 ms, at most "
          f"{max(len(macs) for macs in windows)} MAC(s))")
    print_timeline(f"[{topology}, {family}] timeline after the kill", timeline)
    if topology == "swredis":
        assert max(len(macs) for macs in windows) == 1, [m for m in windows if len(m) > 1][:5]
        logs = network.supervisor_log(1) + network.supervisor_log(2)
        # A failover can need a second epoch when the first election splits its votes.
        added = re.escape(f"VIP {network.vip}/{network.prefix} added on eth0 at epoch ")
        assert re.search(added + r"[1-9]\d*\b", logs), logs[-3000:]
    else:
        # The anchor ran: its sentinels promoted a replica and its script moved the VIP (asserted above).
        assert new_master in ("198.18.0.2", "198.18.0.3")
        assert script_times(network.log(new_index, "script"), "add "), network.log(new_index, "script")


@pytest.mark.parametrize("min_replicas", [0, 1])
@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_a_partitioned_master_drops_the_vip_and_the_majority_takes_it(network, topology, min_replicas):
    extra = "min-replicas-to-write 1\nmin-replicas-max-lag 2\n" if min_replicas else ""
    observer = start_topology(network, extra)
    writer = Background(network, "writer.py", VIP, 6379, 120, "partition")
    ph.wait_for(lambda: any("acked" in r for r in writer.lines()), timeout=20, what="writes through the VIP")
    cut_at = time.time()
    network.partition(0, True)
    old_mac = network.mac(0)
    new_macs = {network.mac(1), network.mac(2)}
    dropped_line, drop_seen = "", None
    if topology == "swredis":
        ph.wait_for(lambda: f"VIP {VIP}/{NETMASK} dropped" in network.supervisor_log(0), timeout=LEASE_MS / 1000 + 5,
                    what="the cut-off host drops the VIP within its lease")
        drop_seen = time.time()
        dropped_line = next(line for line in network.supervisor_log(0).splitlines()
                            if f"VIP {VIP}/{NETMASK} dropped" in line).split(" # ")[-1]
    ph.wait_for(lambda: promoted_master(network) is not None, timeout=60, what="the majority promotes a replica")
    promoted = promoted_master(network)
    if topology == "swredis":
        ph.wait_for(lambda: holder_macs(observer)[-1] and set(holder_macs(observer)[-1]) <= new_macs, timeout=60,
                    what="the majority side holds the VIP")
    else:
        # The anchor's old master keeps the address: the new master's host answering as well is what is awaited.
        ph.wait_for(lambda: any(set(macs) & new_macs for macs in holder_macs(observer)), timeout=60,
                    what="the majority side's new master answers for the VIP")
    # The cut lasts as long in both topologies (and at least 2 s after the majority side answers for the VIP), so
    # that the anchor's two holders, which last until the heal, are counted over the same partition.
    time.sleep(max(2.0, cut_at + PARTITION_S - time.time()))
    healed_at = time.time()
    network.partition(0, False)
    ph.wait_for(lambda: "role:slave" in network.cli(0, 6379, "INFO", "replication"), timeout=60,
                what="the old master rejoins as a replica")
    time.sleep(3)
    if topology == "anchor":
        # Healed, the old host's sentinel learns the switch and its script deletes the address: recorded, not asserted.
        try:
            ph.wait_for(lambda: holder_macs(observer)[-1] and old_mac not in holder_macs(observer)[-1], timeout=20,
                        what="the anchor's old host gives the VIP up")
        except AssertionError:
            pass
    writer.stop()
    observer.stop()
    windows = holder_macs(observer)
    records = observer.lines()
    double = [r["t"] for r in records if len(r["macs"]) > 1]
    acked = {r["acked"] for r in writer.lines() if "acked" in r}
    new_master = next(i for i in (1, 2) if "role:master" in network.cli(i, 6379, "INFO", "replication"))
    present = {int(v) for v in network.cli(new_master, 6379, "LRANGE", "partition", "0", "-1").split()}
    lost = sorted(acked - present)
    acked_at = {r["acked"]: r["t"] for r in writer.lines() if "acked" in r}
    after_cut = [value for value, t in acked_at.items() if t > cut_at]
    RESULTS.setdefault(topology, {})[f"partition{min_replicas}"] = {
        "max_macs": max(len(macs) for macs in windows), "double": len(double), "windows": len(windows),
        "double_span": (max(double) - min(double)) if double else 0.0, "cut_for": healed_at - cut_at,
        "acked": len(acked), "lost": len(lost),
        "after_cut": len(after_cut), "failover": promoted in ("198.18.0.2", "198.18.0.3"),
        "healed_to": [] if not windows else windows[-1], "old_mac": old_mac,
        "double_after_heal": sum(1 for t in double if t > healed_at)}
    print(f"\n[{topology}] partition (min-replicas-to-write {min_replicas}): {len(acked)} writes acknowledged, "
          f"{len(lost)} lost, {len(after_cut)} acknowledged after the cut; at most "
          f"{max(len(macs) for macs in windows)} MAC(s) answering, {len(double)} of {len(windows)} ARP windows with "
          f"two holders{' over %.1f s' % (max(double) - min(double)) if double else ''} (cut for "
          f"{healed_at - cut_at:.1f} s)"
          f"{'; ' + dropped_line if dropped_line else ''}")
    if topology == "swredis":
        assert max(len(macs) for macs in windows) == 1, [m for m in windows if len(m) > 1][:5]
        assert old_mac not in windows[-1], "the VIP stays with the new master after the heal"
        # Fencing: the old master stops acknowledging when it drops the VIP; whatever it acknowledged later would be
        # lost.
        late = [(value, round(acked_at[value] - drop_seen, 3)) for value in lost if acked_at[value] > drop_seen]
        assert not late, late[:5]


# --------------------------------------------------------------------------
# Side by side
# --------------------------------------------------------------------------

def test_side_by_side_with_the_anchor(tmp_path_factory):
    """Prints what both topologies measured in this run (also kept in <basetemp>/vip-side-by-side.txt); swredis's own
    assertions are in the scenarios above."""
    missing = [(topology, scenario) for topology in TOPOLOGIES for scenario in ("kill", "partition0", "partition1")
               if scenario not in RESULTS.get(topology, {})]
    if missing:
        pytest.skip(f"not every scenario ran in this session: {missing}")
    ours, anchor = RESULTS["swredis"], RESULTS["anchor"]

    def partition_macs(result):
        return f"{result['max_macs']} / {result['double']} of {result['windows']}"

    def partition_lost(result):
        return f"{result['lost']} of {result['acked']}"

    rows = [("unavailability after kill -9 (s)", lambda r: f"{r['kill']['unavailable']:.2f}"),
            ("kill: max MACs answering / two-holder windows",
             lambda r: f"{r['kill']['max_macs']} / {r['kill']['double']} of {r['kill']['windows']}")]
    for mr in (0, 1):
        rows.append((f"partition, min-replicas {mr}: max MACs / two-holder windows",
                     lambda r, mr=mr: partition_macs(r[f"partition{mr}"])))
        rows.append((f"partition, min-replicas {mr}: two holders for (s) / cut for (s)",
                     lambda r, mr=mr: f"{r[f'partition{mr}']['double_span']:.1f} / "
                                      f"{r[f'partition{mr}']['cut_for']:.1f}"))
        rows.append((f"partition, min-replicas {mr}: acked writes lost",
                     lambda r, mr=mr: partition_lost(r[f"partition{mr}"])))
    width = max(len(label) for label, _ in rows)
    report = []

    def out(line):
        report.append(line)
        print(line)

    out(f"\nVIP side by side (down-after-milliseconds {DOWN_AFTER_MS}, failover-timeout {FAILOVER_TIMEOUT_MS}, "
        f"swredis lease {LEASE_MS} ms; ARP windows of 50 ms)")
    out(f"| {'':{width}} | {'swredis':>16} | {'anchor':>16} |")
    out(f"|{'-' * (width + 2)}|{'-' * 18}|{'-' * 18}|")
    for label, cell in rows:
        out(f"| {label:{width}} | {cell(ours):>16} | {cell(anchor):>16} |")
    verdict = "met" if ours["kill"]["unavailable"] <= anchor["kill"]["unavailable"] else "NOT met"
    out(f"target: double holders 0 for swredis: "
        f"{'met' if all(ours[s]['max_macs'] == 1 for s in ours) else 'NOT met'}; "
        f"unavailability no longer than the anchor's: {verdict}")
    for topology in TOPOLOGIES:
        print_timeline(f"[{topology}] timeline after the kill", RESULTS[topology]["kill"]["timeline"], out)
    (tmp_path_factory.getbasetemp() / "vip-side-by-side.txt").write_text("\n".join(report) + "\n")
    # Never two holders for swredis (asserted per scenario, checked again here); the anchor's failovers happened.
    assert all(ours[scenario]["max_macs"] == 1 for scenario in ours)
    assert all(anchor[scenario]["failover"] for scenario in anchor), anchor
