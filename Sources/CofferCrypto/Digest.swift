import COpenSSL
import CSodium

/// SHA-256 and HMAC-SHA256, for token hashing and (later) audit HMACs.
public enum Digest {
    /// SHA-256 of `data`.
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        if let digest = data.withContiguousStorageIfAvailable({ sha256(bytes: UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(data).withUnsafeBytes { sha256(bytes: $0) }
    }

    /// SHA-256 of `data`, through OpenSSL, which uses the CPU's SHA extensions: libsodium's
    /// portable code took several times as long, and a Transit key's cache check hashes the
    /// whole stored key on every use.
    public static func sha256(bytes data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var context = SHA256_CTX()
        let ok = out.withUnsafeMutableBufferPointer { digest in
            coffer_sha256_init(&context) == 1 && coffer_sha256_update(&context, data.baseAddress, data.count) == 1
                && coffer_sha256_final(digest.baseAddress, &context) == 1
        }
        precondition(ok, "SHA-256 failed")
        return out
    }

    /// HMAC-SHA256 of `data` under `key` (any length).
    public static func hmacSHA256(key: SecureBytes, _ data: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensureReady()
        let input = Array(data)
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        key.withUnsafeBytes { keyBuf in
            _ = crypto_auth_hmacsha256_init(&state, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBuf.count)
        }
        crypto_auth_hmacsha256_update(&state, input, UInt64(input.count))
        crypto_auth_hmacsha256_final(&state, &out)
        sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return out
    }

    /// Constant-time equality of two byte arrays of possibly different lengths.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return sodium_memcmp(a, b, a.count) == 0
    }
}
