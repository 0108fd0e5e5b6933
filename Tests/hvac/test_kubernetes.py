"""Kubernetes auth through hvac, against a stand-in API server that answers real TokenReviews
over TLS (with a CA it makes) and plain HTTP, and signs real RS256 service-account JWTs.

The first half follows what hvac 2.4.0's own integration tests for this method exercise
(configure, read config, roles); the second half is the pod's login flow and every refusal."""
import json
import os
import sys
import time

import hvac
import pytest
import requests
from hvac import exceptions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))
from k8s_standin import API_AUDIENCE, StandIn, make_ca_and_server_cert  # noqa: E402

MOUNT = "kubernetes"
DUMMY_CA = "-----BEGIN CERTIFICATE-----\\n.....\\n-----END CERTIFICATE-----"


@pytest.fixture
def standin():
    standin = StandIn()
    yield standin
    standin.close()


@pytest.fixture
def k8s(client):
    client.sys.enable_auth_method("kubernetes")
    return client


def raw(server, method, path, token="root", **kwargs):
    headers = {"X-Vault-Token": token} if token else {}
    return requests.request(method, "%s/v1/%s" % (server, path), headers=headers, timeout=30, **kwargs)


# --- configuration and roles, as hvac's own tests drive them ---


def test_configure_and_read_config(server, k8s):
    client = k8s
    assert client.auth.kubernetes.configure(kubernetes_host="https://192.168.99.100:8443", kubernetes_ca_cert=DUMMY_CA, issuer="bob")
    config = client.auth.kubernetes.read_config()
    assert config["kubernetes_host"] == "https://192.168.99.100:8443"
    assert config["kubernetes_ca_cert"] == DUMMY_CA
    assert config["issuer"] == "bob"
    assert config["disable_iss_validation"] is True
    assert config["disable_local_ca_jwt"] is False
    assert config["pem_keys"] == []
    assert config["token_reviewer_jwt_set"] is False
    assert "token_reviewer_jwt" not in config


def test_configure_without_ca_when_local_ca_is_disabled(server, k8s):
    with pytest.raises(exceptions.InvalidRequest) as failure:
        k8s.auth.kubernetes.configure(kubernetes_host="https://192.168.99.100:8443", disable_local_ca_jwt=True)
    assert "kubernetes_ca_cert must be given" in str(failure.value)


def test_login_before_config(server, k8s, standin):
    k8s.auth.kubernetes.create_role(name="app", bound_service_account_names=["app"], bound_service_account_namespaces=["default"])
    with pytest.raises(exceptions.InvalidRequest) as failure:
        login(server, standin.mint("app", "default"))
    assert "could not load backend configuration" in str(failure.value)


def test_read_config_before_any_is_written(server, k8s):
    with pytest.raises(exceptions.InvalidPath):
        k8s.auth.kubernetes.read_config()


def test_reviewer_jwt_is_never_returned(server, k8s, standin):
    k8s.auth.kubernetes.configure(kubernetes_host=standin.https_url, kubernetes_ca_cert=standin.ca_pem, token_reviewer_jwt=standin.reviewer_jwt)
    body = raw(server, "GET", "auth/kubernetes/config").text
    assert standin.reviewer_jwt not in body
    assert k8s.auth.kubernetes.read_config()["token_reviewer_jwt_set"] is True


def test_configuration_errors(server, k8s, standin):
    def write(**body):
        return raw(server, "POST", "auth/kubernetes/config", json=body)

    missing_host = write(kubernetes_ca_cert=standin.ca_pem)
    assert missing_host.status_code == 400 and missing_host.json()["errors"] == ["no host provided"]
    no_ca = write(kubernetes_host="https://192.168.99.100:8443", disable_local_ca_jwt=True)
    assert no_ca.status_code == 400 and "kubernetes_ca_cert must be given" in no_ca.json()["errors"][0]
    bad_key = write(kubernetes_host=standin.https_url, kubernetes_ca_cert=standin.ca_pem, pem_keys=["pem_key"])
    assert bad_key.status_code == 400 and "valid RSA or ECDSA public keys" in bad_key.json()["errors"][0]
    for host in ["ftp://example", "https://", "https://exa mple"]:
        assert write(kubernetes_host=host).status_code == 400, host
    # A bare host:port means https, as in Vault.
    assert write(kubernetes_host="192.168.99.100:8443", kubernetes_ca_cert=standin.ca_pem).status_code == 204
    # Plain http needs no CA; a certificate works as a pem_key too.
    assert write(kubernetes_host=standin.http_url, disable_local_ca_jwt=True, pem_keys=[standin.public_key_pem]).status_code == 204
    assert k8s.auth.kubernetes.read_config()["pem_keys"] == [standin.public_key_pem]
    assert write(kubernetes_host=standin.https_url, kubernetes_ca_cert=standin.ca_pem, pem_keys=[standin.ca_pem]).status_code == 204


@pytest.mark.parametrize("extra", [
    {},
    {"bound_service_account_names": ["*"], "bound_service_account_namespaces": ["*"]},
    {"token_type": "service"},
    {"alias_name_source": "serviceaccount_name", "token_type": "service"},
    {"audience": "vault.example.com"},
])
def test_create_role(server, k8s, extra):
    body = {"bound_service_account_names": ["vault-auth"], "bound_service_account_namespaces": ["default"]}
    body.update(extra)
    assert k8s.auth.kubernetes.create_role(name="test-role", **body)
    role = k8s.auth.kubernetes.read_role(name="test-role")
    assert role["bound_service_account_names"] == body["bound_service_account_names"]
    assert role["bound_service_account_namespaces"] == body["bound_service_account_namespaces"]
    assert role["alias_name_source"] == extra.get("alias_name_source", "serviceaccount_uid")
    assert role.get("audience") == extra.get("audience")


def test_role_read_list_delete(server, k8s):
    client = k8s
    with pytest.raises(exceptions.InvalidPath):
        client.auth.kubernetes.read_role(name="test-role")
    with pytest.raises(exceptions.InvalidPath):
        client.auth.kubernetes.list_roles()
    for name in ["hvac0", "hvac1"]:
        client.auth.kubernetes.create_role(
            name=name, bound_service_account_names=["vault-auth"], bound_service_account_namespaces=["default"],
            policies=["app-read"], ttl="10m",
        )
    assert client.auth.kubernetes.list_roles()["keys"] == ["hvac0", "hvac1"]
    role = client.auth.kubernetes.read_role(name="hvac0")
    assert role["token_policies"] == ["app-read"]
    assert role["token_ttl"] == 600
    assert role["bound_service_account_namespace_selector"] == ""
    assert client.auth.kubernetes.delete_role(name="hvac0")
    assert client.auth.kubernetes.delete_role(name="never-there")
    assert client.auth.kubernetes.list_roles()["keys"] == ["hvac1"]


def test_role_errors(server, k8s):
    def write(**body):
        return raw(server, "POST", "auth/kubernetes/role/r", json=body)

    assert write(bound_service_account_namespaces=["default"]).json()["errors"] == ['"bound_service_account_names" can not be empty']
    assert "bound_service_account_namespaces" in write(bound_service_account_names=["a"]).json()["errors"][0]
    mixed = write(bound_service_account_names=["*", "a"], bound_service_account_namespaces=["default"])
    assert mixed.status_code == 400 and mixed.json()["errors"] == ['can not mix "*" with values']
    alias = write(bound_service_account_names=["a"], bound_service_account_namespaces=["default"], alias_name_source="pod")
    assert alias.status_code == 400 and "alias_name_source" in alias.json()["errors"][0]
    ttl = write(bound_service_account_names=["a"], bound_service_account_namespaces=["default"], token_ttl="2h", token_max_ttl="1h")
    assert ttl.status_code == 400


# --- the pod's login flow ---


def setup(client, standin, role=None, **config):
    body = {"kubernetes_host": standin.https_url, "kubernetes_ca_cert": standin.ca_pem, "token_reviewer_jwt": standin.reviewer_jwt}
    body.update(config)
    body = {k: v for k, v in body.items() if v is not None}
    client.adapter.post("/v1/auth/kubernetes/config", json=body)
    client.sys.create_or_update_policy("app-read", 'path "secret/data/app/*" { capabilities = ["read"] }')
    client.secrets.kv.v2.create_or_update_secret(path="app/db", secret={"password": "hunter2"})
    spec = {
        "bound_service_account_names": ["app"], "bound_service_account_namespaces": ["default"],
        "audience": "vault", "token_policies": ["app-read"], "token_ttl": "10m",
    }
    spec.update(role or {})
    client.adapter.post("/v1/auth/kubernetes/role/app", json={k: v for k, v in spec.items() if v is not None})


def login(server, jwt, role="app"):
    return hvac.Client(url=server).auth.kubernetes.login(role=role, jwt=jwt, use_token=False)


def test_pod_login_end_to_end(server, k8s, standin):
    """The Agent Injector's flow: a projected token for audience `vault`, a reviewer JWT."""
    setup(k8s, standin)
    jwt = standin.mint("app", "default", audiences=["vault"])
    auth = login(server, jwt)["auth"]
    assert auth["policies"] == ["app-read", "default"]
    assert auth["lease_duration"] == 600
    uid = standin.uid_for("default", "app")
    assert auth["metadata"] == {
        "role": "app", "service_account_name": "app", "service_account_namespace": "default",
        "service_account_uid": uid, "service_account_secret_name": "",
    }
    pod = hvac.Client(url=server, token=auth["client_token"])
    assert pod.secrets.kv.v2.read_secret_version(path="app/db", raise_on_deleted_version=True)["data"]["data"] == {"password": "hunter2"}
    assert pod.auth.token.lookup_self()["data"]["display_name"] == "kubernetes-default-app"
    with pytest.raises(exceptions.Forbidden):
        pod.secrets.kv.v2.read_secret_version(path="other/db", raise_on_deleted_version=True)
    # Exactly one review, in the real wire format, with the reviewer as bearer.
    assert len(standin.reviews) == 1
    review = standin.reviews[0]
    assert review["scheme"] == "https"
    assert review["kind"] == "TokenReview" and review["apiVersion"] == "authentication.k8s.io/v1"
    assert review["bearer"] == standin.reviewer_jwt
    assert review["token"] == jwt
    assert review["audiences"] == ["vault"]


def test_legacy_token_over_http_with_own_jwt_as_bearer(server, k8s, standin):
    """No reviewer JWT: each pod's own token is the bearer (the pod has auth-delegator)."""
    standin.allow_any_reviewer = True
    setup(k8s, standin, role={"bound_service_account_names": "*", "bound_service_account_namespaces": "team-*", "audience": None},
          kubernetes_host=standin.http_url, kubernetes_ca_cert=None, token_reviewer_jwt=None, disable_local_ca_jwt=True)
    jwt = standin.mint("builder", "team-ci", kind="legacy")
    auth = login(server, jwt)["auth"]
    assert auth["metadata"]["service_account_name"] == "builder"
    assert auth["metadata"]["service_account_namespace"] == "team-ci"
    assert auth["metadata"]["service_account_secret_name"].startswith("builder-token-")
    review = standin.reviews[-1]
    assert review["scheme"] == "http"
    assert review["bearer"] == jwt
    assert review["audiences"] == []


def test_projected_token_audiences_sent_when_role_has_none(server, k8s, standin):
    """Without a role audience, Vault asks the API server for the token's own audiences."""
    standin.allow_any_reviewer = True
    setup(k8s, standin, role={"audience": None}, token_reviewer_jwt=None, disable_local_ca_jwt=True)
    jwt = standin.mint("app", "default", audiences=[API_AUDIENCE, "vault"])
    assert login(server, jwt)["auth"]["client_token"]
    assert standin.reviews[-1]["audiences"] == [API_AUDIENCE, "vault"]
    assert standin.reviews[-1]["bearer"] == jwt


def test_local_signature_check_with_pem_keys(server, k8s, standin):
    setup(k8s, standin, pem_keys=[standin.public_key_pem])
    assert login(server, standin.mint("app", "default", audiences=["vault"]))["auth"]["client_token"]
    reviews = len(standin.reviews)
    forged = standin.forge("app", "default", audiences=["vault"])
    expect_forbidden(server, forged, "signature")
    assert len(standin.reviews) == reviews, "a forged token must be refused before any review"


def test_issuer_validation(server, k8s, standin):
    setup(k8s, standin, role={"bound_service_account_names": "*", "audience": None}, disable_iss_validation=False,
          issuer="https://kubernetes.default.svc.cluster.local")
    assert login(server, standin.mint("app", "default", audiences=[API_AUDIENCE]))["auth"]["client_token"]
    expect_forbidden(server, standin.mint("app", "default", kind="legacy"), "issuer")


def test_alias_name_source_by_name_still_logs_in(server, k8s, standin):
    setup(k8s, standin, role={"alias_name_source": "serviceaccount_name"})
    assert login(server, standin.mint("app", "default", audiences=["vault"]))["auth"]["client_token"]


def test_token_settings_from_role(server, k8s, standin):
    setup(k8s, standin, role={"token_type": "batch", "token_num_uses": 0, "token_ttl": "5m"})
    auth = login(server, standin.mint("app", "default", audiences=["vault"]))["auth"]
    assert auth["token_type"] == "batch"
    assert auth["lease_duration"] == 300


# --- refusals ---


def expect_forbidden(server, jwt, fragment, role="app"):
    response = raw(server, "POST", "auth/kubernetes/login", token=None, json={"role": role, "jwt": jwt})
    assert response.status_code == 403, response.text
    message = " ".join(response.json()["errors"])
    assert fragment in message, message
    assert jwt not in response.text
    assert "auth" not in response.json() or response.json().get("auth") is None
    return message


def test_refusals_decided_before_the_review(server, k8s, standin):
    setup(k8s, standin)
    expect_forbidden(server, standin.mint("app", "kube-system", audiences=["vault"]), "namespace not authorized")
    expect_forbidden(server, standin.mint("intruder", "default", audiences=["vault"]), "service account name not authorized")
    expect_forbidden(server, standin.mint("app", "default", audiences=["someone-else"]), "audience")
    expired = standin.mint("app", "default", audiences=["vault"], iat=int(time.time()) - 3600, ttl=600)
    expect_forbidden(server, expired, "expired")
    expect_forbidden(server, "not.a.jwt", "malformed")
    assert standin.reviews == [], "none of these may reach the API server"


def test_tokens_lacking_what_the_alias_needs(server, k8s, standin):
    setup(k8s, standin, role={"bound_service_account_names": "*"})
    no_uid = standin.mint("app", "default", audiences=["vault"], **{"kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "app"}}})
    expect_forbidden(server, no_uid, "could not parse UID from claims")
    setup(k8s, standin, role={"bound_service_account_names": "*", "alias_name_source": "serviceaccount_name"})
    no_name = standin.mint("app", "default", audiences=["vault"], **{"kubernetes.io": {"namespace": "default", "serviceaccount": {"uid": "u-1"}}})
    expect_forbidden(server, no_name, "namespace and name must be set")
    assert standin.reviews == []


def test_review_not_authenticated(server, k8s, standin):
    setup(k8s, standin)
    # Signed by a key the API server does not know (no pem_keys, so only the review can tell).
    message = expect_forbidden(server, standin.forge("app", "default", audiences=["vault"]), "permission denied")
    assert "service account jwt not valid" in message
    # A deleted service account: its token no longer authenticates.
    jwt = standin.mint("app", "default", audiences=["vault"])
    assert login(server, jwt)["auth"]["client_token"]
    standin.deleted_uids.add(standin.uid_for("default", "app"))
    message = expect_forbidden(server, jwt, "permission denied")
    assert "deleted" in message
    # Nothing was cached: every login asked the API server.
    assert len(standin.reviews) == 3


def test_review_names_another_account(server, k8s, standin):
    setup(k8s, standin, role={"bound_service_account_names": "*"})
    jwt = standin.mint("app", "default", audiences=["vault"])
    original = standin.authenticate

    def impostor(token, audiences):
        user, granted, error = original(token, audiences)
        if user and token == jwt:
            user = dict(user, username="system:serviceaccount:default:other")
        return user, granted, error

    standin.authenticate = impostor
    expect_forbidden(server, jwt, "did not match")


def test_api_server_refuses_the_reviewer(server, k8s, standin):
    # A valid service account without TokenReview rights: 403 from the API server.
    not_allowed = standin.mint("nobody", "default", kind="legacy")
    setup(k8s, standin, token_reviewer_jwt=not_allowed)
    message = expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), "permission denied")
    assert "403" in message and "forbidden" in message
    # A reviewer JWT the API server does not accept at all: 401.
    setup(k8s, standin, token_reviewer_jwt=standin.forge("vault-reviewer", "kube-system", kind="legacy"))
    message = expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), "permission denied")
    assert "unauthorized" in message


def test_api_server_unreachable(server, k8s, standin):
    closed = StandIn()
    closed_url = closed.http_url
    closed.close()
    setup(k8s, standin, kubernetes_host=closed_url, kubernetes_ca_cert=None)
    message = expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), "permission denied")
    assert "could not be reached" in message


def test_tls_is_verified_against_the_configured_ca(server, k8s, standin):
    other_ca, _, _ = make_ca_and_server_cert()
    setup(k8s, standin, kubernetes_ca_cert=other_ca)
    expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), "could not be reached")
    assert standin.reviews == [], "the bearer must not be sent to an unverified server"
    # A connection verified under the right CA is not reused once the CA changes.
    setup(k8s, standin)
    assert login(server, standin.mint("app", "default", audiences=["vault"]))["auth"]["client_token"]
    setup(k8s, standin, kubernetes_ca_cert=other_ca)
    expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), "could not be reached")
    assert len(standin.reviews) == 1


def test_api_server_error_status(server, k8s, standin):
    setup(k8s, standin)
    standin.fail_status = 500
    message = expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), "permission denied")
    assert "500" in message


def test_answers_that_are_not_a_good_review(server, k8s, standin):
    setup(k8s, standin)

    def review(status, user=None, audiences=("vault",), authenticated=True):
        return json.dumps({"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1", "status": {
            "authenticated": authenticated, "audiences": list(audiences),
            "user": user or {"username": "system:serviceaccount:default:app", "uid": standin.uid_for("default", "app")},
        }}).encode()

    cases = [
        ((201, review(201, user={"username": "alice", "uid": "u"})), "unexpected username format"),
        ((201, review(201, user={"username": "system:node:default:app", "uid": "u"})), "not a service account"),
        ((201, review(201, audiences=())), "wanted"),
        ((201, review(201, authenticated=False)), "service account jwt not valid"),
        ((201, b"<html>not kubernetes</html>"), "not JSON"),
        ((200, json.dumps({"kind": "Status", "status": "Failure", "message": "quota exceeded"}).encode()), "quota exceeded"),
        ((201, b"[" * 10 + b" " * (2 * 1024 * 1024)), "larger than"),
    ]
    for answer, fragment in cases:
        standin.raw_answer = answer
        expect_forbidden(server, standin.mint("app", "default", audiences=["vault"]), fragment)


def test_request_errors(server, k8s, standin):
    setup(k8s, standin, role={"token_bound_cidrs": ["10.0.0.0/8"]})
    jwt = standin.mint("app", "default", audiences=["vault"])

    def post(body):
        return raw(server, "POST", "auth/kubernetes/login", token=None, json=body)

    assert post({"jwt": jwt}).json()["errors"] == ["missing role"]
    assert post({"role": "app"}).json()["errors"] == ["missing jwt"]
    unknown = post({"role": "nope", "jwt": jwt})
    assert unknown.status_code == 400 and unknown.json()["errors"] == ['invalid role name "nope"']
    cidr = post({"role": "app", "jwt": jwt})
    assert cidr.status_code == 403 and cidr.json()["errors"] == ["permission denied"]
    huge = post({"role": "app", "jwt": "a" * 70000})
    assert huge.status_code == 400
    assert standin.reviews == []


def test_tekton_step_logs_in_with_the_cli(server, k8s, standin, tmp_path):
    """A pipeline step as Tekton's docs show it: `vault write -field=token auth/kubernetes/login
    role=… jwt=@<the mounted token file>`, then reads its secret with that token."""
    import subprocess

    from conftest import _binary

    setup(k8s, standin)
    token_file = tmp_path / "token"
    token_file.write_text(standin.mint("app", "default", audiences=["vault"]))
    env = dict(os.environ, VAULT_ADDR=server, HOME=str(tmp_path))
    env.pop("VAULT_TOKEN", None)
    done = subprocess.run([_binary(), "write", "-field=token", "auth/kubernetes/login", "role=app", "jwt=@%s" % token_file],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    env["VAULT_TOKEN"] = done.stdout.strip()
    read = subprocess.run([_binary(), "kv", "get", "-field=password", "secret/app/db"], env=env, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    assert read.stdout == "hunter2"
    token_file.write_text(standin.mint("app", "kube-system", audiences=["vault"]))
    env.pop("VAULT_TOKEN")
    refused = subprocess.run([_binary(), "write", "auth/kubernetes/login", "role=app", "jwt=@%s" % token_file], env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    assert "namespace not authorized" in refused.stderr
