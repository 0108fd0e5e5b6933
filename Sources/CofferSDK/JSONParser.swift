/// Parses JSON bytes into `JSONValue`, strictly (RFC 8259), with a nesting limit so a hostile body
/// cannot exhaust the stack.
public struct JSONParser {
    /// Why a document was refused; the message names the position, never the content.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// A human-readable reason with the byte offset.
        public let description: String
    }

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    private static let maxDepth = 256

    /// Parses one JSON document.
    public static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the JSON value") }
        return value
    }

    /// Parses one JSON document from a string.
    public static func parse(_ string: String) throws(Failure) -> JSONValue {
        try parse(Array(string.utf8))
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ message: String) -> Failure {
        Failure(description: "\(message) at offset \(index)")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of JSON input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("invalid character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("invalid literal") }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            throw failure("invalid literal")
        }
        index += count
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= Self.maxDepth else { throw failure("JSON nested too deeply") }
    }

    private mutating func parseObject() throws(Failure) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        // Members are gathered first so the dictionary is sized once instead of regrown as
        // a stored record's twenty-odd fields arrive. The list itself starts with room for
        // eight, which most objects fit: growing it from empty copied it three times.
        var members = [(key: String, value: JSONValue)]()
        members.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of JSON input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw failure("expected ',' or '}'")
        }
        var object = JSONObject(minimumCapacity: members.count)
        // A repeated key keeps its last value.
        for member in members { object[member.key] = member.value }
        return .object(object)
    }

    private mutating func parseArray() throws(Failure) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items = [JSONValue]()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of JSON input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw failure("expected ',' or ']'")
        }
    }

    private mutating func parseString() throws(Failure) -> String {
        index += 1
        // Most strings hold no escapes: find the closing quote and decode the run at once
        // rather than copy it a byte at a time (stored records are parsed on every lease wave).
        let start = index
        var highBits: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let end = index
                index += 1
                // ASCII, the common case, cannot be invalid UTF-8: no validation pass needed.
                if highBits < 0x80 {
                    return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
                }
                guard let s = String(validating: bytes[start..<end], as: UTF8.self) else {
                    index = end
                    throw failure("invalid UTF-8 in string")
                }
                return s
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            highBits |= byte
            index += 1
        }
        var out = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw failure("invalid UTF-8 in string") }
                return s
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw failure("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else { throw failure("unpaired surrogate") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid unicode escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw failure("invalid escape")
                }
            case 0..<0x20: throw failure("control character in string")
            default: out.append(byte)
            }
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("short unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            index += 1
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw failure("invalid unicode escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // Up to 18 digits always fit in an Int64: summed directly, without a String.
        if isInteger, index - start <= 18 {
            let negative = bytes[start] == UInt8(ascii: "-")
            var value: Int64 = 0
            for byte in bytes[(negative ? start + 1 : start)..<index] { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
            return .int(negative ? -value : value)
        }
        if !isInteger, let double = Self.nearestDouble(bytes, start, index) { return .double(double) }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let int = Int64(text) { return .int(int) }
        guard let double = Double(text) else { throw failure("invalid number") }
        return .double(double)
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Powers of ten a Double holds exactly, and the same as 128-bit integers.
    private static let exactPowers: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }
    private static let integerPowers: [UInt128] = (0...22).map { exponent in (0..<exponent).reduce(UInt128(1)) { value, _ in value * 10 } }

    /// The Double nearest to a validated JSON number written without an exponent and with at
    /// most 19 significant digits and 22 decimals, when it can be proven to be the nearest;
    /// nil leaves the number to `Double(String)`, which always gives the nearest.
    ///
    /// Stored times are such numbers (a KV read parses three), and `Double(String)` goes
    /// through a String and strtod, about a thousand instructions each. The candidate
    /// `digits / 10^decimals` is off by at most an ulp or two, and is checked exactly: it is
    /// the nearest Double when the true value lies strictly between the midpoints to its two
    /// neighbours, compared in 128-bit integers scaled by `10^decimals · 2^(1-e)`.
    static func nearestDouble(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Double? {
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var digits: UInt64 = 0
        var significant = 0
        var decimals = 0
        var inFraction = false
        while index < end {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: ".") {
                inFraction = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            if inFraction { decimals += 1 }
            // Leading zeros add no significant digit.
            if digits == 0, byte == UInt8(ascii: "0") { continue }
            significant += 1
            guard significant <= 19 else { return nil }
            digits = digits * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        guard decimals <= 22 else { return nil }
        if digits == 0 { return negative ? -0.0 : 0.0 }
        var candidate = Double(digits) / exactPowers[decimals]
        for _ in 0..<3 {
            // At the smallest significand of a binade the gap below is half as wide: not handled.
            guard candidate.isNormal, candidate.significandBitPattern != 0 else { return nil }
            let significand = UInt128(candidate.significandBitPattern | (1 << 52))
            let shift = 53 - Int(candidate.exponent)  // 1 - e, where candidate = significand · 2^e
            guard shift >= 1, shift <= 64 else { return nil }
            let scaled = UInt128(digits) << shift
            let power = integerPowers[decimals]
            if scaled <= (2 * significand - 1) * power {
                candidate = candidate.nextDown
            } else if scaled >= (2 * significand + 1) * power {
                candidate = candidate.nextUp
            } else {
                return negative ? -candidate : candidate
            }
        }
        return nil
    }
}
