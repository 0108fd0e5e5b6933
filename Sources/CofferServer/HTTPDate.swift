import CofferSDK
import Foundation
import Synchronization

/// The `Date` response header (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`),
/// formatted once a second by arithmetic. Hummingbird's `Application` formats it through a
/// Gregorian `Calendar`, which brings ICU's calendar data into memory: about 3 MB of a dev
/// server's idle resident set, for one header.
final class HTTPDate: Sendable {
    private let cached = Mutex<(second: Int64, text: String)>((.min, ""))

    /// The header for the current second.
    func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        let second = Int64(spec.tv_sec)
        return cached.withLock { cached in
            if cached.second != second { cached = (second, Self.format(second)) }
            return cached.text
        }
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// IMF-fixdate of `seconds` since 1970 (UTC); years outside 1 to 9999 are clamped.
    static func format(_ seconds: Int64) -> String {
        let clamped = min(max(seconds, -62_135_596_800), 253_402_300_799)
        var days = clamped / 86_400
        var secondOfDay = clamped % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = Timestamp.civil(daysSinceEpoch: days)
        let weekday = Self.weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        return weekday + ", " + two(day) + " " + Self.months[Int(month - 1)] + " "
            + String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + " "
            + two(secondOfDay / 3600) + ":" + two(secondOfDay % 3600 / 60) + ":" + two(secondOfDay % 60) + " GMT"
    }
}
