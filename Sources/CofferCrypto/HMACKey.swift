import COpenSSL
import CSodium
import Synchronization

/// An HMAC-SHA256 key with its inner and outer hash states computed once, in locked memory:
/// each MAC then starts from a copy of them instead of hashing the key again. Token lookups
/// and every audit field MAC under the same few keys.
///
/// Long inputs (an audit line's chain tag) are hashed by OpenSSL, which uses the CPU's SHA
/// extensions: 0.7 µs for 1,100 bytes against libsodium's 2.8 µs. Short ones (token ids, audit
/// field values) stay with libsodium, so a server that never MACs a long input never sets up
/// OpenSSL's providers, which keeps 1.5 to 2 MB more of libcrypto resident.
public final class HMACKey: Sendable {
    private let state: SecureBytes
    private let key: SecureBytes
    private let long = Mutex<LongInputs?>(nil)
    /// From this length on, OpenSSL's SHA-256 is used.
    static let longInput = 128

    /// Prepares `key` (any length).
    public init(_ key: SecureBytes) {
        Sodium.ensureReady()
        self.key = key
        state = SecureBytes(count: MemoryLayout<crypto_auth_hmacsha256_state>.size) { buffer in
            let state = buffer.baseAddress!.assumingMemoryBound(to: crypto_auth_hmacsha256_state.self)
            key.withUnsafeBytes { keyBuf in
                _ = crypto_auth_hmacsha256_init(state, keyBuf.baseAddress!.assumingMemoryBound(to: UInt8.self), keyBuf.count)
            }
        }
    }

    /// HMAC-SHA256 of `data`; the same as `Digest.hmacSHA256` under this key.
    public func mac(bytes data: UnsafeRawBufferPointer) -> [UInt8] {
        if data.count >= Self.longInput {
            let prepared = long.withLock { prepared in
                if prepared == nil { prepared = LongInputs(key) }
                return prepared!
            }
            return prepared.mac(data)
        }
        var working = crypto_auth_hmacsha256_state()
        state.withUnsafeBytes { buffer in
            working = buffer.baseAddress!.assumingMemoryBound(to: crypto_auth_hmacsha256_state.self).pointee
        }
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        if let bytes = data.baseAddress?.assumingMemoryBound(to: UInt8.self), !data.isEmpty {
            crypto_auth_hmacsha256_update(&working, bytes, UInt64(data.count))
        }
        crypto_auth_hmacsha256_final(&working, &out)
        sodium_memzero(&working, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return out
    }

    /// HMAC-SHA256 of `data`; the same as `Digest.hmacSHA256` under this key.
    public func mac(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { mac(bytes: $0) }
    }

    /// The MAC of a string's UTF-8 bytes.
    public func mac(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { mac(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// OpenSSL's inner and outer SHA-256 contexts for one key, prepared on first use. They live in
/// OpenSSL's memory, which it wipes when they are freed.
private final class LongInputs: @unchecked Sendable {
    // Written only in `init` and `deinit`; `mac` copies them, which only reads them, from any
    // thread.
    private let inner: OpaquePointer
    private let outer: OpaquePointer
    private static let blockSize = 64
    /// Fetched once: OpenSSL 3 looks an implementation up by name on every use otherwise. A
    /// fetched method is immutable and may be shared between threads.
    private nonisolated(unsafe) static let sha256: OpaquePointer = {
        // The system's openssl.cnf has nothing for a digest; not loading it saves memory.
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil)
        return EVP_MD_fetch(nil, "SHA256", nil)!
    }()

    init(_ key: SecureBytes) {
        let md = Self.sha256
        // The key, hashed first when longer than a block, zero-padded to a block.
        let padded = SecureBytes(count: Self.blockSize) { block in
            // sodium_malloc fills new memory with a canary byte, not zeros.
            block.initializeMemory(as: UInt8.self, repeating: 0)
            key.withUnsafeBytes { keyBytes in
                if keyBytes.count > Self.blockSize {
                    var length: UInt32 = 0
                    let ok = EVP_Digest(keyBytes.baseAddress, keyBytes.count, block.baseAddress!.assumingMemoryBound(to: UInt8.self), &length, md, nil)
                    precondition(ok == 1, "SHA-256 failed")
                } else if keyBytes.count > 0 {
                    block.copyMemory(from: keyBytes)
                }
            }
        }
        func prepared(_ pad: UInt8) -> OpaquePointer {
            let context = EVP_MD_CTX_new()!
            let ok = SecureBytes(count: Self.blockSize) { xored in
                padded.withUnsafeBytes { block in
                    for i in 0..<Self.blockSize { xored[i] = block[i] ^ pad }
                }
            }.withUnsafeBytes { xored in
                EVP_DigestInit_ex(context, md, nil) == 1 && EVP_DigestUpdate(context, xored.baseAddress, xored.count) == 1
            }
            precondition(ok, "SHA-256 failed")
            return context
        }
        inner = prepared(0x36)
        outer = prepared(0x5C)
    }

    deinit {
        EVP_MD_CTX_free(inner)
        EVP_MD_CTX_free(outer)
    }

    func mac(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        let context = EVP_MD_CTX_new()!
        defer { EVP_MD_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: 32)
        var ok = EVP_MD_CTX_copy_ex(context, inner) == 1 && EVP_DigestUpdate(context, data.baseAddress, data.count) == 1
        ok = ok && out.withUnsafeMutableBufferPointer { digest in
            EVP_DigestFinal_ex(context, digest.baseAddress, nil) == 1 && EVP_MD_CTX_copy_ex(context, outer) == 1
                && EVP_DigestUpdate(context, digest.baseAddress, 32) == 1 && EVP_DigestFinal_ex(context, digest.baseAddress, nil) == 1
        }
        precondition(ok, "HMAC-SHA256 failed")
        return out
    }
}
