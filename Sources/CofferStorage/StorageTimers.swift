import CoreMetrics

/// Millisecond timings of storage operations under one metric prefix, as Vault reports
/// `vault.barrier.get` or `vault.sqlite.put`: summaries of milliseconds, so sums and rates read
/// as they do on Vault's dashboards.
public struct StorageTimers: Sendable {
    let get: Recorder
    let put: Recorder
    let delete: Recorder
    let list: Recorder

    /// Timers named `prefix.get`, `prefix.put`, `prefix.delete` and `prefix.list`.
    public init(prefix: String, factory: any MetricsFactory) {
        get = Recorder(label: prefix + ".get", aggregate: true, factory: factory)
        put = Recorder(label: prefix + ".put", aggregate: true, factory: factory)
        delete = Recorder(label: prefix + ".delete", aggregate: true, factory: factory)
        list = Recorder(label: prefix + ".list", aggregate: true, factory: factory)
    }
}

extension Recorder {
    /// Runs `body` and records how long it took, in milliseconds, whether it threw or not.
    @inlinable
    public func time<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { recordMilliseconds(since: start) }
        return try await body()
    }

    /// Records the milliseconds since `start`.
    @inlinable
    public func recordMilliseconds(since start: ContinuousClock.Instant) {
        let elapsed = (ContinuousClock.now - start).components
        record(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
    }
}
