"""The Debian package under a real systemd: systemd boots as PID 1 in a private PID namespace on this machine, the
freshly built .deb is installed with dpkg, and the service is driven with systemctl through nsenter. Needs root;
the package is purged and systemd powered off at the end, even when an assertion fails.

(The namespace shares this machine's filesystem and network: the package really is installed here while the test
runs, and the default topology really listens on 6379-6381.)"""

import json
import os
import re
import shutil
import subprocess
import time

import pytest

import persistence_helpers as ph

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTS = (6379, 6380, 6381)
SENTINEL_PORTS = (26379, 26380, 26381)


def run(*argv, check=True, timeout=60):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=timeout)


class BootedSystemd:
    def __init__(self, log_path, network_setup=None):
        """`network_setup`: shell commands that prepare a network namespace of the systemd's own (else it shares
        this machine's network)."""
        self.log = open(log_path, "wb")
        # The namespace shares this machine's filesystem: systemd-tmpfiles would empty the real /tmp at boot, so
        # systemd gets a /tmp of its own.
        self.unshare = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount", "--mount-proc"] + (["--net"] if network_setup else [])
            + ["sh", "-c",
             (f"{network_setup} && " if network_setup else "") + "mount -t tmpfs tmpfs /tmp"
             # A container's policy-rc.d (exit 101) would stop postinst from starting the service, as it should on
             # such a machine; inside this namespace the real systemd decides.
             " && printf '#!/bin/sh\\nexit 0\\n' > /tmp/policy-rc.d && chmod 755 /tmp/policy-rc.d"
             " && { [ ! -e /usr/sbin/policy-rc.d ] || mount --bind /tmp/policy-rc.d /usr/sbin/policy-rc.d; }"
             " && exec env container=swredis-test /lib/systemd/systemd --system --log-target=console"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = None
        deadline = time.monotonic() + 30
        while self.pid is None and time.monotonic() < deadline:
            children = run("pgrep", "-P", str(self.unshare.pid), check=False).stdout.split()
            if children and os.readlink(f"/proc/{children[0]}/exe").endswith("systemd"):
                self.pid = int(children[0])
            time.sleep(0.1)
        assert self.pid, "systemd did not start"
        ph.wait_for(lambda: self.sh("systemctl", "is-system-running", check=False).stdout.strip() in ("running", "degraded"),
                    timeout=60, interval=0.2, what="systemd booted")

    def stage(self, path) -> str:
        """Copies a file into the namespace's own /tmp and returns its path there: a checkout under the host's /tmp
        (a clone in /tmp/x) is hidden inside the namespace by that tmpfs."""
        inside = os.path.join("/tmp", os.path.basename(path))
        shutil.copyfile(path, f"/proc/{self.pid}/root{inside}")
        return inside

    def sh(self, *argv, check=True, timeout=60):
        return run("nsenter", "-t", str(self.pid), "-a", *argv, check=check, timeout=timeout)

    def poweroff(self):
        if self.pid:
            self.sh("systemctl", "poweroff", check=False, timeout=30)
        try:
            self.unshare.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.unshare.kill()
            self.unshare.wait()
        self.log.close()


def sentinel_master(port):
    words = cli(port, "SENTINEL", "MASTER", "mymaster").splitlines()
    return dict(zip(words[::2], words[1::2]))


def failover_survives_a_restart(systemd):
    """The sentinels find each other and the replicas; a failover they run changes roles that a restart of the unit
    keeps (CONFIG REWRITE lands in /var/lib/swredis/<name>/runtime.conf), and /etc/swredis is never written."""
    declared = {name: open(f"/etc/swredis/{name}", "rb").read() for name in os.listdir("/etc/swredis")}
    for port in SENTINEL_PORTS:
        ph.wait_for(lambda port=port: sentinel_master(port).get("num-other-sentinels") == "2"
                    and sentinel_master(port).get("num-slaves") == "2", timeout=30, what=f"sentinel {port} discovery")
    assert cli(26379, "SENTINEL", "FAILOVER", "mymaster") == "OK"
    ph.wait_for(lambda: all(cli(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").split()[-1] != "6379"
                            for port in SENTINEL_PORTS), timeout=60, what="the sentinels switched the master")
    new = int(cli(26379, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").split()[-1])
    ph.wait_for(lambda: replication(6379).get("master_port") == str(new), timeout=60,
                what="the old master converted to a replica of the new one")
    status = systemd.sh("swredisd", "ctl", "status").stdout
    print(f"--- swredisd ctl status after the failover to {new}\n{status}")
    row = next(line.split("\t") for line in status.splitlines() if line.startswith(f"{new}\t"))
    assert row[2] == "master" and row[3] == "replica of 127.0.0.1:6379", row
    assert "replicaof no one" in systemd.sh("cat", f"/var/lib/swredis/{new}/runtime.conf").stdout
    assert "sentinel known-replica mymaster" in systemd.sh("cat", "/var/lib/swredis/26379/sentinel-state.conf").stdout
    systemd.sh("systemctl", "restart", "swredisd", timeout=180)
    ph.wait_for(lambda: ping(new) and ping(6379), timeout=60, what="restarted")
    ph.wait_for(lambda: replication(6379).get("master_port") == str(new)
                and replication(new).get("role") == "master", timeout=30, what="roles kept across the restart")
    assert cli(26380, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").split()[-1] == str(new)
    assert {name: open(f"/etc/swredis/{name}", "rb").read() for name in os.listdir("/etc/swredis")} == declared


def ping(port):
    out = run("redis-cli", "-p", str(port), "PING", check=False, timeout=10)
    return out.stdout.strip() == "PONG"


def cli(port, *args):
    return run("redis-cli", "-p", str(port), *map(str, args), timeout=10).stdout.strip()


def replication(port):
    return dict(line.split(":", 1) for line in cli(port, "INFO", "replication").splitlines() if ":" in line)


@pytest.fixture
def deb():
    if os.geteuid() != 0:
        pytest.skip("booting systemd and installing a package need root")
    for tool in ("unshare", "nsenter", "dpkg", "/lib/systemd/systemd"):
        if shutil.which(tool) is None and not os.path.exists(tool):
            pytest.skip(f"{tool} is not available")
    path = os.environ.get("SWREDIS_DEB")
    if not path:
        path = run(os.path.join(REPO, "packaging", "build-deb.sh"), timeout=1800).stdout.strip().splitlines()[-1]
    return path


def test_package_installs_runs_and_purges_under_systemd(deb, tmp_path):
    for port in PORTS + SENTINEL_PORTS:
        assert not ping(port), f"something already listens on {port}"
    # The namespace shares this machine's persistent journal (and its boot ID): journal reads start at this test.
    since = f"@{int(time.time()) - 1}"
    systemd = BootedSystemd(tmp_path / "systemd.log")
    extra_instance = "/etc/swredis/6382.conf"
    try:
        # Debian's own redis units may be enabled on this machine; they would take 6379 inside the namespace.
        systemd.sh("systemctl", "stop", "redis-server.service", "redis-sentinel.service", check=False)
        systemd.sh("dpkg", "-i", systemd.stage(deb), timeout=300)
        ph.wait_for(lambda: systemd.sh("systemctl", "is-active", "swredisd", check=False).stdout.strip() == "active",
                    timeout=60, what="swredisd active")
        status = systemd.sh("systemctl", "status", "swredisd", "--no-pager", check=False).stdout
        assert "Active: active (running)" in status, status
        # Instance files may hold passwords: readable by root and the service's group only.
        for name in sorted(os.listdir("/etc/swredis")):
            owner = systemd.sh("stat", "-c", "%a %U:%G", f"/etc/swredis/{name}").stdout.strip()
            assert owner == "640 root:swredis", f"/etc/swredis/{name}: {owner}"
        assert re.search(r"Status: \"6/6 ready;", status), status

        # Every process of the topology sits in the unit's cgroup: the supervisor, three engines, three sentinels.
        main_pid = systemd.sh("systemctl", "show", "-p", "MainPID", "--value", "swredisd").stdout.strip()
        pids = [main_pid] + [systemd.sh("cat", f"/run/swredis/{port}.pid").stdout.strip()
                             for port in PORTS + SENTINEL_PORTS]
        for pid in pids:
            cgroup = systemd.sh("cat", f"/proc/{pid}/cgroup").stdout
            assert "/system.slice/swredisd.service" in cgroup, (pid, cgroup)
        for port in PORTS:
            ph.wait_for(lambda port=port: ping(port), what=f"{port} answers")
        for port in (6380, 6381):
            ph.wait_for(lambda port=port: replication(port).get("master_link_status") == "up", timeout=30,
                        what=f"{port} in sync")
        cli(6379, "SET", "written-before-stop", "yes")

        journal = systemd.sh("journalctl", "--since", since, "-t", "swredis-6380", "--no-pager", check=False).stdout
        assert "MASTER <-> REPLICA sync" in journal, journal[-2000:]
        master_journal = systemd.sh("journalctl", "--since", since, "-t", "swredis-6379", "--no-pager").stdout
        assert "Ready to accept connections" in master_journal
        # libdispatch's event thread asks for nice -4; the unit's LimitNICE lets it, so nothing complains. (A machine
        # whose systemd lacks CAP_SYS_RESOURCE, like some containers, cannot raise the limit: nothing to check there.)
        limits = systemd.sh("cat", f"/proc/{main_pid}/limits").stdout
        nice_limit = re.search(r"Max nice priority\s+(\d+)", limits)
        if nice_limit and int(nice_limit.group(1)) >= 24:
            everything = systemd.sh("journalctl", "--since", since, "--no-pager", "-o", "cat", check=False).stdout
            assert "Failed to set thread priority" not in everything, everything[-2000:]
        else:
            print("LimitNICE could not be applied on this machine (systemd lacks CAP_SYS_RESOURCE)")
        print(f"--- systemctl status swredisd\n{status}\n--- journalctl -t swredis-6380\n{journal}")

        failover_survives_a_restart(systemd)
        main_pid = systemd.sh("systemctl", "show", "-p", "MainPID", "--value", "swredisd").stdout.strip()

        # kill -9 of an instance: the supervisor restarts it, the unit stays active.
        victim = systemd.sh("cat", "/run/swredis/6380.pid").stdout.strip()
        systemd.sh("kill", "-9", victim)
        ph.wait_for(lambda: systemd.sh("cat", "/run/swredis/6380.pid", check=False).stdout.strip() not in ("", victim)
                    and ping(6380), timeout=30, what="6380 restarted")
        assert systemd.sh("systemctl", "is-active", "swredisd").stdout.strip() == "active"

        # systemctl reload applies an added instance.
        with open(extra_instance, "w") as f:
            f.write("include common.conf\nport 6382\nreplicaof 127.0.0.1 6379\n")
        systemd.sh("systemctl", "reload", "swredisd")
        ph.wait_for(lambda: ping(6382), timeout=30, what="added instance up after reload")
        supervisor_journal = systemd.sh("journalctl", "--since", since, "-t", "swredisd", "--no-pager").stdout
        assert re.search(r"Started instance 6382 .*as pid", supervisor_journal), supervisor_journal[-2000:]
        print("--- journalctl -t swredisd (after the reload)\n"
              + "\n".join(line for line in supervisor_journal.splitlines() if "6382" in line or "eload" in line)
              + "\n--- swredisd ctl status\n" + systemd.sh("swredisd", "ctl", "status", check=False).stdout)
        os.remove(extra_instance)
        systemd.sh("systemctl", "reload", "swredisd")
        ph.wait_for(lambda: not ping(6382), timeout=30, what="removed instance stopped after reload")

        # An upgrade (here: the same package again) restarts the service; the data survives the restart.
        systemd.sh("dpkg", "-i", systemd.stage(deb), timeout=300)
        ph.wait_for(lambda: systemd.sh("systemctl", "show", "-p", "MainPID", "--value", "swredisd").stdout.strip()
                    not in ("0", main_pid) and ping(6379), timeout=60, what="restarted by the upgrade")
        assert systemd.sh("systemctl", "is-active", "swredisd").stdout.strip() == "active"
        assert cli(6379, "GET", "written-before-stop") == "yes"

        # systemctl stop ends every process and leaves the data on disk.
        systemd.sh("systemctl", "stop", "swredisd", timeout=180)
        assert systemd.sh("systemctl", "is-active", "swredisd", check=False).stdout.strip() == "inactive"
        assert not any(ping(port) for port in PORTS)
        # (The namespace shares this filesystem: the file is read directly.)
        with open("/var/lib/swredis/6379/dump.rdb", "rb") as f:
            assert b"written-before-stop" in f.read()

        # One declared instance under the template unit.
        systemd.sh("systemctl", "start", "swredisd@6379", timeout=60)
        ph.wait_for(lambda: ping(6379), timeout=30, what="swredisd@6379")
        assert cli(6379, "GET", "written-before-stop") == "yes"
        assert not ping(6380)
        print("--- systemctl status swredisd@6379\n"
              + systemd.sh("systemctl", "status", "swredisd@6379", "--no-pager", check=False).stdout)
        systemd.sh("systemctl", "stop", "swredisd@6379", timeout=60)

        exposure = systemd.sh("systemd-analyze", "security", "--offline=yes", "/lib/systemd/system/swredisd.service",
                              check=False).stdout
        score = re.search(r"Overall exposure level for swredisd.service: ([0-9.]+)", exposure)
        print(f"systemd-analyze security: {score.group(0) if score else exposure[-300:]}")
        # 1.9 since the unit grants CAP_NET_ADMIN and CAP_NET_RAW for the virtual IP (1.2 before).
        assert score and float(score.group(1)) <= 1.9
        for unit in ("swredisd.service", "swredisd@.service"):
            verify = systemd.sh("systemd-analyze", "verify", f"/lib/systemd/system/{unit}", check=False)
            assert verify.stderr.strip() == "", verify.stderr

        systemd.sh("dpkg", "--purge", "swredis", timeout=120)
        for path in ("/usr/bin/swredisd", "/etc/swredis", "/var/lib/swredis", "/var/log/swredis",
                     "/lib/systemd/system/swredisd.service"):
            assert not os.path.exists(path), path
        assert run("getent", "passwd", "swredis", check=False).returncode != 0
    finally:
        if os.path.exists(extra_instance):
            os.remove(extra_instance)
        systemd.sh("systemctl", "stop", "swredisd.service", "swredisd@*.service", check=False, timeout=180)
        systemd.sh("dpkg", "--purge", "swredis", check=False, timeout=120)
        systemd.poweroff()
        run("dpkg", "--purge", "swredis", check=False, timeout=120)
        # Nothing the package started may outlive the test.
        run("pkill", "-KILL", "-f", "^/usr/bin/swredisd", check=False)


# vip0 is one end of a veth pair; the other end, vip1, stays in the namespace too: a packet socket there sees what
# the supervisor sends on vip0.
VIP_NETWORK = ("ip link set lo up && ip link add vip0 type veth peer name vip1 && ip link set vip0 up"
               " && ip link set vip1 up && ip addr add 198.18.5.1/24 dev vip0")
VIP_LINES = ("vip-address 198.18.5.100/24\nvip-interface vip0\nvip-instance 6379\n"
             "vip-sentinels 127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381\n")


def capabilities(systemd, pid):
    status = systemd.sh("cat", f"/proc/{pid}/status").stdout
    return {key: int(value, 16) for key, value in re.findall(r"^(Cap\w+):\s+([0-9a-f]+)$", status, re.M)}


def test_the_vip_under_the_unit(deb, tmp_path):
    """The virtual IP run by the packaged unit as it ships: the supervisor as user swredis with only the unit's two
    capabilities, its seccomp filter and address families. In a network namespace of the test's own (a veth
    pair, 198.18.5.0/24) it adds the address, announces it with gratuitous ARP, reports it to systemctl and ctl,
    and removes it when the service stops; the instances it starts hold no capability."""
    since = f"@{int(time.time()) - 1}"
    systemd = BootedSystemd(tmp_path / "systemd.log", network_setup=VIP_NETWORK)
    observer = None
    try:
        systemd.sh("systemctl", "stop", "redis-server.service", "redis-sentinel.service", check=False)
        systemd.sh("dpkg", "-i", systemd.stage(deb), timeout=300)
        ph.wait_for(lambda: systemd.sh("systemctl", "is-active", "swredisd", check=False).stdout.strip() == "active",
                    timeout=60, what="swredisd active")
        with open("/etc/swredis/swredisd.conf", "a") as f:
            f.write(VIP_LINES)
        observer_script = systemd.stage(os.path.join(REPO, "tests", "vip", "arp_observer.py"))
        observer = subprocess.Popen(
            ["nsenter", "-t", str(systemd.pid), "-a", "python3", observer_script, "vip1", "198.18.5.100", "120",
             "0.05", "198.18.5.1"], stdout=open(tmp_path / "observer.jsonl", "wb"), stderr=subprocess.STDOUT)
        systemd.sh("systemctl", "restart", "swredisd", timeout=180)
        ph.wait_for(lambda: "198.18.5.100/24" in systemd.sh("ip", "-4", "addr", "show", "dev", "vip0").stdout,
                    timeout=60, what="the VIP added on vip0")
        journal = systemd.sh("journalctl", "--since", since, "-t", "swredisd", "--no-pager").stdout
        assert "VIP 198.18.5.100/24 added on vip0 at epoch 0" in journal, journal[-2000:]
        ph.wait_for(lambda: "VIP 198.18.5.100/24: held" in systemd.sh("swredisd", "ctl", "status").stdout,
                    timeout=10, what="ctl status shows the VIP held")
        ph.wait_for(lambda: "VIP held" in systemd.sh("systemctl", "status", "swredisd", "--no-pager",
                                                     check=False).stdout, timeout=10, what="STATUS= says VIP held")
        mac = re.search(r"link/ether ([0-9a-f:]+)", systemd.sh("ip", "-o", "link", "show", "vip0").stdout).group(1)
        announced = lambda: any(  # noqa: E731
            mac in json.loads(line).get("gratuitous", []) for line in
            (tmp_path / "observer.jsonl").read_text().splitlines() if line.startswith("{"))
        ph.wait_for(announced, timeout=10, what="a gratuitous ARP for the VIP")

        # The supervisor runs as swredis with the unit's two capabilities at most; an instance holds none.
        main_pid = systemd.sh("systemctl", "show", "-p", "MainPID", "--value", "swredisd").stdout.strip()
        assert systemd.sh("ps", "-o", "user=", "-p", main_pid).stdout.strip() == "swredis"
        network_capabilities = (1 << 12) | (1 << 13)
        supervisor = capabilities(systemd, main_pid)
        assert supervisor["CapBnd"] == network_capabilities, supervisor
        instance = capabilities(systemd, systemd.sh("cat", "/run/swredis/6379.pid").stdout.strip())
        assert instance["CapEff"] == instance["CapPrm"] == instance["CapAmb"] == 0, instance

        systemd.sh("systemctl", "stop", "swredisd", timeout=180)
        assert "198.18.5.100" not in systemd.sh("ip", "-4", "addr", "show", "dev", "vip0").stdout
        journal = systemd.sh("journalctl", "--since", since, "-t", "swredisd", "--no-pager").stdout
        assert "VIP 198.18.5.100/24 dropped at epoch 0: the supervisor is stopping" in journal, journal[-2000:]
    finally:
        if observer:
            observer.kill()
            observer.wait()
        systemd.sh("systemctl", "stop", "swredisd.service", check=False, timeout=180)
        systemd.sh("dpkg", "--purge", "swredis", check=False, timeout=120)
        systemd.poweroff()
        run("dpkg", "--purge", "swredis", check=False, timeout=120)
        run("pkill", "-KILL", "-f", "^/usr/bin/swredisd", check=False)


# What a plain Debian 12 provides without Swift installed: the binary may need these libraries and no other.
DEBIAN_LIBRARIES = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libsystemd.so.0",
                    "ld-linux-x86-64.so.2"}


def test_packaged_binary_needs_no_swift_runtime(deb, tmp_path):
    run("dpkg-deb", "-x", deb, str(tmp_path))
    dynamic = run("readelf", "-d", str(tmp_path / "usr/bin/swredisd")).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
    assert needed, dynamic
    assert needed <= DEBIAN_LIBRARIES, needed - DEBIAN_LIBRARIES
    depends = run("dpkg-deb", "-f", deb, "Depends").stdout
    for package in ("libc6", "libsystemd0", "libstdc++6", "libgcc-s1"):
        assert package in depends, depends


# Warnings we keep, and why (also in the README): the package is not uploaded to Debian, so its first changelog entry
# closes no ITP bug.
KEPT_LINTIAN_WARNINGS = {"initial-upload-closes-no-bugs"}


def test_lintian_reports_no_errors(deb):
    if shutil.which("lintian") is None:
        pytest.skip("lintian is not installed")
    out = run("lintian", "--tag-display-limit", "0", deb, check=False, timeout=600).stdout
    tags = [line.split(": ", 2) for line in out.splitlines() if line[:2] in ("E:", "W:")]
    errors = [line for line in out.splitlines() if line.startswith("E:")]
    assert errors == [], out
    unexpected = [tag for tag in tags if tag[2].split()[0] not in KEPT_LINTIAN_WARNINGS]
    assert unexpected == [], out
