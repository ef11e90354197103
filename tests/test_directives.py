"""Every Redis 7.0 directive is recognised; what swredis lacks is refused (where running without it would be
unsafe) or warned about, at start-up and by `swredisd check`, which also warns about exposed passwords and
listeners and about replicas that cannot authenticate."""

import os
import subprocess

import pytest

import helpers


def config_names(server):
    with server.client() as c:
        node = helpers.parse_one(c.command("CONFIG", "GET", "*"))
    return {item.payload.decode() for index, item in enumerate(node.children) if index % 2 == 0}


def test_every_redis_directive_is_recognised(redis_server, swredis):
    missing = config_names(redis_server) - config_names(swredis)
    assert not missing, f"CONFIG GET * of redis-server lists what swredisd does not: {sorted(missing)}"


REFUSED = [
    ("tls-cluster yes", "the cluster bus would be plain text"),
    ("aclfile /etc/redis/users.acl", "ACL users are not implemented"),
    ("tls-port 6390", "TLS is not implemented"),
    ("tls-replication yes", "replication links would be plain text"),
    ("user alice on >secret ~* +@all", "ACL users ('user') are not supported"),
    ("loadmodule /usr/lib/redis/modules/x.so", "modules ('loadmodule') are not supported"),
]


@pytest.mark.parametrize("line,reason", REFUSED, ids=[line.split()[0] for line, _ in REFUSED])
def test_unsafe_missing_features_are_refused_at_start(tmp_path, line, reason):
    conf = tmp_path / "x.conf"
    conf.write_text(f"port {helpers.free_port()}\nsave \"\"\n{line}\n")
    result = subprocess.run(helpers.argv_for_kind("swredis") + [str(conf)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 1
    assert "*** FATAL CONFIG FILE ERROR" in result.stderr
    assert f">>> '{line}'" in result.stderr and reason in result.stderr, result.stderr


def test_config_set_refuses_the_same_values(swredis):
    with swredis.client() as c:
        reply = c.command("CONFIG", "SET", "tls-port", "6390")
        assert reply.startswith(b"-ERR CONFIG SET failed (possibly related to argument 'tls-port')"), reply
        assert b"TLS is not implemented" in reply
        assert c.command("CONFIG", "SET", "tls-port", "0") == b"+OK\r\n"
        assert c.command("CONFIG", "GET", "tls-port") == helpers.encode_command("tls-port", "0")


def test_inert_directives_warn_at_start_with_file_and_line(tmp_path):
    conf = tmp_path / "inert.conf"
    conf.write_text("save \"\"\n# tuning copied from another host\nio-threads 4\nlazyfree-lazy-user-del yes\n"
                    "activedefrag no\n")
    server = helpers.start_swredis(conf_file=str(conf))
    try:
        log = server.log()
        assert f"WARNING {conf}:3: 'io-threads 4' has no effect" in log, log
        assert f"WARNING {conf}:4: 'lazyfree-lazy-user-del yes' has no effect" in log
        # Asking for what swredis does anyway (no defragmentation) is not worth a warning.
        assert "activedefrag" not in log
    finally:
        server.cleanup()


def test_client_tracking_on_is_refused(swredis):
    with swredis.client() as c:
        assert c.command("CLIENT", "TRACKING", "ON").startswith(b"-ERR CLIENT TRACKING is not supported")
        assert c.command("CLIENT", "TRACKING", "OFF") == b"+OK\r\n"
        assert c.command("CLIENT", "TRACKING", "MAYBE") == b"-ERR syntax error\r\n"


def check(conf_dir):
    result = subprocess.run([helpers.SWREDISD, "check", "--conf-dir", str(conf_dir)], capture_output=True, text=True,
                            timeout=20)
    return result.returncode, result.stdout.splitlines()


def test_check_warns_about_exposure_and_authentication(tmp_path):
    helpers.argv_for_kind("swredis")
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "master.conf").write_text("port 7101\nbind 127.0.0.1\nrequirepass s3cret\n")
    (conf / "replica.conf").write_text("port 7102\nbind 127.0.0.1\nreplicaof 127.0.0.1 7101\n")
    (conf / "open.conf").write_text("port 7103\nbind 0.0.0.0\nprotected-mode no\nio-threads 2\n")
    os.chmod(conf / "master.conf", 0o644)
    status, lines = check(conf)
    assert status == 0, lines
    assert f"{conf}/master.conf:3: warning: 'requirepass' is in a file every user can read (mode 644): " \
           "chmod 640 it and give it the group swredis" in lines, lines
    assert f"{conf}/replica.conf:3: warning: master 'master' requires a password but this replica has no " \
           "masterauth: it will never sync" in lines, lines
    assert any(line.startswith(f"{conf}/open.conf:2: warning: listening on 0.0.0.0 without requirepass: "
                               "protected-mode is off") for line in lines), lines
    assert f"{conf}/open.conf:4: warning: 'io-threads 2' has no effect: clients are served by one event-loop " \
           "thread" in lines, lines
    # Fixed: no warning is left.
    os.chmod(conf / "master.conf", 0o640)
    (conf / "replica.conf").write_text("port 7102\nbind 127.0.0.1\nreplicaof 127.0.0.1 7101\nmasterauth s3cret\n")
    os.chmod(conf / "replica.conf", 0o640)
    (conf / "open.conf").write_text("port 7103\nbind 127.0.0.1 -::1\n")
    status, lines = check(conf)
    assert status == 0 and not [line for line in lines if "warning" in line], lines
