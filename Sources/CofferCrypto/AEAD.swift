import CSodium

/// XChaCha20-Poly1305 (IETF) from libsodium: the barrier's cipher.
///
/// The 192-bit nonce is random per message, so nonce reuse is not a practical concern even with
/// billions of writes under one key. Nonces are public: they come from the pooled
/// `SecureRandom.publicBytes`, not a system call per write.
public enum AEAD {
    /// Key length in bytes.
    public static let keyLength = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    /// Nonce length in bytes.
    public static let nonceLength = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    /// Authentication tag length in bytes.
    public static let tagLength = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Encrypts `plaintext`, authenticating `associatedData`; returns nonce ‖ ciphertext ‖ tag.
    public static func seal(_ plaintext: some Collection<UInt8>, key: SecureBytes, associatedData: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        precondition(key.count == keyLength, "AEAD key must be \(keyLength) bytes")
        let message = Array(plaintext)
        let nonce = SecureRandom.publicBytes(nonceLength)
        var out = [UInt8](repeating: 0, count: nonceLength + message.count + tagLength)
        out.replaceSubrange(0..<nonceLength, with: nonce)
        var written: UInt64 = 0
        let rc = out.withUnsafeMutableBufferPointer { outBuf in
            key.withUnsafeBytes { keyBuf in
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    outBuf.baseAddress! + nonceLength, &written,
                    message, UInt64(message.count),
                    associatedData, UInt64(associatedData.count),
                    nil, nonce, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                )
            }
        }
        precondition(rc == 0, "AEAD encryption failed")
        return out
    }

    /// Decrypts nonce ‖ ciphertext ‖ tag; nil if it was tampered with, truncated, or bound to other data.
    public static func open(_ sealed: some Collection<UInt8>, key: SecureBytes, associatedData: [UInt8]) -> [UInt8]? {
        // Read in place when the bytes are contiguous (the barrier passes an array slice): this
        // generic function runs unspecialized from other modules, and copying the input into
        // an array through the generic path cost more than 2,000 instructions per storage read.
        if let opened = sealed.withContiguousStorageIfAvailable({ open(bytes: $0, key: key, associatedData: associatedData) }) {
            return opened
        }
        return Array(sealed).withUnsafeBufferPointer { open(bytes: $0, key: key, associatedData: associatedData) }
    }

    private static func open(bytes inBuf: UnsafeBufferPointer<UInt8>, key: SecureBytes, associatedData: [UInt8]) -> [UInt8]? {
        Sodium.ensureReady()
        guard key.count == keyLength else { return nil }
        guard inBuf.count >= nonceLength + tagLength else { return nil }
        var out = [UInt8](repeating: 0, count: inBuf.count - nonceLength - tagLength)
        var written: UInt64 = 0
        let rc = out.withUnsafeMutableBufferPointer { outBuf in
            key.withUnsafeBytes { keyBuf in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    outBuf.baseAddress, &written, nil,
                    inBuf.baseAddress! + nonceLength, UInt64(inBuf.count - nonceLength),
                    associatedData, UInt64(associatedData.count),
                    inBuf.baseAddress!, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                )
            }
        }
        guard rc == 0 else { return nil }
        return out
    }
}

extension AEAD {
    /// Encrypts locked key material without copying it into ordinary memory first.
    public static func seal(secure plaintext: SecureBytes, key: SecureBytes, associatedData: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        precondition(key.count == keyLength, "AEAD key must be \(keyLength) bytes")
        let nonce = SecureRandom.publicBytes(nonceLength)
        var out = [UInt8](repeating: 0, count: nonceLength + plaintext.count + tagLength)
        out.replaceSubrange(0..<nonceLength, with: nonce)
        var written: UInt64 = 0
        let rc = out.withUnsafeMutableBufferPointer { outBuf in
            plaintext.withUnsafeBytes { message in
                key.withUnsafeBytes { keyBuf in
                    crypto_aead_xchacha20poly1305_ietf_encrypt(
                        outBuf.baseAddress! + nonceLength, &written,
                        message.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                        associatedData, UInt64(associatedData.count),
                        nil, nonce, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    )
                }
            }
        }
        precondition(rc == 0, "AEAD encryption failed")
        return out
    }

    /// Decrypts straight into locked memory; nil if tampered with or under another key.
    public static func openSecure(_ sealed: [UInt8], key: SecureBytes, associatedData: [UInt8]) -> SecureBytes? {
        Sodium.ensureReady()
        guard key.count == keyLength, sealed.count > nonceLength + tagLength else { return nil }
        struct Mismatch: Error {}
        return try? SecureBytes(count: sealed.count - nonceLength - tagLength) { out in
            var written: UInt64 = 0
            let rc = sealed.withUnsafeBufferPointer { inBuf in
                key.withUnsafeBytes { keyBuf in
                    crypto_aead_xchacha20poly1305_ietf_decrypt(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written, nil,
                        inBuf.baseAddress! + nonceLength, UInt64(sealed.count - nonceLength),
                        associatedData, UInt64(associatedData.count),
                        inBuf.baseAddress!, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    )
                }
            }
            if rc != 0 { throw Mismatch() }
        }
    }
}
