import CSodium

/// Ed25519 signatures from libsodium. A private key is 64 bytes, seed ‖ public key, the same
/// layout as Go's `ed25519.PrivateKey`, so exported Transit keys match Vault's.
public enum Ed25519 {
    /// Seed length in bytes.
    public static let seedLength = Int(crypto_sign_SEEDBYTES)
    /// Private key length in bytes (seed ‖ public key).
    public static let privateKeyLength = Int(crypto_sign_SECRETKEYBYTES)
    /// Public key length in bytes.
    public static let publicKeyLength = Int(crypto_sign_PUBLICKEYBYTES)
    /// Signature length in bytes.
    public static let signatureLength = Int(crypto_sign_BYTES)

    /// The private key for a 32-byte seed (random for a new key, HKDF output for a derived one).
    public static func privateKey(seed: SecureBytes) throws(CryptoFailure) -> SecureBytes {
        Sodium.ensureReady()
        guard seed.count == seedLength else { throw CryptoFailure("invalid Ed25519 seed length") }
        var publicKey = [UInt8](repeating: 0, count: publicKeyLength)
        return SecureBytes(count: privateKeyLength) { out in
            seed.withUnsafeBytes { seedBuffer in
                _ = crypto_sign_seed_keypair(
                    &publicKey, out.baseAddress!.assumingMemoryBound(to: UInt8.self), seedBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                )
            }
        }
    }

    /// A fresh random private key.
    public static func generate() -> SecureBytes {
        // A 32-byte seed always yields a key, so this cannot fail.
        (try? privateKey(seed: SecureBytes(randomCount: seedLength)))!
    }

    /// The public half of a 64-byte private key (its last 32 bytes).
    public static func publicKey(of privateKey: SecureBytes) throws(CryptoFailure) -> [UInt8] {
        guard privateKey.count == privateKeyLength else { throw CryptoFailure("invalid Ed25519 private key length") }
        return privateKey.withUnsafeBytes { Array($0[seedLength...]) }
    }

    /// Signs `message` (never pre-hashed: Ed25519 hashes internally).
    public static func sign(_ message: [UInt8], privateKey: SecureBytes) throws(CryptoFailure) -> [UInt8] {
        Sodium.ensureReady()
        guard privateKey.count == privateKeyLength else { throw CryptoFailure("invalid Ed25519 private key length") }
        var signature = [UInt8](repeating: 0, count: signatureLength)
        let rc = privateKey.withUnsafeBytes { keyBuffer in
            crypto_sign_detached(&signature, nil, message, UInt64(message.count), keyBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else { throw CryptoFailure("Ed25519 signing failed") }
        return signature
    }

    /// True when `signature` is valid for `message` under the 32-byte `publicKey`.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ensureReady()
        guard signature.count == signatureLength, publicKey.count == publicKeyLength else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
