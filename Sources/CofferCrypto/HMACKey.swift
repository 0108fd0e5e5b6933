import COpenSSL
import CSodium

/// An HMAC-SHA256 key with its inner and outer SHA-256 states computed once, in locked memory:
/// each MAC then starts from a copy of them instead of hashing the key again. Token lookups
/// and every audit field and chain tag MAC under the same few keys.
///
/// OpenSSL's SHA-256 uses the CPU's SHA extensions: a MAC takes about a quarter of the time of
/// libsodium's portable code (89 against 393 ns for a token id, 656 against 2,836 ns for a
/// 1,100-byte audit line, here). Its plain context struct is copied, so a MAC allocates
/// nothing but its result, and never touches OpenSSL's provider machinery (which keeps 1.5 to
/// 2 MB more of libcrypto resident).
public final class HMACKey: Sendable {
    /// The SHA-256 contexts after the key's inner and outer pads.
    private let pads: SecureBytes
    private static let blockSize = 64

    /// Prepares `key` (any length).
    public init(_ key: SecureBytes) {
        pads = SecureBytes(count: 2 * MemoryLayout<SHA256_CTX>.stride) { buffer in
            let contexts = buffer.baseAddress!.bindMemory(to: SHA256_CTX.self, capacity: 2)
            // The key, hashed first when longer than a block, zero-padded to a block; on the
            // stack, and wiped before it is left.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.blockSize) { block in
                block.initialize(repeating: 0)
                defer { sodium_memzero(block.baseAddress!, Self.blockSize) }
                key.withUnsafeBytes { keyBytes in
                    if keyBytes.count > Self.blockSize {
                        var context = SHA256_CTX()
                        let ok = coffer_sha256_init(&context) == 1 && coffer_sha256_update(&context, keyBytes.baseAddress, keyBytes.count) == 1
                            && coffer_sha256_final(block.baseAddress!, &context) == 1
                        sodium_memzero(&context, MemoryLayout<SHA256_CTX>.size)
                        precondition(ok, "SHA-256 failed")
                    } else if keyBytes.count > 0 {
                        UnsafeMutableRawBufferPointer(block).copyMemory(from: keyBytes)
                    }
                }
                for (index, pad) in [UInt8(0x36), 0x5C].enumerated() {
                    for i in 0..<Self.blockSize { block[i] ^= pad }
                    let ok = coffer_sha256_init(contexts + index) == 1 && coffer_sha256_update(contexts + index, block.baseAddress, Self.blockSize) == 1
                    precondition(ok, "SHA-256 failed")
                    for i in 0..<Self.blockSize { block[i] ^= pad }
                }
            }
        }
    }

    /// Length of a MAC in bytes.
    public static let length = 32

    /// HMAC-SHA256 of `data`; the same as `Digest.hmacSHA256` under this key.
    public func mac(bytes data: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.length) { out, count in
            mac(bytes: data, into: out.baseAddress!)
            count = Self.length
        }
    }

    /// HMAC-SHA256 of `data` written to the 32 bytes at `digest`, allocating nothing: an
    /// audited request MACs a dozen strings and lines, and each result array was a malloc.
    public func mac(bytes data: UnsafeRawBufferPointer, into digest: UnsafeMutablePointer<UInt8>) {
        pads.withUnsafeBytes { buffer in
            let contexts = buffer.baseAddress!.assumingMemoryBound(to: SHA256_CTX.self)
            var working = contexts[0]
            defer { sodium_memzero(&working, MemoryLayout<SHA256_CTX>.size) }
            var ok = coffer_sha256_update(&working, data.baseAddress, data.count) == 1 && coffer_sha256_final(digest, &working) == 1
            if ok {
                working = contexts[1]
                ok = coffer_sha256_update(&working, digest, Self.length) == 1 && coffer_sha256_final(digest, &working) == 1
            }
            precondition(ok, "HMAC-SHA256 failed")
        }
    }

    /// The MAC of `data` as 64 lowercase hex digits appended to `out`.
    public func macHex(bytes data: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.length) { digest in
            mac(bytes: data, into: digest.baseAddress!)
            Hex.append(UnsafeBufferPointer(digest), to: &out)
        }
    }

    /// The MAC of a string's UTF-8 bytes as 64 lowercase hex digits appended to `out`.
    public func macHex(_ text: String, appendingTo out: inout [UInt8]) {
        var text = text
        text.withUTF8 { macHex(bytes: UnsafeRawBufferPointer($0), appendingTo: &out) }
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
