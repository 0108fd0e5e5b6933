import COpenSSL

/// AES-GCM with a 96-bit nonce and a 128-bit tag (OpenSSL), the layout of Go's `cipher.NewGCM`:
/// ciphertext ‖ tag. Transit's `aes128-gcm96` and `aes256-gcm96` keys use it.
public enum AESGCM {
    /// Nonce length in bytes.
    public static let nonceLength = 12
    /// Tag length in bytes.
    public static let tagLength = 16

    /// Encrypts `plaintext` under a 16- or 32-byte key; returns ciphertext ‖ tag.
    public static func seal(_ plaintext: [UInt8], key: SecureBytes, nonce: [UInt8], associatedData: [UInt8]) throws(CryptoFailure) -> [UInt8] {
        guard nonce.count == nonceLength else { throw CryptoFailure("invalid nonce length") }
        guard let cipher = cipher(for: key) else { throw CryptoFailure("invalid key length") }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoFailure("out of memory") }
        defer { EVP_CIPHER_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var ok = key.withUnsafeBytes { keyBuffer in
            EVP_EncryptInit_ex(context, cipher, nil, keyBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce) == 1
        }
        var written: Int32 = 0
        if ok, !associatedData.isEmpty {
            ok = EVP_EncryptUpdate(context, nil, &written, associatedData, Int32(associatedData.count)) == 1
        }
        var total = 0
        if ok, !plaintext.isEmpty {
            ok = out.withUnsafeMutableBufferPointer { buffer in
                EVP_EncryptUpdate(context, buffer.baseAddress, &written, plaintext, Int32(plaintext.count)) == 1
            }
            total = Int(written)
        }
        if ok {
            ok = out.withUnsafeMutableBufferPointer { buffer in
                EVP_EncryptFinal_ex(context, buffer.baseAddress! + total, &written) == 1
            }
            total += Int(written)
        }
        if ok {
            ok = out.withUnsafeMutableBufferPointer { buffer in
                EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), buffer.baseAddress! + total) == 1
            }
        }
        guard ok, total == plaintext.count else { throw CryptoFailure("AES-GCM encryption failed") }
        return out
    }

    /// Decrypts ciphertext ‖ tag; nil when the tag does not match (tampered, wrong key or data).
    public static func open(_ sealed: [UInt8], key: SecureBytes, nonce: [UInt8], associatedData: [UInt8]) -> [UInt8]? {
        guard nonce.count == nonceLength, sealed.count >= tagLength, let cipher = cipher(for: key) else { return nil }
        guard let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let bodyLength = sealed.count - tagLength
        var tag = Array(sealed[bodyLength...])
        var out = [UInt8](repeating: 0, count: max(bodyLength, 1))
        var ok = key.withUnsafeBytes { keyBuffer in
            EVP_DecryptInit_ex(context, cipher, nil, keyBuffer.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce) == 1
        }
        var written: Int32 = 0
        if ok, !associatedData.isEmpty {
            ok = EVP_DecryptUpdate(context, nil, &written, associatedData, Int32(associatedData.count)) == 1
        }
        var total = 0
        if ok, bodyLength > 0 {
            ok = sealed.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { buffer in
                    EVP_DecryptUpdate(context, buffer.baseAddress, &written, input.baseAddress, Int32(bodyLength)) == 1
                }
            }
            total = Int(written)
        }
        if ok {
            ok = EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), &tag) == 1
        }
        if ok {
            ok = out.withUnsafeMutableBufferPointer { buffer in
                EVP_DecryptFinal_ex(context, buffer.baseAddress! + total, &written) == 1
            }
        }
        guard ok else {
            ERR_clear_error()
            return nil
        }
        return Array(out.prefix(bodyLength))
    }

    private static func cipher(for key: SecureBytes) -> OpaquePointer? {
        switch key.count {
        case 16: aes128
        case 32: aes256
        default: nil
        }
    }

    // Fetched once: `EVP_aes_256_gcm()` names the algorithm only, and OpenSSL 3 looks its
    // implementation up in the provider on every initialisation, a third of a small seal.
    // A fetched cipher is immutable and safe to share between threads; it lives as long as
    // the process.
    private nonisolated(unsafe) static let aes128: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-128-GCM", nil) ?? EVP_aes_128_gcm()
    private nonisolated(unsafe) static let aes256: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) ?? EVP_aes_256_gcm()
}
