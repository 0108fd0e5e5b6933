import Foundation

/// Standard base64, as Vault prints `keys_base64` and accepts unseal keys.
///
/// Written out rather than through `Data`: Transit decodes a base64 input and encodes a
/// ciphertext or signature on every request, and the round trip through `Data` and its
/// bridging cost more than the AES-GCM that sits between them.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 6-bit values by byte; 0xFF for bytes outside the alphabet (padding included).
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Encodes with padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { encode(bytes: $0) }
    }

    /// Encodes with padding.
    public static func encode(bytes input: UnsafeBufferPointer<UInt8>) -> String {
        let (groups, remainder) = input.count.quotientAndRemainder(dividingBy: 3)
        let length = (groups + (remainder == 0 ? 0 : 1)) * 4
        guard length > 0 else { return "" }
        return alphabet.withUnsafeBufferPointer { table in
            String(unsafeUninitializedCapacity: length) { out in
                var i = 0
                var o = 0
                while i + 3 <= input.count {
                    let word = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    out[o] = table[Int(word >> 18)]
                    out[o + 1] = table[Int((word >> 12) & 0x3F)]
                    out[o + 2] = table[Int((word >> 6) & 0x3F)]
                    out[o + 3] = table[Int(word & 0x3F)]
                    i += 3
                    o += 4
                }
                if remainder > 0 {
                    let second = remainder == 2 ? UInt32(input[i + 1]) : 0
                    let word = UInt32(input[i]) << 16 | second << 8
                    out[o] = table[Int(word >> 18)]
                    out[o + 1] = table[Int((word >> 12) & 0x3F)]
                    out[o + 2] = remainder == 2 ? table[Int((word >> 6) & 0x3F)] : UInt8(ascii: "=")
                    out[o + 3] = UInt8(ascii: "=")
                }
                return length
            }
        }
    }

    /// Decodes padded standard base64; nil for anything else.
    ///
    /// Canonical input (a multiple of four characters from the alphabet, with at most two `=`
    /// at the very end) is decoded here; anything else goes to Foundation, so every input gets
    /// the answer it always got, Foundation's leniencies included.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        if let decoded = text.withUTF8({ decodeCanonical($0) }) { return decoded }
        return Data(base64Encoded: text).map { Array($0) }
    }

    /// The bytes of canonical base64 `input`, or nil when it is not canonical (which does not
    /// mean that it is invalid). Bits below the last full byte are ignored, as Foundation does.
    static func decodeCanonical(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = input.count
        guard count > 0, count % 4 == 0 else { return nil }
        var padding = 0
        if input[count - 1] == UInt8(ascii: "=") { padding = input[count - 2] == UInt8(ascii: "=") ? 2 : 1 }
        let length = count / 4 * 3 - padding
        return values.withUnsafeBufferPointer { table -> [UInt8]? in
            var failed = false
            let out = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                var o = 0
                var i = 0
                while i < count {
                    let a = table[Int(input[i])]
                    let b = table[Int(input[i + 1])]
                    // Padding only in the last group, at the places counted above.
                    let last = i + 4 == count
                    let c = last && padding == 2 ? 0 : table[Int(input[i + 2])]
                    let d = last && padding >= 1 ? 0 : table[Int(input[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 {
                        failed = true
                        break
                    }
                    let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    buffer[o] = UInt8(truncatingIfNeeded: word >> 16)
                    if o + 1 < length { buffer[o + 1] = UInt8(truncatingIfNeeded: word >> 8) }
                    if o + 2 < length { buffer[o + 2] = UInt8(truncatingIfNeeded: word) }
                    o += 3
                    i += 4
                }
                initialized = failed ? 0 : length
            }
            return failed ? nil : out
        }
    }
}
