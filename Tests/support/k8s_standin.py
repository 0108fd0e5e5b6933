"""A stand-in Kubernetes API server for the Kubernetes auth tests: no cluster runs here.

It speaks the real TokenReview wire format (POST /apis/authentication.k8s.io/v1/tokenreviews,
authentication.k8s.io/v1 JSON in and out, metav1.Status on 401/403) over TLS with a CA it makes
itself, and over plain HTTP. It signs real RS256 service-account JWTs, both legacy secret tokens
(flat kubernetes.io/serviceaccount/* claims) and projected ones (the kubernetes.io claim object),
decides reviews as the API server's service-account authenticator does (signature, expiry,
deleted accounts, audiences), checks that the bearer may create TokenReviews, and records every
review it was asked for: the bearer it saw, the audiences, the token.

Used two ways:
- imported by the hvac tests (``StandIn()``), which call ``mint`` and read ``reviews`` directly;
- run as a program by the Swift integration tests: it prints one JSON line with its URLs, CA and
  public key, then serves a small control API on the HTTP port under ``/_standin/``
  (POST mint, GET reviews, POST reset, POST configure). It exits when stdin closes.
"""
import base64
import datetime
import ipaddress
import json
import os
import ssl
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
API_AUDIENCE = "https://kubernetes.default.svc.cluster.local"
PROJECTED_ISSUER = "https://kubernetes.default.svc.cluster.local"
LEGACY_ISSUER = "kubernetes/serviceaccount"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def sign_rs256(key, claims, kid="sa-key-1"):
    """A compact RS256 JWS, as the API server's token signer makes them."""
    header = {"alg": "RS256", "kid": kid}
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64(signature)


def make_ca_and_server_cert():
    """A self-signed CA and a server certificate for 127.0.0.1 and localhost that it signs."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "standin-kubernetes-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
        ), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name).public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_pem = server_cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return ca_pem, cert_pem, key_pem


class StandIn:
    """The API server: two listeners (https, http) sharing one state."""

    def __init__(self):
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key_pem = _pem(self.signing_key)
        self.ca_pem, cert_pem, key_pem = make_ca_and_server_cert()
        self.lock = threading.Lock()
        self.reviews = []
        self.deleted_uids = set()
        # Service accounts allowed to create TokenReviews (system:auth-delegator), by username.
        self.reviewers = {"system:serviceaccount:kube-system:vault-reviewer"}
        self.allow_any_reviewer = False
        # Forced answers for failure tests: an HTTP status to answer reviews with, or a whole
        # answer (status, body bytes) standing for a misbehaving or non-Kubernetes server.
        self.fail_status = None
        self.raw_answer = None
        self.uids = {}

        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate writes; without this, Nagle's algorithm and
            # delayed ACKs add 40 ms to every kept-alive answer.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length > 1024 * 1024:
                    return None
                return self.rfile.read(length) if length else b""

            def do_GET(self):
                if self.path == "/_standin/reviews":
                    with standin.lock:
                        self._send(200, {"reviews": list(standin.reviews)})
                    return
                self._send(404, standin.status(404, "NotFound", "the server could not find the requested resource"))

            def do_POST(self):
                raw = self._body()
                if raw is None:
                    self._send(413, standin.status(413, "RequestEntityTooLarge", "request is too large"))
                    return
                if self.path.startswith("/_standin/"):
                    self._send(200, standin.control(self.path[len("/_standin/"):], json.loads(raw or b"{}")))
                    return
                if self.path != REVIEW_PATH:
                    self._send(404, standin.status(404, "NotFound", "the server could not find the requested resource"))
                    return
                status, body = standin.review(self.headers.get("Authorization", ""), raw, self.server.scheme)
                self._send(status, body)

        self.https = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.https.scheme = "https"
        with tempfile.TemporaryDirectory() as scratch:
            cert_file = os.path.join(scratch, "cert.pem")
            key_file = os.path.join(scratch, "key.pem")
            with open(cert_file, "w") as f:
                f.write(cert_pem)
            with open(key_file, "w") as f:
                f.write(key_pem)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_file, key_file)
        self.https.socket = context.wrap_socket(self.https.socket, server_side=True)
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.scheme = "http"
        self.https_url = "https://127.0.0.1:%d" % self.https.server_address[1]
        self.http_url = "http://127.0.0.1:%d" % self.http.server_address[1]
        for server in (self.https, self.http):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self.reviewer_jwt = self.mint("vault-reviewer", "kube-system", kind="legacy")

    def close(self):
        for server in (self.https, self.http):
            server.shutdown()
            server.server_close()

    # --- tokens ---

    def uid_for(self, namespace, name):
        return self.uids.setdefault((namespace, name), str(uuid.uuid4()))

    def mint(self, name, namespace, kind="projected", audiences=None, ttl=600, key=None, iat=None, **extra):
        """A service-account JWT as the API server issues it; `extra` overrides claims."""
        now = int(time.time()) if iat is None else iat
        uid = self.uid_for(namespace, name)
        if kind == "legacy":
            secret = "%s-token-%s" % (name, uid[:5])
            claims = {
                "iss": LEGACY_ISSUER, "sub": "system:serviceaccount:%s:%s" % (namespace, name),
                "kubernetes.io/serviceaccount/namespace": namespace,
                "kubernetes.io/serviceaccount/secret.name": secret,
                "kubernetes.io/serviceaccount/service-account.name": name,
                "kubernetes.io/serviceaccount/service-account.uid": uid,
            }
        else:
            claims = {
                "aud": audiences if audiences is not None else [API_AUDIENCE],
                "iss": PROJECTED_ISSUER, "sub": "system:serviceaccount:%s:%s" % (namespace, name),
                "iat": now, "nbf": now, "exp": now + ttl,
                "kubernetes.io": {
                    "namespace": namespace,
                    "pod": {"name": "%s-7d9f8b-abcde" % name, "uid": str(uuid.uuid4())},
                    "serviceaccount": {"name": name, "uid": uid},
                },
            }
        claims.update(extra)
        return sign_rs256(key or self.signing_key, claims)

    def forge(self, name, namespace, **kwargs):
        """A token of the same shape signed by a key the API server does not know."""
        return self.mint(name, namespace, key=self.other_key, **kwargs)

    # --- the API ---

    @staticmethod
    def status(code, reason, message):
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "code": code}

    def authenticate(self, token, audiences):
        """What the service-account authenticator decides: (user dict or None, audiences, error)."""
        parts = token.split(".")
        if len(parts) != 3:
            return None, [], ""
        try:
            self.signing_key.public_key().verify(
                _unb64(parts[2]), (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256()
            )
            claims = json.loads(_unb64(parts[1]))
        except Exception:
            return None, [], ""
        if "exp" in claims and time.time() > claims["exp"]:
            return None, [], "[invalid bearer token, service account token has expired]"
        if "kubernetes.io" in claims:
            namespace = claims["kubernetes.io"]["namespace"]
            name = claims["kubernetes.io"]["serviceaccount"]["name"]
            uid = claims["kubernetes.io"]["serviceaccount"]["uid"]
            token_aud = claims.get("aud") or []
            token_aud = [token_aud] if isinstance(token_aud, str) else token_aud
        else:
            namespace = claims["kubernetes.io/serviceaccount/namespace"]
            name = claims["kubernetes.io/serviceaccount/service-account.name"]
            uid = claims["kubernetes.io/serviceaccount/service-account.uid"]
            token_aud = [API_AUDIENCE]  # legacy tokens are good for the API server's audience
        if uid in self.deleted_uids:
            return None, [], "[invalid bearer token, service account %s/%s has been deleted]" % (namespace, name)
        wanted = audiences or [API_AUDIENCE]
        granted = [a for a in wanted if a in token_aud]
        if not granted:
            return None, [], "[invalid bearer token, token audiences %s is invalid for the target audiences %s]" % (
                json.dumps(token_aud), json.dumps(wanted))
        user = {"username": "system:serviceaccount:%s:%s" % (namespace, name), "uid": uid,
                "groups": ["system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"]}
        return user, granted, ""

    def review(self, authorization, raw, scheme):
        try:
            request = json.loads(raw)
            token = request["spec"]["token"]
            audiences = request["spec"].get("audiences") or []
        except Exception:
            return 400, self.status(400, "BadRequest", "the request body is not a TokenReview")
        bearer = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else ""
        with self.lock:
            self.reviews.append({
                "scheme": scheme, "bearer": bearer, "audiences": audiences, "token": token,
                "kind": request.get("kind"), "apiVersion": request.get("apiVersion"),
            })
            fail_status = self.fail_status
            raw_answer = self.raw_answer
        if raw_answer:
            return raw_answer
        if fail_status:
            return fail_status, self.status(fail_status, "InternalError", "the stand-in was told to fail")
        caller, _, _ = self.authenticate(bearer, [])
        if caller is None:
            return 401, self.status(401, "Unauthorized", "Unauthorized")
        if not self.allow_any_reviewer and caller["username"] not in self.reviewers:
            return 403, self.status(
                403, "Forbidden",
                'tokenreviews.authentication.k8s.io is forbidden: User "%s" cannot create resource "tokenreviews" '
                'in API group "authentication.k8s.io" at the cluster scope' % caller["username"])
        user, granted, error = self.authenticate(token, audiences)
        status = {"authenticated": user is not None, "user": user or {}, "audiences": granted}
        if error:
            status["error"] = error
        return 201, {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                     "metadata": {"creationTimestamp": None},
                     "spec": {"token": token, "audiences": audiences}, "status": status}

    # --- control, for tests in other processes ---

    def control(self, verb, args):
        if verb == "mint":
            forged = args.pop("forged", False)
            name, namespace = args.pop("name"), args.pop("namespace")
            return {"jwt": (self.forge if forged else self.mint)(name, namespace, **args)}
        if verb == "reset":
            with self.lock:
                self.reviews.clear()
            return {}
        if verb == "configure":
            if "fail_status" in args:
                self.fail_status = args["fail_status"]
            if "allow_any_reviewer" in args:
                self.allow_any_reviewer = args["allow_any_reviewer"]
            if "delete" in args:
                self.deleted_uids.add(self.uid_for(args["delete"][0], args["delete"][1]))
            return {}
        return {"error": "unknown verb"}


def main():
    standin = StandIn()
    print(json.dumps({
        "https_url": standin.https_url, "http_url": standin.http_url, "ca_pem": standin.ca_pem,
        "public_key_pem": standin.public_key_pem, "reviewer_jwt": standin.reviewer_jwt,
    }), flush=True)
    sys.stdin.read()  # the test closes stdin (or exits) to stop us
    standin.close()


if __name__ == "__main__":
    main()
