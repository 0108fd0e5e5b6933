"""The Database engine through hvac's own database API, against the throwaway PostgreSQL that
scripts/test starts (COFFER_TEST_POSTGRES_URL); effects are checked with psql."""
import os
import subprocess
import urllib.parse
import uuid

import hvac
import pytest

URL = os.environ.get("COFFER_TEST_POSTGRES_URL")
# Under CI a missing database is a failure, not a skip.
pytestmark = pytest.mark.skipif(not URL and os.environ.get("CI") != "true", reason="no COFFER_TEST_POSTGRES_URL; run scripts/test")


def psql(sql, url=None):
    return subprocess.run(["psql", url or URL, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True)


def as_user(user, password):
    parts = urllib.parse.urlparse(URL)
    return parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port}").geturl()


def test_dynamic_and_static_credentials(client):
    assert URL, "COFFER_TEST_POSTGRES_URL is not set"
    admin = urllib.parse.urlparse(URL)
    template = f"postgresql://{{{{username}}}}:{{{{password}}}}@{admin.hostname}:{admin.port}/postgres?sslmode=disable"
    client.sys.enable_secrets_engine("database")
    client.secrets.database.configure(
        name="pg", plugin_name="postgresql-database-plugin", allowed_roles=["*"],
        connection_url=template, username=admin.username, password=admin.password,
    )
    connection = client.secrets.database.read_connection(name="pg")["data"]
    assert connection["connection_details"]["username"] == admin.username
    assert admin.password not in str(connection)

    client.secrets.database.create_role(
        name="migrator", db_name="pg", default_ttl="10m", max_ttl="1h",
        creation_statements=["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
    )
    assert client.secrets.database.read_role(name="migrator")["data"]["default_ttl"] == 600
    creds = client.secrets.database.generate_credentials(name="migrator")
    user, password = creds["data"]["username"], creds["data"]["password"]
    assert creds["lease_duration"] == 600 and creds["renewable"]
    assert psql("SELECT current_user", as_user(user, password)).stdout.strip() == user

    client.sys.revoke_prefix("database/creds/migrator")
    assert psql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'").stdout.strip() == "0"
    assert psql("SELECT 1", as_user(user, password)).returncode != 0

    static_user = "hvac_static_" + uuid.uuid4().hex[:8]
    assert psql(f"CREATE ROLE {static_user} LOGIN PASSWORD 'initial'").returncode == 0
    try:
        client.secrets.database.create_static_role(
            name="app", db_name="pg", username=static_user, rotation_period=3600,
            rotation_statements=["ALTER USER \"{{name}}\" WITH PASSWORD '{{password}}';"],
        )
        first = client.secrets.database.get_static_credentials(name="app")["data"]
        assert first["username"] == static_user and 0 < first["ttl"] <= 3600
        assert psql("SELECT 1", as_user(static_user, first["password"])).returncode == 0
        client.secrets.database.rotate_static_role_credentials(name="app")
        second = client.secrets.database.get_static_credentials(name="app")["data"]
        assert second["password"] != first["password"]
        assert psql("SELECT 1", as_user(static_user, second["password"])).returncode == 0
        assert psql("SELECT 1", as_user(static_user, first["password"])).returncode != 0
    finally:
        psql(f"DROP ROLE IF EXISTS {static_user}")

    with pytest.raises(hvac.exceptions.InvalidRequest):
        client.secrets.database.generate_credentials(name="nope")
