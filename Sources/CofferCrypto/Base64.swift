import Foundation

/// Standard base64, as Vault prints `keys_base64` and accepts unseal keys.
public enum Base64 {
    /// Encodes with padding.
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    /// Decodes padded standard base64; nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { Array($0) } }
}
