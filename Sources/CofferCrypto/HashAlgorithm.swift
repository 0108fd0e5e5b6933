import COpenSSL

/// The digests Transit names (`sha2-256`, `sha3-512`, …), computed by OpenSSL's libcrypto.
public enum HashAlgorithm: String, Sendable, CaseIterable {
    /// SHA-1, for signatures over legacy inputs only.
    case sha1 = "sha1"
    /// SHA-224.
    case sha2_224 = "sha2-224"
    /// SHA-256, Transit's default.
    case sha2_256 = "sha2-256"
    /// SHA-384.
    case sha2_384 = "sha2-384"
    /// SHA-512.
    case sha2_512 = "sha2-512"
    /// SHA3-224.
    case sha3_224 = "sha3-224"
    /// SHA3-256.
    case sha3_256 = "sha3-256"
    /// SHA3-384.
    case sha3_384 = "sha3-384"
    /// SHA3-512.
    case sha3_512 = "sha3-512"

    /// OpenSSL's static method table for this digest.
    var md: OpaquePointer {
        switch self {
        case .sha1: EVP_sha1()
        case .sha2_224: EVP_sha224()
        case .sha2_256: EVP_sha256()
        case .sha2_384: EVP_sha384()
        case .sha2_512: EVP_sha512()
        case .sha3_224: EVP_sha3_224()
        case .sha3_256: EVP_sha3_256()
        case .sha3_384: EVP_sha3_384()
        case .sha3_512: EVP_sha3_512()
        }
    }

    /// The digest length in bytes.
    public var size: Int { Int(EVP_MD_get_size(md)) }

    /// The digest of `data`.
    public func digest(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, md, nil)
        }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(out.prefix(Int(length)))
    }

    /// HMAC of `data` under `key` (any length, empty allowed) with this digest.
    public func hmac(key: SecureBytes, _ data: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { keyBuffer in hmac(keyBuffer, data) }
    }

    /// HMAC under raw key bytes, for keys that are themselves derived per request.
    public func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { keyBuffer in hmac(keyBuffer, data) }
    }

    private func hmac(_ key: UnsafeRawBufferPointer, _ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { hmac(key, $0) }
    }

    /// HMAC over raw buffers, so that locked key material is hashed without a copy.
    func hmac(_ key: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // A zero-length key still needs a valid pointer.
        let placeholder: [UInt8] = [0]
        let result = placeholder.withUnsafeBytes { fallback in
            HMAC(
                md, key.baseAddress ?? fallback.baseAddress, Int32(key.count), data.baseAddress?.assumingMemoryBound(to: UInt8.self),
                data.count, &out, &length
            )
        }
        precondition(result != nil, "HMAC failed")
        return Array(out.prefix(Int(length)))
    }
}
