/// Serialises `JSONValue` to compact JSON bytes with sorted keys, as Go's encoder (and so Vault) does.
///
/// Hand-written rather than Foundation's encoder: it runs on every response, and going through
/// `Codable` costs several times more.
public enum JSONWriter {
    /// The JSON encoding of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// The encoding of an object given as members already in the order `write` sorts keys to
    /// (ascending, each key once): the same bytes as encoding it as a dictionary, without
    /// building one to sort it again. A caller with a fixed set of keys writes them this way;
    /// the keys are literals that need no escaping, so their bytes are copied as they are.
    public static func encode(sortedMembers members: [(key: StaticString, value: JSONValue)]) -> [UInt8] {
        assert(zip(members, members.dropFirst()).allSatisfy { "\($0.key)" < "\($1.key)" }, "members out of order")
        var out = [UInt8]()
        // A response envelope with a small secret in it is over 256 bytes.
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            let key = UnsafeBufferPointer(start: member.key.utf8Start, count: member.key.utf8CodeUnitCount)
            assert(!key.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }, "a key that needs escaping")
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: key)
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            write(member.value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The JSON encoding of `value` as a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Appends the encoding of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: append("null", to: &out)
        case .bool(let b): append(b ? "true" : "false", to: &out)
        case .int(let i): writeInt(i, into: &out)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            object.forEachInKeyOrder { key, value in
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d.rounded() == d, abs(d) < 1e15 {
            writeInt(Int64(d), into: &out)
        } else {
            out.append(contentsOf: "\(d)".utf8)
        }
    }

    /// Appends a literal's bytes at once: appending a String's UTF-8 view went through the
    /// generic sequence copy, and every response has several nulls and booleans.
    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// The decimal digits of `value`, as `String(value)` writes them, without making the String.
    private static func writeInt(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        // Swapped in place: reversing the range as a slice copied it into a new array first.
        var (low, high) = (start, out.count - 1)
        while low < high {
            out.swapAt(low, high)
            (low, high) = (low + 1, high - 1)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            // Most strings need no escaping and are copied whole, as one block: appending the
            // string's UTF-8 view instead went through the generic sequence copy, byte by byte.
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(contentsOf: bytes)
                out.append(UInt8(ascii: "\""))
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}
