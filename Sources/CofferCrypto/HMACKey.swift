import CSodium

/// An HMAC-SHA256 key with its inner and outer hash states computed once, in locked memory:
/// each MAC then starts from a copy of them instead of hashing the key again. Token lookups
/// and every audit field MAC under the same few keys.
public final class HMACKey: Sendable {
    private let state: SecureBytes

    /// Prepares `key` (any length).
    public init(_ key: SecureBytes) {
        Sodium.ensureReady()
        state = SecureBytes(count: MemoryLayout<crypto_auth_hmacsha256_state>.size) { buffer in
            let state = buffer.baseAddress!.assumingMemoryBound(to: crypto_auth_hmacsha256_state.self)
            key.withUnsafeBytes { keyBuf in
                _ = crypto_auth_hmacsha256_init(state, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBuf.count)
            }
        }
    }

    /// HMAC-SHA256 of `data`; the same as `Digest.hmacSHA256` under this key.
    public func mac(_ data: [UInt8]) -> [UInt8] {
        var working = crypto_auth_hmacsha256_state()
        state.withUnsafeBytes { buffer in
            working = buffer.baseAddress!.assumingMemoryBound(to: crypto_auth_hmacsha256_state.self).pointee
        }
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        crypto_auth_hmacsha256_update(&working, data, UInt64(data.count))
        crypto_auth_hmacsha256_final(&working, &out)
        sodium_memzero(&working, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return out
    }

    /// The MAC of a string's UTF-8 bytes.
    public func mac(_ text: String) -> [UInt8] {
        mac(Array(text.utf8))
    }
}
