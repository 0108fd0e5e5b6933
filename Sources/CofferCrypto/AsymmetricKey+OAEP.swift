import COpenSSL

extension AsymmetricKey {
    /// RSA-OAEP encryption with SHA-256 for both the label hash and MGF1, as Transit's RSA keys
    /// encrypt (Go's `rsa.EncryptOAEP(sha256.New(), …)`).
    public func encryptOAEP(_ plaintext: [UInt8]) throws(CryptoFailure) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(pkey, nil) else { throw CryptoFailure("encryption unavailable") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_encrypt_init(context) == 1, configureOAEP(context) else { throw CryptoFailure("encryption failed") }
        var length = 0
        guard EVP_PKEY_encrypt(context, nil, &length, plaintext, plaintext.count) == 1 else { throw CryptoFailure("encryption failed") }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(context, &out, &length, plaintext, plaintext.count) == 1 else {
            throw CryptoFailure("plaintext too long for RSA-OAEP with this key")
        }
        return Array(out.prefix(length))
    }

    /// RSA-OAEP decryption; throws when the ciphertext does not decrypt under this key.
    public func decryptOAEP(_ ciphertext: [UInt8]) throws(CryptoFailure) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(pkey, nil) else { throw CryptoFailure("decryption unavailable") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_decrypt_init(context) == 1, configureOAEP(context) else { throw CryptoFailure("decryption failed") }
        var length = 0
        guard EVP_PKEY_decrypt(context, nil, &length, ciphertext, ciphertext.count) == 1 else { throw CryptoFailure("decryption error") }
        var out = [UInt8](repeating: 0, count: max(length, 1))
        guard EVP_PKEY_decrypt(context, &out, &length, ciphertext, ciphertext.count) == 1 else { throw CryptoFailure("decryption error") }
        return Array(out.prefix(length))
    }

    private func configureOAEP(_ context: OpaquePointer) -> Bool {
        EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) == 1
    }
}
