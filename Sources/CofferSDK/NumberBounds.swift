import Synchronization

/// The ranges that every number from a request, a stored record or a configuration is held to,
/// so that no later conversion or sum can trap the process.
public enum NumberBounds {
    /// The longest duration, in seconds. Go's `time.Duration` ends at 2^63−1 ns (about 292
    /// years), so Vault can hold no longer one; the bound also keeps `now + ttl` far from overflow.
    public static let maxDurationSeconds: Int64 = 9_223_372_036
    /// The largest magnitude of an integer field: 2^53−1, exact as a double, so that the sum or
    /// difference of two such values never overflows.
    public static let maxInteger: Int64 = 9_007_199_254_740_991
    /// The instants the server formats and stores, in seconds since 1970: years 1 to 9999.
    public static let timeRange: ClosedRange<Double> = -62_135_596_800 ... 253_402_300_799

    private static let clampReporter = Mutex<(handler: (@Sendable (String) -> Void)?, reported: Set<String>)>((nil, []))

    /// Installs the sink for clamped stored values (the core logs them); each field is reported once.
    public static func onClamp(_ handler: @escaping @Sendable (String) -> Void) {
        clampReporter.withLock { $0.handler = handler }
    }

    /// Notes that a stored `field` held a value outside its range and was clamped.
    static func reportClamp(_ field: String) {
        let handler: (@Sendable (String) -> Void)? = clampReporter.withLock { state in
            guard state.reported.insert(field).inserted else { return nil }
            return state.handler
        }
        handler?(field)
    }
}

extension Int64 {
    /// `value` rounded toward zero and clamped into Int64's range; NaN gives 0. Never traps.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.223372036854775e18 {
            self = .max
        } else if value <= -9.223372036854775e18 {
            self = .min
        } else {
            self = Int64(value.rounded(.towardZero))
        }
    }
}

extension Double {
    /// This instant clamped into `NumberBounds.timeRange` (NaN gives 0), so that formatting it
    /// or adding a bounded duration to it cannot trap.
    public var clampedTime: Double {
        if isNaN { return 0 }
        return Swift.min(Swift.max(self, NumberBounds.timeRange.lowerBound), NumberBounds.timeRange.upperBound)
    }
}

extension JSONValue {
    /// A stored duration in seconds, clamped to `0...maxDurationSeconds`: records written by an
    /// older build may hold anything, and must still load. Reports a clamp once per `field`.
    public func storedSeconds(_ field: String) -> Int64? {
        guard let raw = intValue ?? doubleValue.map(Int64.init(saturating:)) else { return nil }
        let clamped = Swift.min(Swift.max(raw, 0), NumberBounds.maxDurationSeconds)
        if clamped != raw { NumberBounds.reportClamp(field) }
        return clamped
    }

    /// A stored integer clamped to `±maxInteger`, reported once per `field` when it was not.
    public func storedInt(_ field: String) -> Int64? {
        guard let raw = intValue ?? doubleValue.map(Int64.init(saturating:)) else { return nil }
        let clamped = Swift.min(Swift.max(raw, -NumberBounds.maxInteger), NumberBounds.maxInteger)
        if clamped != raw { NumberBounds.reportClamp(field) }
        return clamped
    }
}
