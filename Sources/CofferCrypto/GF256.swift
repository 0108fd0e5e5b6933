/// Arithmetic in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, written without
/// table look-ups or data-dependent branches so that share handling leaks nothing through timing.
enum GF256 {
    static func add(_ a: UInt8, _ b: UInt8) -> UInt8 { a ^ b }

    static func mul(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a
        var b = b
        var result: UInt8 = 0
        for _ in 0..<8 {
            result ^= (0 &- (b & 1)) & a
            let carry = 0 &- (a >> 7)
            a = (a << 1) ^ (0x1B & carry)
            b >>= 1
        }
        return result
    }

    /// The multiplicative inverse as a^254 (Fermat); 0 maps to 0, which callers never pass.
    static func inverse(_ a: UInt8) -> UInt8 {
        var result: UInt8 = 1
        var base = a
        var exponent: UInt8 = 254
        for _ in 0..<8 {
            let factor = mul(result, base)
            let bit = 0 &- (exponent & 1)
            result = (factor & bit) | (result & ~bit)
            base = mul(base, base)
            exponent >>= 1
        }
        return result
    }

    static func div(_ a: UInt8, _ b: UInt8) -> UInt8 { mul(a, inverse(b)) }
}
