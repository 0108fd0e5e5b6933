import CSodium
import Synchronization

/// Cryptographically secure randomness from the operating system, through libsodium.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    /// A uniformly random integer in `0..<upperBound`, without modulo bias.
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.ensureReady()
        return randombytes_uniform(upperBound)
    }

    /// The base62 digits, in ASCII order, so that fixed-width base62 numbers sort as text.
    public static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A random string over `[0-9A-Za-z]`, the alphabet Vault uses for token bodies.
    public static func base62String(length: Int) -> String {
        base62Strings(1, length: length)[0]
    }

    /// `count` independent random strings over `[0-9A-Za-z]`, drawn with one call to the system
    /// where one string each took one (a new token needs three: id, accessor, cubbyhole).
    public static func base62Strings(_ count: Int, length: Int) -> [String] {
        // Bytes below 248 (4 × 62) map to characters without bias; the rest are dropped. One
        // call to the system per batch of bytes, not one per character: it is a system call.
        guard count > 0, length > 0 else { return Array(repeating: "", count: max(0, count)) }
        let total = count * length
        var chars = [UInt8]()
        chars.reserveCapacity(total)
        while chars.count < total {
            let missing = total - chars.count
            for byte in bytes(missing + missing / 8 + 4) where byte < 248 && chars.count < total {
                chars.append(base62[Int(byte % 62)])
            }
        }
        return (0..<count).map { index in String(decoding: chars[(index * length)..<((index + 1) * length)], as: UTF8.self) }
    }

    /// `count` random bytes for values that are published and must only never repeat: AEAD
    /// nonces, request ids. They come from a buffer refilled from the system 4 KiB at a time,
    /// one system call per few hundred values instead of one each (a new token seals five
    /// storage entries). Never use them for keys or token ids: those stay out of any buffer.
    public static func publicBytes(_ count: Int) -> [UInt8] {
        guard count <= 64 else { return bytes(count) }
        return publicPool.withLock { pool -> [UInt8] in
            if pool.offset + count > pool.buffer.count {
                pool.buffer = bytes(4096)
                pool.offset = 0
            }
            defer { pool.offset += count }
            return Array(pool.buffer[pool.offset..<(pool.offset + count)])
        }
    }

    /// A random RFC 4122 version-4 UUID string, as Vault uses for request ids and accessors.
    public static func uuid() -> String {
        format(uuid: bytes(16))
    }

    /// A random UUID for values that identify but protect nothing (request ids). Its bytes come
    /// from a buffer refilled 4 KiB at a time: one system call per 256 ids instead of one each,
    /// which was 4 % of a KV read.
    public static func identifier() -> String {
        format(uuid: publicBytes(16))
    }

    private static let publicPool = Mutex<(buffer: [UInt8], offset: Int)>(([], 0))

    private static func format(uuid bytes: [UInt8]) -> String {
        var b = bytes
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, byte) in b.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
