import CofferSDK

/// Statement lists as Vault's database engine takes them: a JSON list, or one string that may
/// hold several `;`-separated statements (also base64 or a JSON list in a string), rendered with
/// `{{name}}`, `{{username}}`, `{{password}}` and `{{expiration}}`.
public enum DatabaseStatements {
    /// The most statements, and the largest one, a role may hold.
    static let maxCount = 256
    static let maxLength = 64 * 1024

    /// The statement list of a request field; throws a 400 naming the field.
    public static func parse(_ value: JSONValue?, field: String) throws(CofferError) -> [String] {
        guard let value, !value.isNull else { return [] }
        var out = [String]()
        switch value {
        case .array(let items):
            for item in items {
                guard let text = item.stringValue else { throw CofferError.badRequest("\(field) must be a list of strings") }
                out.append(text)
            }
        case .string(let text):
            out = decodeString(text)
        default:
            throw CofferError.badRequest("\(field) must be a string or a list of strings")
        }
        out = out.map(trimmed).filter { !$0.isEmpty }
        guard out.count <= maxCount, out.allSatisfy({ $0.utf8.count <= maxLength }) else {
            throw CofferError.badRequest("\(field) is too large")
        }
        return out
    }

    /// A string field may be base64 or a JSON list, as Vault accepts; otherwise it is the text.
    private static func decodeString(_ text: String) -> [String] {
        let candidate = trimmed(text)
        if let bytes = strictBase64(candidate), let decoded = String(validating: bytes, as: UTF8.self),
            decoded.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        {
            return decodeString(decoded)
        }
        if candidate.hasPrefix("["), let parsed = try? JSONParser.parse(Array(candidate.utf8)), let items = parsed.arrayValue,
            items.allSatisfy({ $0.stringValue != nil })
        {
            return items.compactMap(\.stringValue)
        }
        return [candidate]
    }

    /// The single statements to run for one stored entry: split on `;` unless the entry uses
    /// dollar quoting (a `DO $$ … $$` block), which runs whole, as Vault's plugin does.
    public static func split(_ entry: String) -> [String] {
        if entry.contains("$$") { return [entry] }
        return entry.split(separator: ";").map { trimmed(String($0)) }.filter { !$0.isEmpty }
    }

    /// `entry` with `{{key}}` replaced by `values[key]`; unknown placeholders stay as written.
    public static func render(_ entry: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(entry)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let key = trimmed(String(afterOpen[..<close.lowerBound]))
            if let value = values[key] {
                out += value
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        return out
    }

    /// Every statement of `entries`, split and rendered, in order.
    public static func commands(_ entries: [String], _ values: [String: String]) -> [String] {
        entries.flatMap { split($0) }.map { render($0, values) }
    }

    /// `{{expiration}}` as Vault renders it (Go's `2006-01-02 15:04:05-0700`), in UTC.
    public static func expiration(_ seconds: Double) -> String {
        let stamp = Timestamp.rfc3339(seconds.rounded(.down))
        // "YYYY-MM-DDTHH:MM:SSZ" → "YYYY-MM-DD HH:MM:SS+0000"
        return stamp.dropLast().replacing("T", with: " ") + "+0000"
    }

    private static func trimmed(_ text: String) -> String {
        var s = Substring(text)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    private static func strictBase64(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count % 4 == 0 else { return nil }
        var values = [UInt8]()
        values.reserveCapacity(bytes.count)
        var padding = 0
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="):
                guard index >= bytes.count - 2 else { return nil }
                padding += 1
                values.append(0)
            default: return nil
            }
            if padding > 0, byte != UInt8(ascii: "=") { return nil }
        }
        var out = [UInt8]()
        for chunk in stride(from: 0, to: values.count, by: 4) {
            let n = UInt32(values[chunk]) << 18 | UInt32(values[chunk + 1]) << 12 | UInt32(values[chunk + 2]) << 6 | UInt32(values[chunk + 3])
            out.append(UInt8(n >> 16 & 0xFF))
            out.append(UInt8(n >> 8 & 0xFF))
            out.append(UInt8(n & 0xFF))
        }
        out.removeLast(padding)
        return out
    }
}
