import CSodium

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

    private static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A random string over `[0-9A-Za-z]`, the alphabet Vault uses for token bodies.
    public static func base62String(length: Int) -> String {
        // Bytes below 248 (4 × 62) map to characters without bias; the rest are dropped. One
        // call to the system per batch of bytes, not one per character: it is a system call.
        var chars = [UInt8]()
        chars.reserveCapacity(length)
        while chars.count < length {
            for byte in bytes(length + length / 8 + 4) where byte < 248 && chars.count < length {
                chars.append(base62[Int(byte % 62)])
            }
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// A random RFC 4122 version-4 UUID string, as Vault uses for request ids and accessors.
    public static func uuid() -> String {
        var b = bytes(16)
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        let hex = Hex.encode(b)
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
            + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }
}
