/// Parses durations the way Vault's field parser does: plain seconds (`90`, `"90"`) or Go
/// duration strings with an extra `d` unit (`"1h30m"`, `"1.5h"`, `"500ms"`, `"7d"`).
public enum DurationParser {
    /// Seconds (rounded down) for `text`, or nil when it is not a duration.
    public static func seconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return 0 }
        if let plain = Int64(trimmed) { return plain >= 0 ? plain : nil }
        guard let nanos = nanoseconds(trimmed) else { return nil }
        return nanos / 1_000_000_000
    }

    /// Seconds for a JSON value: a number of seconds or a duration string.
    public static func seconds(_ value: JSONValue) -> Int64? {
        switch value {
        case .int(let i): i >= 0 ? i : nil
        case .double(let d): d >= 0 && d.isFinite ? Int64(d) : nil
        case .string(let s): seconds(s)
        default: nil
        }
    }

    private static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9),
    ]

    private static func nanoseconds(_ text: String) -> Int64? {
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !$0.isNumber && $0 != "." }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard !negative, total < 9.2e18 else { return nil }
        return Int64(total)
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
