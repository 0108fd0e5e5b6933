import CSodium

/// ChaCha20-Poly1305 in its IETF form (96-bit nonce), from libsodium: the layout of Go's
/// `chacha20poly1305.New`, ciphertext ‖ tag. Transit's `chacha20-poly1305` keys use it.
public enum ChaCha20Poly1305 {
    /// Key length in bytes.
    public static let keyLength = Int(crypto_aead_chacha20poly1305_ietf_KEYBYTES)
    /// Nonce length in bytes.
    public static let nonceLength = Int(crypto_aead_chacha20poly1305_ietf_NPUBBYTES)
    /// Tag length in bytes.
    public static let tagLength = Int(crypto_aead_chacha20poly1305_ietf_ABYTES)

    /// Encrypts `plaintext`; returns ciphertext ‖ tag.
    public static func seal(_ plaintext: [UInt8], key: SecureBytes, nonce: [UInt8], associatedData: [UInt8]) throws(CryptoFailure) -> [UInt8] {
        Sodium.ensureReady()
        guard key.count == keyLength else { throw CryptoFailure("invalid key length") }
        guard nonce.count == nonceLength else { throw CryptoFailure("invalid nonce length") }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var written: UInt64 = 0
        let rc = key.withUnsafeBytes { keyBuffer in
            crypto_aead_chacha20poly1305_ietf_encrypt(
                &out, &written, plaintext, UInt64(plaintext.count), associatedData, UInt64(associatedData.count), nil, nonce,
                keyBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            )
        }
        guard rc == 0 else { throw CryptoFailure("ChaCha20-Poly1305 encryption failed") }
        return out
    }

    /// Decrypts ciphertext ‖ tag; nil when it does not authenticate.
    public static func open(_ sealed: [UInt8], key: SecureBytes, nonce: [UInt8], associatedData: [UInt8]) -> [UInt8]? {
        Sodium.ensureReady()
        guard key.count == keyLength, nonce.count == nonceLength, sealed.count >= tagLength else { return nil }
        var out = [UInt8](repeating: 0, count: max(sealed.count - tagLength, 1))
        var written: UInt64 = 0
        let rc = key.withUnsafeBytes { keyBuffer in
            crypto_aead_chacha20poly1305_ietf_decrypt(
                &out, &written, nil, sealed, UInt64(sealed.count), associatedData, UInt64(associatedData.count), nonce,
                keyBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            )
        }
        guard rc == 0 else { return nil }
        return Array(out.prefix(Int(written)))
    }
}
