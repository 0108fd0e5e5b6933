import CofferCrypto
import CofferSDK

/// Writes audit entry JSON straight to bytes, members in the sorted order `JSONWriter` gives,
/// so a line reads as it did when entries were built as `JSONValue` trees first. The tree
/// (a dictionary per object, hashed, then sorted again on output) cost more than the rest of
/// an audited request's audit work together.
struct AuditJSON {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    mutating func open() {
        comma()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// A member's name; the caller writes members in sorted order.
    mutating func key(_ name: StaticString) {
        comma()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ text: String) {
        comma()
        JSONWriter.write(.string(text), into: &bytes)
        needsComma = true
    }

    mutating func int(_ value: Int64) {
        comma()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func null() {
        comma()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// Already-encoded JSON (a part rendered earlier).
    mutating func raw(_ encoded: [UInt8]) {
        comma()
        bytes.append(contentsOf: encoded)
        needsComma = true
    }

    mutating func value(_ value: JSONValue) {
        comma()
        JSONWriter.write(value, into: &bytes)
        needsComma = true
    }

    mutating func strings(_ items: [String]) {
        comma()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for item in items { string(item) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// `text` as the device shows it: HMACed (`hmac-sha256:` and hex, no escaping needed), or
    /// as is for a `log_raw` device.
    mutating func hashed(_ text: String, _ hasher: AuditHasher) {
        guard !hasher.raw else { return string(text) }
        comma()
        bytes.append(contentsOf: #""hmac-sha256:"#.utf8)
        hasher.key.macHex(text, appendingTo: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// `value` with every string in it HMACed (`AuditHasher.hash`), objects' members sorted.
    mutating func hashed(_ value: JSONValue, _ hasher: AuditHasher) {
        switch value {
        case .string(let text): hashed(text, hasher)
        case .array(let items):
            comma()
            bytes.append(UInt8(ascii: "["))
            needsComma = false
            for item in items { hashed(item, hasher) }
            bytes.append(UInt8(ascii: "]"))
            needsComma = true
        case .object(let object): hashed(object, hasher)
        default: self.value(value)
        }
    }

    mutating func hashed(_ object: JSONObject, _ hasher: AuditHasher) {
        comma()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        object.forEachInKeyOrder { name, value in
            comma()
            JSONWriter.write(.string(name), into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            needsComma = false
            hashed(value, hasher)
        }
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    private mutating func comma() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}
