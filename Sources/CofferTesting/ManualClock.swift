import Synchronization

/// A clock tests move by hand, for TTLs and expiry without sleeping.
public final class ManualClock: Sendable {
    private let seconds: Mutex<Double>

    /// Starts at `start` seconds since 1970.
    public init(start: Double = 1_800_000_000) {
        seconds = Mutex(start)
    }

    /// The current time.
    public var now: Double { seconds.withLock { $0 } }

    /// Moves time forward.
    public func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }

    /// The clock as the core takes it.
    public var function: @Sendable () -> Double { { self.now } }
}
