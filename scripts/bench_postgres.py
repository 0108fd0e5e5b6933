"""The PostgreSQL rows of scripts/bench: durable KV v2 writes and reads on storage "postgresql"
(beside the SQLite row), and the time a standby takes to serve after the active node is killed."""
import json
import os
import signal
import subprocess
import time
import urllib.request


def _script():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-postgres")


def _own_postgres():
    """A cluster of its own, made durable (fsync and synchronous_commit on), unlike the test one."""
    started = subprocess.run([_script(), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        return None, None
    values = dict(line.split(" ", 1)[1].split("=", 1) for line in started.stdout.splitlines() if line.startswith("export "))
    url, directory = values["COFFER_TEST_POSTGRES_URL"], values["COFFER_TEST_POSTGRES_DIR"]
    subprocess.run(["psql", url, "-X", "-q", "-c", "ALTER SYSTEM SET fsync = on", "-c", "ALTER SYSTEM SET synchronous_commit = on",
                    "-c", "SELECT pg_reload_conf()"], check=True, capture_output=True)
    return url, directory


def _node(binary, home, n, url, port, table):
    config = os.path.join(home, "pg-node%d.hcl" % n)
    with open(config, "w") as out:
        out.write('storage "postgresql" {\n  connection_url = "%s"\n  table = "%s"\n  ha_table = "%s_locks"\n  ha_enabled = "true"\n}\n'
                  'listener "tcp" {\n  address = "127.0.0.1:%d"\n  tls_disable = true\n}\napi_addr = "http://127.0.0.1:%d"\n'
                  % (url, table, table, port, port))
    process = subprocess.Popen([binary, "server", "-config=" + config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    addr = "http://127.0.0.1:%d" % port
    for _ in range(3000):
        try:
            urllib.request.urlopen(addr + "/v1/sys/seal-status", timeout=1).read()
            break
        except Exception:
            time.sleep(0.01)
    return process, addr


def _leader(addr):
    try:
        with urllib.request.urlopen(addr + "/v1/sys/leader", timeout=1) as response:
            return json.loads(response.read())
    except Exception:
        return {}


def _wait(condition, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def postgres_rows(binary, home, row, ceiling, durable_sqlite, api, wrk, free_port, duration):
    url, directory = _own_postgres()
    if url is None:
        print("  (no PostgreSQL for the postgresql storage rows)", flush=True)
        return
    processes = []
    try:
        first, addr = _node(binary, home, 1, url, free_port(), "bench_kv")
        processes.append(first)
        init = api(addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1}, token=None)
        key, root = init["keys"][0], init["root_token"]
        api(addr, "PUT", "sys/unseal", {"key": key}, token=None)
        _wait(lambda: _leader(addr).get("is_self") is True, 20)
        api(addr, "POST", "sys/mounts/secret", {"type": "kv-v2"}, token=root)
        write = wrk(addr, "secret/data/pg-durable", duration, method="POST", body={"data": {"password": "z" * 32}}, token=root, spread=True)
        row("KV v2 write, durable (PostgreSQL, fsync + synchronous_commit on)", write, ratio=round(write["rps"] / ceiling["rps"], 2),
            vs_sqlite=round(write["rps"] / durable_sqlite["rps"], 2))
        api(addr, "POST", "secret/data/pg-read", {"data": {"password": "x" * 32}}, token=root)
        read = wrk(addr, "secret/data/pg-read", duration, token=root)
        row("KV v2 read (PostgreSQL storage)", read, ratio=round(read["rps"] / ceiling["rps"], 2))

        second, standby = _node(binary, home, 2, url, free_port(), "bench_kv")
        processes.append(second)
        api(standby, "PUT", "sys/unseal", {"key": key}, token=None)
        _wait(lambda: _leader(standby).get("leader_address") == addr, 20)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed = time.monotonic()

        def serving():
            if _leader(standby).get("is_self") is not True:
                return False
            try:
                api(standby, "GET", "secret/data/pg-read", token=root)
                return True
            except Exception:
                return False
        took = _wait(serving, 60)
        row("failover: kill -9 the active node until the standby serves", failover_s=round(time.monotonic() - killed, 1) if took else None,
            lock_ttl_s=15)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        subprocess.run([_script(), "stop", directory], capture_output=True)
