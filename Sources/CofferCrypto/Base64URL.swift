import CSodium

/// URL-safe base64 without padding (RFC 4648 §5), as batch tokens carry their sealed record.
/// libsodium's codec: the Foundation route (standard base64, then three string replacements)
/// went through UTF-16 and was a fifth of a batch-token login.
public enum Base64URL {
    /// Encodes `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        let variant = Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        var out = [CChar](repeating: 0, count: sodium_base64_encoded_len(bytes.count, variant))
        _ = bytes.withUnsafeBufferPointer { sodium_bin2base64(&out, out.count, $0.baseAddress, bytes.count, variant) }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes unpadded URL-safe base64; nil for anything else (padding, other alphabets, spaces).
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: chars.count * 3 / 4 + 1)
        var length = 0
        let status = chars.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { text in
                sodium_base642bin(&out, out.count, text.baseAddress, text.count, nil, &length, nil, Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING))
            }
        }
        guard status == 0 else { return nil }
        return Array(out.prefix(length))
    }
}
