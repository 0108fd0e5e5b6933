import COpenSSL

/// An RSA or ECDSA key pair held by OpenSSL's libcrypto, for Transit's signing and RSA-OAEP
/// keys. The `EVP_PKEY` is only read after creation, so sharing the instance is safe.
public final class AsymmetricKey: @unchecked Sendable {
    /// The NIST curves Transit offers.
    public enum Curve: String, Sendable, CaseIterable {
        /// NIST P-256.
        case p256 = "P-256"
        /// NIST P-384.
        case p384 = "P-384"
        /// NIST P-521.
        case p521 = "P-521"

        /// Bytes per coordinate (and per half of a JWS signature).
        public var coordinateLength: Int {
            switch self {
            case .p256: 32
            case .p384: 48
            case .p521: 66
            }
        }
    }

    /// What to generate.
    public enum Kind: Sendable, Hashable {
        /// RSA with a modulus of `bits` (2048 to 8192).
        case rsa(bits: Int)
        /// ECDSA on a NIST curve.
        case ec(Curve)
    }

    let pkey: OpaquePointer

    private init(pkey: OpaquePointer) {
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A fresh key pair.
    public static func generate(_ kind: Kind) throws(CryptoFailure) -> AsymmetricKey {
        let algorithm: String
        switch kind {
        case .rsa(let bits):
            guard (2048...8192).contains(bits) else { throw CryptoFailure("unsupported RSA key size") }
            algorithm = "RSA"
        case .ec: algorithm = "EC"
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else { throw CryptoFailure("key generation unavailable") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw CryptoFailure("key generation failed") }
        switch kind {
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else { throw CryptoFailure("key generation failed") }
        case .ec(let curve):
            guard EVP_PKEY_CTX_set_group_name(context, curve.rawValue) == 1 else { throw CryptoFailure("key generation failed") }
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else { throw CryptoFailure("key generation failed") }
        return AsymmetricKey(pkey: key)
    }

    /// Loads a private key from DER (PKCS #1, SEC 1 or PKCS #8).
    public convenience init(privateKeyDER: SecureBytes) throws(CryptoFailure) {
        let loaded: OpaquePointer? = privateKeyDER.withUnsafeBytes { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let loaded else { throw CryptoFailure("invalid private key") }
        self.init(pkey: loaded)
    }

    /// Loads a public key from DER SubjectPublicKeyInfo, for verifying only.
    public convenience init(publicKeyDER: [UInt8]) throws(CryptoFailure) {
        let loaded: OpaquePointer? = publicKeyDER.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let loaded else { throw CryptoFailure("invalid public key") }
        self.init(pkey: loaded)
    }

    /// The key size in bits (the modulus for RSA, the field for EC).
    public var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

    /// The private key in its traditional DER form: PKCS #1 for RSA, SEC 1 for EC — what PEM
    /// calls `RSA PRIVATE KEY` and `EC PRIVATE KEY`, as Vault exports them.
    public func privateKeyDER() throws(CryptoFailure) -> SecureBytes {
        let length = i2d_PrivateKey(pkey, nil)
        guard length > 0 else { throw CryptoFailure("private key encoding failed") }
        var written: Int32 = 0
        let der = SecureBytes(count: Int(length)) { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            written = i2d_PrivateKey(pkey, &cursor)
        }
        guard written == length else { throw CryptoFailure("private key encoding failed") }
        return der
    }

    /// The public key as DER SubjectPublicKeyInfo (PEM `PUBLIC KEY`).
    public func publicKeyDER() throws(CryptoFailure) -> [UInt8] {
        let length = i2d_PUBKEY(pkey, nil)
        guard length > 0 else { throw CryptoFailure("public key encoding failed") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(pkey, &cursor)
        }
        guard written == length else { throw CryptoFailure("public key encoding failed") }
        return out
    }
}
