#!/usr/bin/env python3
"""Runs hvac 2.4.0's own Transit integration tests against a coffer dev server.

hvac's sdist is downloaded at run time (nothing of it is kept in this repository); its test
base class, which launches Vault binaries, is replaced by a stand-in that points the tests at
coffer. Usage: scripts/hvac-upstream-transit.py [path/to/coffer]  (default .build/debug/coffer).
Needs the venv scripts/test makes, plus `parameterized`, which this installs into it."""
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".build", "venv", "bin")
STAND_IN_UTILS = '''
import base64


def vault_version_lt(version):
    return False


def vault_version_ge(version):
    return True


def base64ify(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()
'''
STAND_IN_CASE = '''
import os

import hvac


class HvacIntegrationTestCase:
    def setUp(self):
        self.client = hvac.Client(url=os.environ["VAULT_ADDR"], token="root")

    def tearDown(self):
        self.client = None
'''


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "coffer")
    work = tempfile.mkdtemp(prefix="hvac-upstream-")
    pip = os.path.join(VENV, "pip")
    subprocess.run([pip, "install", "--quiet", "--disable-pip-version-check", "parameterized"], check=True)
    subprocess.run([pip, "download", "--quiet", "--no-deps", "--no-binary", ":all:", "hvac==2.4.0", "-d", work], check=True)
    with tarfile.open(os.path.join(work, "hvac-2.4.0.tar.gz")) as archive:
        member = archive.getmember("hvac-2.4.0/tests/integration_tests/api/secrets_engines/test_transit.py")
        source = archive.extractfile(member).read()
    tests = os.path.join(work, "tests")
    os.makedirs(os.path.join(tests, "utils"))
    os.makedirs(os.path.join(tests, "integration_tests"))
    for path, text in [
        ("__init__.py", ""), ("integration_tests/__init__.py", ""), ("utils/__init__.py", STAND_IN_UTILS),
        ("utils/hvac_integration_test_case.py", STAND_IN_CASE),
    ]:
        with open(os.path.join(tests, path), "w") as out:
            out.write(text)
    with open(os.path.join(tests, "integration_tests", "test_transit.py"), "wb") as out:
        out.write(source)

    env = dict(os.environ, HOME=work)
    server = subprocess.Popen(
        [binary, "server", "-dev", "-dev-root-token-id=root", "-dev-listen-address=127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
    )
    try:
        address = None
        deadline = time.time() + 30
        while time.time() < deadline and address is None:
            match = re.search(r"Api Address: (\S+)", server.stdout.readline())
            if match:
                address = match.group(1)
        if not address:
            raise SystemExit("coffer did not report its address")
        result = subprocess.run(
            [os.path.join(VENV, "pytest"), "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
             "tests/integration_tests/test_transit.py"],
            cwd=work, env=dict(env, VAULT_ADDR=address),
        )
        return result.returncode
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
