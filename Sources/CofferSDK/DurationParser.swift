/// Parses durations the way Vault's field parser does: plain seconds (`90`, `"90"`) or Go
/// duration strings with an extra `d` unit (`"1h30m"`, `"1.5h"`, `"500ms"`, `"7d"`), held to
/// `0...NumberBounds.maxDurationSeconds`.
public enum DurationParser {
    /// What a duration text or value turned out to be.
    public enum Parsed: Sendable, Equatable {
        /// Whole seconds (rounded down), within bounds.
        case seconds(Int64)
        /// Not a duration at all.
        case invalid
        /// A duration, but negative or longer than `NumberBounds.maxDurationSeconds`.
        case outOfRange
    }

    /// The message for an out-of-range duration in `field`.
    public static func rangeMessage(_ field: String) -> String {
        "duration for \"\(field)\" out of range: must be between 0 and \(NumberBounds.maxDurationSeconds) seconds (about 292 years)"
    }

    /// Seconds (rounded down) for `text`, or nil when it is not a duration or out of range.
    public static func seconds(_ text: String) -> Int64? {
        if case .seconds(let s) = parse(text) { return s }
        return nil
    }

    /// Seconds for a JSON value: a number of seconds or a duration string; nil when invalid or out of range.
    public static func seconds(_ value: JSONValue) -> Int64? {
        if case .seconds(let s) = parse(value) { return s }
        return nil
    }

    /// Parses a JSON value: a number of seconds or a duration string.
    public static func parse(_ value: JSONValue) -> Parsed {
        switch value {
        case .int(let i): return bounded(i)
        case .double(let d):
            guard d.isFinite else { return .outOfRange }
            return d < 0 || d >= Double(NumberBounds.maxDurationSeconds) + 1 ? .outOfRange : .seconds(Int64(d.rounded(.down)))
        case .string(let s): return parse(s)
        default: return .invalid
        }
    }

    /// Parses duration text.
    public static func parse(_ text: String) -> Parsed {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .seconds(0) }
        if let plain = Int64(trimmed) { return bounded(plain) }
        let unsigned = trimmed.utf8.first == UInt8(ascii: "-") || trimmed.utf8.first == UInt8(ascii: "+") ? trimmed.utf8.dropFirst() : trimmed.utf8[...]
        if !unsigned.isEmpty, unsigned.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // All digits but too long for Int64: a number, just far too large (or small).
            return .outOfRange
        }
        return nanoseconds(trimmed)
    }

    private static func bounded(_ seconds: Int64) -> Parsed {
        seconds < 0 || seconds > NumberBounds.maxDurationSeconds ? .outOfRange : .seconds(seconds)
    }

    private static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
    ]

    /// Longer inputs are refused before any arithmetic: no real duration needs them.
    private static let maxTextLength = 64

    private static func nanoseconds(_ text: String) -> Parsed {
        guard text.utf8.count <= maxTextLength else { return .invalid }
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return .seconds(0) }
        guard !rest.isEmpty else { return .invalid }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number), value.isFinite else { return .invalid }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return .invalid }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total.isFinite else { return .outOfRange }
        if negative && total > 0 { return .outOfRange }
        let seconds = total / 1e9
        guard seconds < Double(NumberBounds.maxDurationSeconds) + 1 else { return .outOfRange }
        return .seconds(Int64(seconds.rounded(.down)))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: CharacterSetLite) -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Avoids a Foundation dependency in the SDK for a single trimming call.
fileprivate enum CharacterSetLite { case whitespaces }
