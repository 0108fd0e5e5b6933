"""KV v2, KV v1, cubbyhole and wrapping driven through hvac, a real Vault client library."""
import time

import hvac
import pytest
from hvac import exceptions


def test_versions_cas_and_reads(client):
    kv = client.secrets.kv.v2
    first = kv.create_or_update_secret(path="ci/app", secret={"password": "one"})
    assert first["data"]["version"] == 1
    kv.create_or_update_secret(path="ci/app", secret={"password": "two"}, cas=1)
    latest = kv.read_secret_version(path="ci/app", raise_on_deleted_version=True)
    assert latest["data"]["data"] == {"password": "two"}
    assert latest["data"]["metadata"]["version"] == 2
    assert set(latest["data"]["metadata"]) == {"created_time", "custom_metadata", "deletion_time", "destroyed", "version"}
    assert kv.read_secret_version(path="ci/app", version=1, raise_on_deleted_version=True)["data"]["data"] == {"password": "one"}
    with pytest.raises(exceptions.InvalidRequest, match="check-and-set"):
        kv.create_or_update_secret(path="ci/app", secret={"password": "three"}, cas=1)
    assert kv.read_secret_metadata(path="ci/app")["data"]["current_version"] == 2


def test_soft_delete_undelete_destroy(client):
    kv = client.secrets.kv.v2
    for n in range(3):
        kv.create_or_update_secret(path="d", secret={"n": n})
    kv.delete_latest_version_of_secret(path="d")
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_version(path="d", raise_on_deleted_version=True)
    # The 404 body still carries the deleted version's metadata.
    deleted = client.adapter.get("/v1/secret/data/d", raise_exception=False)
    assert deleted.status_code == 404
    assert deleted.json()["data"]["metadata"]["deletion_time"] != ""
    kv.undelete_secret_versions(path="d", versions=[3])
    assert kv.read_secret_version(path="d", raise_on_deleted_version=True)["data"]["data"] == {"n": 2}
    kv.delete_secret_versions(path="d", versions=[1])
    kv.destroy_secret_versions(path="d", versions=[2])
    versions = kv.read_secret_metadata(path="d")["data"]["versions"]
    assert versions["1"]["deletion_time"] != "" and not versions["1"]["destroyed"]
    assert versions["2"]["destroyed"]
    destroyed = client.adapter.get("/v1/secret/data/d?version=2", raise_exception=False)
    assert destroyed.status_code == 404
    assert destroyed.json()["data"]["metadata"]["destroyed"] is True
    kv.delete_metadata_and_all_versions(path="d")
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_metadata(path="d")


def test_metadata_limits_patch_subkeys_and_list(client):
    kv = client.secrets.kv.v2
    kv.update_metadata(path="m", max_versions=2, custom_metadata={"owner": "ci"})
    for n in range(4):
        kv.create_or_update_secret(path="m", secret={"n": n, "nested": {"a": 1, "b": {"c": 2}}})
    metadata = kv.read_secret_metadata(path="m")["data"]
    assert sorted(metadata["versions"]) == ["3", "4"]
    assert metadata["max_versions"] == 2
    assert metadata["custom_metadata"] == {"owner": "ci"}
    kv.patch(path="m", secret={"n": 10, "extra": "x"})
    patched = kv.read_secret_version(path="m", raise_on_deleted_version=True)["data"]
    assert patched["data"]["n"] == 10 and patched["data"]["extra"] == "x" and patched["data"]["nested"]["a"] == 1
    assert patched["metadata"]["version"] == 5
    subkeys = client.adapter.get("/v1/secret/subkeys/m", params={"depth": 2})
    assert subkeys["data"]["subkeys"]["nested"] == {"a": None, "b": None}
    assert subkeys["data"]["subkeys"]["n"] is None
    kv.create_or_update_secret(path="team/a", secret={"k": "v"})
    kv.create_or_update_secret(path="team/sub/b", secret={"k": "v"})
    assert kv.list_secrets(path="team")["data"]["keys"] == ["a", "sub/"]
    with pytest.raises(exceptions.InvalidPath):
        kv.patch(path="never-written", secret={"a": 1})


def test_config_cas_required_and_delete_version_after(client):
    kv = client.secrets.kv.v2
    kv.configure(max_versions=5, cas_required=True)
    assert kv.read_configuration()["data"]["cas_required"] is True
    with pytest.raises(exceptions.InvalidRequest, match="check-and-set parameter required"):
        kv.create_or_update_secret(path="c", secret={"a": 1})
    kv.create_or_update_secret(path="c", secret={"a": 1}, cas=0)
    kv.configure(max_versions=5, cas_required=False, delete_version_after="1s")
    kv.create_or_update_secret(path="short", secret={"a": 1})
    assert kv.read_secret_version(path="short", raise_on_deleted_version=True)["data"]["data"] == {"a": 1}
    time.sleep(2.1)
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret_version(path="short", raise_on_deleted_version=True)


def test_bad_input_names_the_field(client):
    bad = client.adapter.post("/v1/secret/data/x", json={"nodata": 1}, raise_exception=False)
    assert bad.status_code == 400 and "no data provided" in bad.json()["errors"][0]
    bad = client.adapter.post("/v1/secret/data/x", json={"data": "text"}, raise_exception=False)
    assert bad.status_code == 400 and '"data"' in bad.json()["errors"][0]
    bad = client.adapter.get("/v1/secret/data/x?version=abc", raise_exception=False)
    assert bad.status_code == 400 and "version" in bad.json()["errors"][0]
    bad = client.adapter.post("/v1/secret/data/x", json={"data": {}, "options": {"bogus": 1}}, raise_exception=False)
    assert bad.status_code == 400 and "bogus" in bad.json()["errors"][0]
    # Nothing was written by any of them.
    assert client.adapter.get("/v1/secret/metadata/x", raise_exception=False).status_code == 404


def test_kv_version_1(client):
    client.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
    kv = client.secrets.kv.v1
    kv.create_or_update_secret(path="app/db", secret={"user": "ci"}, mount_point="kv1")
    assert kv.read_secret(path="app/db", mount_point="kv1")["data"] == {"user": "ci"}
    assert kv.list_secrets(path="app", mount_point="kv1")["data"]["keys"] == ["db"]
    kv.delete_secret(path="app/db", mount_point="kv1")
    with pytest.raises(exceptions.InvalidPath):
        kv.read_secret(path="app/db", mount_point="kv1")


def test_cubbyhole_privacy(server, client):
    alice = hvac.Client(url=server, token=client.auth.token.create(policies=["default"])["auth"]["client_token"])
    bob = hvac.Client(url=server, token=client.auth.token.create(policies=["default"])["auth"]["client_token"])
    alice.write("cubbyhole/note", secret="alice")
    assert alice.read("cubbyhole/note")["data"] == {"secret": "alice"}
    assert bob.read("cubbyhole/note") is None


def test_wrap_lookup_unwrap_once_and_expiry(server, client):
    wrapped = client.write_data("sys/wrapping/wrap", data={"password": "p1"}, wrap_ttl="5m")
    token = wrapped["wrap_info"]["token"]
    assert wrapped["wrap_info"]["ttl"] == 300
    anonymous = hvac.Client(url=server)
    lookup = anonymous.adapter.post("/v1/sys/wrapping/lookup", json={"token": token})
    assert lookup["data"]["creation_path"] == "sys/wrapping/wrap"
    unwrapped = client.sys.unwrap(token=token)
    assert unwrapped["data"] == {"password": "p1"}
    with pytest.raises(exceptions.InvalidRequest, match="not valid"):
        client.sys.unwrap(token=token)
    short = client.write_data("sys/wrapping/wrap", data={"password": "p2"}, wrap_ttl="1s")["wrap_info"]["token"]
    time.sleep(2.1)
    with pytest.raises(exceptions.InvalidRequest):
        client.sys.unwrap(token=short)
