/// RFC 3339 timestamps with nanoseconds in UTC, as Vault's Go encoder writes `time.Time`.
///
/// Written out by arithmetic: KV reads and every audit entry format several of these, and
/// Foundation's calendar and `String(format:)` cost more than the rest of such a request.
public enum Timestamp {
    /// The RFC 3339 form of `seconds` since 1970.
    public static func rfc3339(_ instant: Double) -> String {
        format(instant) { String(decoding: $0, as: UTF8.self) }
    }

    /// The RFC 3339 form of `instant` as a JSON string (quoted), in one allocation: audit
    /// entries write a time each, and a `String` encoded afterwards had been two.
    public static func quotedRFC3339(_ instant: Double) -> [UInt8] {
        format(instant) { text in
            var out = [UInt8]()
            out.reserveCapacity(text.count + 2)
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: text)
            out.append(UInt8(ascii: "\""))
            return out
        }
    }

    /// Formats `instant` into a stack buffer and hands `body` its bytes.
    private static func format<Result>(_ instant: Double, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        // Clamped: a stored time from an older build may lie far outside years 1 to 9999.
        let seconds = instant.clampedTime
        let whole = seconds.rounded(.down)
        let nanos = Int((seconds - whole) * 1_000_000_000)
        let total = Int64(whole)
        var days = total / 86_400
        var secondOfDay = total % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(daysSinceEpoch: days)
        // Digits go straight into one stack buffer: a temporary array per field had made a
        // timestamp cost about 6,000 instructions, and an audited KV read formats five.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var count = 0
            func put(_ byte: UInt8) {
                buffer[count] = byte
                count += 1
            }
            func digits(_ value: Int64, _ width: Int) {
                var rest = value
                var index = count + width - 1
                while index >= count {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                    index -= 1
                }
                count += width
            }
            digits(year, 4)
            put(UInt8(ascii: "-"))
            digits(month, 2)
            put(UInt8(ascii: "-"))
            digits(day, 2)
            put(UInt8(ascii: "T"))
            digits(secondOfDay / 3600, 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay % 3600 / 60, 2)
            put(UInt8(ascii: ":"))
            digits(secondOfDay % 60, 2)
            if nanos != 0 {
                put(UInt8(ascii: "."))
                digits(Int64(nanos), 9)
                // Go's RFC3339Nano, which Vault's JSON uses, drops the fraction's trailing zeros.
                while buffer[count - 1] == UInt8(ascii: "0") { count -= 1 }
            }
            put(UInt8(ascii: "Z"))
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    public static func civil(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
