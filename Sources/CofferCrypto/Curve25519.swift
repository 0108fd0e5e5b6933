import CSodium

/// X25519 Diffie-Hellman (libsodium), for the agent's `dh_type = "curve25519"` sinks: the agent
/// and the reader of the sink agree on a key without sharing a secret.
public enum Curve25519 {
    /// Key and shared-secret length in bytes.
    public static let keyLength = 32

    /// A fresh key pair: the private scalar stays in a locked buffer.
    public static func generateKeyPair() -> (privateKey: SecureBytes, publicKey: [UInt8]) {
        Sodium.ensureReady()
        let privateKey = SecureBytes(randomCount: keyLength)
        return (privateKey, publicKey(for: privateKey))
    }

    /// The public key of `privateKey`.
    public static func publicKey(for privateKey: SecureBytes) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: keyLength)
        privateKey.withUnsafeBytes { scalar in
            _ = crypto_scalarmult_base(&out, scalar.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return out
    }

    /// The shared secret with `publicKey`; fails for a malformed or low-order public key.
    public static func sharedSecret(privateKey: SecureBytes, publicKey: [UInt8]) throws(CryptoFailure) -> SecureBytes {
        Sodium.ensureReady()
        guard publicKey.count == keyLength, privateKey.count == keyLength else { throw CryptoFailure("curve25519 keys are 32 bytes") }
        var status: Int32 = -1
        let secret = SecureBytes(count: keyLength) { out in
            privateKey.withUnsafeBytes { scalar in
                status = crypto_scalarmult(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), scalar.baseAddress!.assumingMemoryBound(to: UInt8.self), publicKey
                )
            }
        }
        guard status == 0 else { throw CryptoFailure("invalid curve25519 public key") }
        return secret
    }
}
