import COpenSSL

/// How an RSA signature is padded.
public enum RSASignaturePadding: Sendable, Hashable {
    /// RSASSA-PSS with MGF1 over the signing hash.
    case pss(PSSSaltLength)
    /// RSASSA-PKCS1-v1_5.
    case pkcs1v15
}

/// The PSS salt length, with Go's and OpenSSL's special values spelled out.
public enum PSSSaltLength: Sendable, Hashable {
    /// As long as the digest.
    case digestLength
    /// As long as the key allows when signing; whatever the signature carries when verifying.
    case auto
    /// Exactly this many bytes.
    case bytes(Int)

    func openSSLValue(signing: Bool) -> Int32 {
        switch self {
        case .digestLength: RSA_PSS_SALTLEN_DIGEST
        case .auto: signing ? RSA_PSS_SALTLEN_MAX : RSA_PSS_SALTLEN_AUTO
        case .bytes(let count): Int32(clamping: count)
        }
    }
}

extension AsymmetricKey {
    /// The largest PSS salt this RSA key allows with `hash`.
    public func maximumPSSSaltLength(hash: HashAlgorithm) -> Int {
        (bits - 1 + 7) / 8 - 2 - hash.size
    }

    /// Signs a digest. For RSA `hash` names the digest (nil only with PKCS #1 v1.5, which then
    /// pads the input as is); ECDSA signs the digest bytes and returns a DER signature.
    public func sign(digest: [UInt8], hash: HashAlgorithm?, padding: RSASignaturePadding? = nil) throws(CryptoFailure) -> [UInt8] {
        guard let context = EVP_PKEY_CTX_new(pkey, nil) else { throw CryptoFailure("signing unavailable") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_sign_init(context) == 1 else { throw CryptoFailure("signing failed") }
        try configure(context, hash: hash, padding: padding, signing: true)
        var length = 0
        guard EVP_PKEY_sign(context, nil, &length, digest, digest.count) == 1, length > 0 else {
            throw CryptoFailure("signing failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(context, &signature, &length, digest, digest.count) == 1 else {
            throw CryptoFailure("signing failed: the input may not match the hash algorithm's length")
        }
        return Array(signature.prefix(length))
    }

    /// True when `signature` (DER for ECDSA) is valid for `digest`.
    public func verify(signature: [UInt8], digest: [UInt8], hash: HashAlgorithm?, padding: RSASignaturePadding? = nil) -> Bool {
        guard let context = EVP_PKEY_CTX_new(pkey, nil) else { return false }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_verify_init(context) == 1, (try? configure(context, hash: hash, padding: padding, signing: false)) != nil else {
            ERR_clear_error()
            return false
        }
        let valid = EVP_PKEY_verify(context, signature, signature.count, digest, digest.count) == 1
        ERR_clear_error()
        return valid
    }

    private func configure(_ context: OpaquePointer, hash: HashAlgorithm?, padding: RSASignaturePadding?, signing: Bool) throws(CryptoFailure) {
        guard let padding else {
            // ECDSA: the digest is signed as given, so no hash is attached.
            return
        }
        switch padding {
        case .pkcs1v15:
            guard EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 else { throw CryptoFailure("unsupported padding") }
        case .pss(let salt):
            guard hash != nil, EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(context, salt.openSSLValue(signing: signing)) == 1
            else { throw CryptoFailure("unsupported padding") }
        }
        if let hash {
            guard EVP_PKEY_CTX_set_signature_md(context, hash.md) == 1 else { throw CryptoFailure("unsupported hash") }
        }
    }
}
