"""Transit through hvac, and interoperability with an independent library (pyca/cryptography):
signatures made by coffer verify with the public key from a key read, and ciphertexts decrypt
with exported keys exactly as Vault's would."""
import base64

import hvac
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MOUNT = "transit"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def transit(client):
    client.sys.enable_secrets_engine(backend_type="transit", path=MOUNT)
    return client.secrets.transit


def public_key(transit, name):
    return transit.read_key(name=name, mount_point=MOUNT)["data"]["keys"]["1"]["public_key"]


def signature_bytes(signature: str) -> bytes:
    assert signature.startswith("vault:v1:")
    return base64.b64decode(signature[len("vault:v1:"):])


@pytest.mark.parametrize("key_type,hash_name,algorithm", [
    ("rsa-2048", "sha2-256", "pss"),
    ("rsa-3072", "sha2-512", "pkcs1v15"),
    ("rsa-4096", "sha2-384", "pss"),
])
def test_rsa_signature_verifies_with_cryptography(transit, key_type, hash_name, algorithm):
    transit.create_key(name="rsa", key_type=key_type, mount_point=MOUNT)
    message = b"signed by coffer"
    signed = transit.sign_data(name="rsa", hash_input=b64(message), hash_algorithm=hash_name,
                               signature_algorithm=algorithm, mount_point=MOUNT)
    key = serialization.load_pem_public_key(public_key(transit, "rsa").encode())
    digest = {"sha2-256": hashes.SHA256(), "sha2-384": hashes.SHA384(), "sha2-512": hashes.SHA512()}[hash_name]
    pad = padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO) if algorithm == "pss" else padding.PKCS1v15()
    key.verify(signature_bytes(signed["data"]["signature"]), message, pad, digest)
    with pytest.raises(InvalidSignature):
        key.verify(signature_bytes(signed["data"]["signature"]), b"something else", pad, digest)


@pytest.mark.parametrize("key_type,digest", [
    ("ecdsa-p256", hashes.SHA256()), ("ecdsa-p384", hashes.SHA256()), ("ecdsa-p521", hashes.SHA256()),
])
def test_ecdsa_signature_verifies_with_cryptography(transit, key_type, digest):
    transit.create_key(name="ec", key_type=key_type, mount_point=MOUNT)
    message = b"ecdsa message"
    signed = transit.sign_data(name="ec", hash_input=b64(message), mount_point=MOUNT)
    key = serialization.load_pem_public_key(public_key(transit, "ec").encode())
    key.verify(signature_bytes(signed["data"]["signature"]), message, ec.ECDSA(digest))


def test_ed25519_signature_verifies_with_cryptography(transit):
    transit.create_key(name="ed", key_type="ed25519", mount_point=MOUNT)
    message = b"ed25519 message"
    signed = transit.sign_data(name="ed", hash_input=b64(message), mount_point=MOUNT)
    key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key(transit, "ed")))
    key.verify(signature_bytes(signed["data"]["signature"]), message)


def test_signature_from_cryptography_verifies_in_coffer(transit):
    transit.create_key(name="ec", key_type="ecdsa-p256", exportable=True, mount_point=MOUNT)
    pem = transit.export_key(name="ec", key_type="signing-key", mount_point=MOUNT)["data"]["keys"]["1"]
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    signature = private.sign(b"from outside", ec.ECDSA(hashes.SHA256()))
    verified = transit.verify_signed_data(name="ec", hash_input=b64(b"from outside"),
                                          signature="vault:v1:" + b64(signature), mount_point=MOUNT)
    assert verified["data"]["valid"] is True


@pytest.mark.parametrize("key_type,cipher", [("aes256-gcm96", AESGCM), ("aes128-gcm96", AESGCM), ("chacha20-poly1305", ChaCha20Poly1305)])
def test_ciphertext_decrypts_with_exported_key(client, transit, key_type, cipher):
    # hvac's create_key does not list aes128-gcm96, so the key is created with a plain write.
    client.adapter.post("/v1/%s/keys/enc" % MOUNT, json={"type": key_type, "exportable": True})
    encrypted = transit.encrypt_data(name="enc", plaintext=b64(b"card 4111"), associated_data=b64(b"row 1"), mount_point=MOUNT)
    raw = base64.b64decode(encrypted["data"]["ciphertext"].split(":", 2)[2])
    key = base64.b64decode(transit.export_key(name="enc", key_type="encryption-key", mount_point=MOUNT)["data"]["keys"]["1"])
    assert cipher(key).decrypt(raw[:12], raw[12:], b"row 1") == b"card 4111"


def test_derived_ciphertext_decrypts_with_hkdf_outside(transit):
    transit.create_key(name="der", derived=True, exportable=True, mount_point=MOUNT)
    context = b"tenant-42"
    encrypted = transit.encrypt_data(name="der", plaintext=b64(b"tenant data"), context=b64(context), mount_point=MOUNT)
    raw = base64.b64decode(encrypted["data"]["ciphertext"].split(":", 2)[2])
    base = base64.b64decode(transit.export_key(name="der", key_type="encryption-key", mount_point=MOUNT)["data"]["keys"]["1"])
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=context).derive(base)
    assert AESGCM(derived).decrypt(raw[:12], raw[12:], None) == b"tenant data"


def test_ciphertext_made_outside_decrypts_in_coffer(transit):
    transit.create_key(name="enc", exportable=True, mount_point=MOUNT)
    key = base64.b64decode(transit.export_key(name="enc", key_type="encryption-key", mount_point=MOUNT)["data"]["keys"]["1"])
    nonce = b"\x01" * 12
    ciphertext = "vault:v1:" + b64(nonce + AESGCM(key).encrypt(nonce, b"made outside", None))
    assert base64.b64decode(transit.decrypt_data(name="enc", ciphertext=ciphertext, mount_point=MOUNT)["data"]["plaintext"]) == b"made outside"


# The remaining tests follow the shape of hvac's own transit integration tests.

def test_key_management(transit):
    transit.create_key(name="k", mount_point=MOUNT)
    assert transit.read_key(name="k", mount_point=MOUNT)["data"]["name"] == "k"
    assert "k" in transit.list_keys(mount_point=MOUNT)["data"]["keys"]
    transit.rotate_key(name="k", mount_point=MOUNT)
    assert transit.read_key(name="k", mount_point=MOUNT)["data"]["latest_version"] == 2
    transit.update_key_configuration(name="k", deletion_allowed=True, mount_point=MOUNT)
    transit.delete_key(name="k", mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InvalidPath):
        transit.read_key(name="k", mount_point=MOUNT)


def test_create_key_with_auto_rotate_period(transit):
    transit.create_key(name="auto", auto_rotate_period="1h", mount_point=MOUNT)
    assert transit.read_key(name="auto", mount_point=MOUNT)["data"]["auto_rotate_period"] == 3600
    with pytest.raises(hvac.exceptions.InvalidRequest, match="at least an hour"):
        transit.update_key_configuration(name="auto", auto_rotate_period="10m", mount_point=MOUNT)


def test_encrypt_decrypt_rewrap(transit):
    transit.create_key(name="k", mount_point=MOUNT)
    ciphertext = transit.encrypt_data(name="k", plaintext=b64(b"hi itsame hvac"), mount_point=MOUNT)["data"]["ciphertext"]
    transit.rotate_key(name="k", mount_point=MOUNT)
    rewrapped = transit.rewrap_data(name="k", ciphertext=ciphertext, mount_point=MOUNT)["data"]["ciphertext"]
    assert rewrapped.startswith("vault:v2:")
    plaintext = transit.decrypt_data(name="k", ciphertext=rewrapped, mount_point=MOUNT)["data"]["plaintext"]
    assert base64.b64decode(plaintext) == b"hi itsame hvac"


def test_batch_encrypt(transit):
    transit.create_key(name="k", mount_point=MOUNT)
    result = transit.encrypt_data(name="k", batch_input=[{"plaintext": b64(b"a")}, {"plaintext": b64(b"b")}], mount_point=MOUNT)
    ciphertexts = [item["ciphertext"] for item in result["data"]["batch_results"]]
    decrypted = transit.decrypt_data(name="k", batch_input=[{"ciphertext": c} for c in ciphertexts], mount_point=MOUNT)
    assert [base64.b64decode(i["plaintext"]) for i in decrypted["data"]["batch_results"]] == [b"a", b"b"]


def test_generate_data_key_and_random_and_hash(transit):
    transit.create_key(name="k", mount_point=MOUNT)
    for key_type in ("plaintext", "wrapped"):
        assert "ciphertext" in transit.generate_data_key(name="k", key_type=key_type, mount_point=MOUNT)["data"]
    assert len(base64.b64decode(transit.generate_random_bytes(n_bytes=32, mount_point=MOUNT)["data"]["random_bytes"])) == 32
    summed = transit.hash_data(hash_input=b64(b"hello"), algorithm="sha2-256", output_format="hex", mount_point=MOUNT)
    assert summed["data"]["sum"] == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_hmac_sign_and_verify(transit):
    transit.create_key(name="k", mount_point=MOUNT)
    mac = transit.generate_hmac(name="k", hash_input=b64(b"data"), algorithm="sha2-256", mount_point=MOUNT)["data"]["hmac"]
    assert transit.verify_signed_data(name="k", hash_input=b64(b"data"), hmac=mac, mount_point=MOUNT)["data"]["valid"]
    transit.create_key(name="ed", key_type="ed25519", mount_point=MOUNT)
    for salt_length in ("auto", "hash", "-1", "0", "1"):
        signature = transit.sign_data(name="ed", hash_input=b64(b"x"), signature_algorithm="pss", salt_length=salt_length,
                                      mount_point=MOUNT)["data"]["signature"]
        assert transit.verify_signed_data(name="ed", hash_input=b64(b"x"), signature=signature, salt_length=salt_length,
                                          mount_point=MOUNT)["data"]["valid"]


def test_rsa_salt_lengths(transit):
    transit.create_key(name="rsa", key_type="rsa-2048", mount_point=MOUNT)
    for salt_length in ("auto", "hash", "0", "20"):
        signature = transit.sign_data(name="rsa", hash_input=b64(b"x"), signature_algorithm="pss", salt_length=salt_length,
                                      mount_point=MOUNT)["data"]["signature"]
        assert transit.verify_signed_data(name="rsa", hash_input=b64(b"x"), signature=signature, signature_algorithm="pss",
                                          salt_length=salt_length, mount_point=MOUNT)["data"]["valid"]


def test_backup_restore_and_trim(transit):
    transit.create_key(name="k", mount_point=MOUNT)
    transit.update_key_configuration(name="k", exportable=True, allow_plaintext_backup=False, mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InternalServerError, match="plaintext backup is disallowed on the policy"):
        transit.backup_key(name="k", mount_point=MOUNT)
    transit.update_key_configuration(name="k", allow_plaintext_backup=True, mount_point=MOUNT)
    backup = transit.backup_key(name="k", mount_point=MOUNT)["data"]["backup"]
    assert transit.restore_key(backup=backup, name="copy", mount_point=MOUNT)
    assert transit.restore_key(backup=backup, name="copy", force=True, mount_point=MOUNT)
    with pytest.raises(hvac.exceptions.InternalServerError, match="already exists"):
        transit.restore_key(backup=backup, mount_point=MOUNT)
    for _ in range(10):
        transit.rotate_key(name="k", mount_point=MOUNT)
    transit.update_key_configuration(name="k", min_decryption_version=3, min_encryption_version=9, mount_point=MOUNT)
    assert transit.trim_key(name="k", min_version=2, mount_point=MOUNT)
    assert transit.read_key(name="k", mount_point=MOUNT)["data"]["min_available_version"] == 2
