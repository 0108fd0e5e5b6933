/// HKDF (RFC 5869) with SHA-256, as Vault's Transit derives per-context keys: no salt (so a
/// salt of 32 zero bytes), the context as `info`.
public enum HKDF {
    /// `length` bytes of output keying material from `secret` and `info`; at most 255 × 32.
    public static func sha256(secret: SecureBytes, salt: [UInt8] = [], info: [UInt8], length: Int) -> [UInt8] {
        precondition(length > 0 && length <= 255 * 32, "HKDF length out of range")
        let hash = HashAlgorithm.sha2_256
        let saltKey = salt.isEmpty ? [UInt8](repeating: 0, count: 32) : salt
        let prk = secret.withUnsafeBytes { secretBuffer in
            saltKey.withUnsafeBytes { saltBuffer in hash.hmac(saltBuffer, secretBuffer) }
        }
        var output = [UInt8]()
        output.reserveCapacity(length)
        var previous = [UInt8]()
        var counter: UInt8 = 1
        while output.count < length {
            previous = hash.hmac(key: prk, previous + info + [counter])
            output += previous
            counter &+= 1
        }
        return Array(output.prefix(length))
    }
}
