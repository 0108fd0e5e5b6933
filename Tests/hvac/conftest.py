"""Starts the real coffer binary in dev mode for hvac-driven tests."""
import os
import re
import subprocess
import tempfile
import time

import hvac
import pytest


def _binary():
    path = os.environ.get("COFFER_BIN")
    if path:
        return path
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, ".build", "debug", "coffer")


@pytest.fixture
def server():
    home = tempfile.mkdtemp(prefix="coffer-hvac-")
    env = dict(os.environ, HOME=home)
    process = subprocess.Popen(
        [_binary(), "server", "-dev", "-dev-root-token-id=root", "-dev-listen-address=127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
    )
    address = None
    deadline = time.time() + 30
    while time.time() < deadline:
        line = process.stdout.readline()
        match = re.search(r"Api Address: (\S+)", line)
        if match:
            address = match.group(1)
        if line.startswith("Root Token:"):
            break
    assert address, "coffer did not report its address"
    yield address
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def client(server):
    return hvac.Client(url=server, token="root")
