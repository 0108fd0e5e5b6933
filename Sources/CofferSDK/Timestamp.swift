import Foundation

/// RFC 3339 timestamps with nanoseconds in UTC, as Vault's Go encoder writes `time.Time`.
public enum Timestamp {
    /// The RFC 3339 form of `seconds` since 1970.
    public static func rfc3339(_ seconds: Double) -> String {
        let whole = floor(seconds)
        let nanos = Int((seconds - whole) * 1_000_000_000)
        let date = Date(timeIntervalSince1970: whole)
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let base = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", components.year!, components.month!, components.day!,
            components.hour!, components.minute!, components.second!
        )
        return nanos == 0 ? base + "Z" : base + String(format: ".%09dZ", nanos)
    }
}
