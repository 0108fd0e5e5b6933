import CofferSDK
import CofferStorage
import CoreMetrics
import Synchronization

/// The metrics the core records, under Vault's names (`vault.core.handle_request`,
/// `vault.route.read.secret-`, `vault.token.creation` …). Timers are recorders of
/// milliseconds, as Vault's summaries are.
public final class CoreTelemetry: Sendable {
    let factory: any MetricsFactory
    let handleRequest: Recorder
    let handleLoginRequest: Recorder
    let auditLogRequest: Recorder
    let auditLogResponse: Recorder
    let auditLogRequestFailure: Counter
    let auditLogResponseFailure: Counter
    let expireRevoke: Recorder
    private let routes = Mutex<[RouteKey: Recorder]>([:])
    private let series = Mutex<[SeriesKey: Counter]>([:])

    /// Label values come from requests (mount paths, role names), so each labelled metric keeps
    /// at most this many series, Vault's `maximum_gauge_cardinality`; later ones share one
    /// series whose labels read `other`.
    static let maximumSeries = 500

    private struct RouteKey: Hashable {
        let operation: Operation
        let mount: String
    }

    private struct SeriesKey: Hashable {
        let name: String
        let labels: [String]
    }

    /// Records into `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        handleRequest = Recorder(label: "vault.core.handle_request", factory: factory)
        handleLoginRequest = Recorder(label: "vault.core.handle_login_request", factory: factory)
        auditLogRequest = Recorder(label: "vault.audit.log_request", factory: factory)
        auditLogResponse = Recorder(label: "vault.audit.log_response", factory: factory)
        auditLogRequestFailure = Counter(label: "vault.audit.log_request_failure", factory: factory)
        auditLogResponseFailure = Counter(label: "vault.audit.log_response_failure", factory: factory)
        expireRevoke = Recorder(label: "vault.expire.revoke", factory: factory)
    }

    /// `vault.route.<operation>.<mount>`, the mount's slashes as dashes (`vault.route.read.secret-`).
    func route(_ operation: Operation, mount: String) -> Recorder {
        let key = RouteKey(operation: operation, mount: mount)
        if let known = routes.withLock({ $0[key] }) { return known }
        let made = Recorder(label: "vault.route.\(operation.rawValue).\(String(mount.map { $0 == "/" ? "-" : $0 }))", factory: factory)
        return routes.withLock { table in
            if let raced = table[key] { return raced }
            table[key] = made
            return made
        }
    }

    /// `vault.token.creation`: every token a login or `auth/token/create` made.
    func tokenCreated(authMethod: String, mountPoint: String, ttl: Int64, type: String) {
        count(
            "vault.token.creation",
            [("auth_method", authMethod), ("mount_point", mountPoint), ("creation_ttl", Self.ttlBucket(ttl)), ("token_type", type), ("namespace", "root")]
        )
    }

    /// `vault.core.login`: each login attempt by method, mount and role, and whether it succeeded.
    func login(authMethod: String, mountPoint: String, role: String, success: Bool) {
        count(
            "vault.core.login",
            [("auth_method", authMethod), ("mount_point", mountPoint), ("role", role), ("outcome", success ? "success" : "failure")]
        )
    }

    /// `vault.secret.lease.creation`: each secret lease by engine, mount and TTL bucket.
    func leaseCreated(engine: String, mountPoint: String, ttl: Int64) {
        count(
            "vault.secret.lease.creation",
            [("secret_engine", engine), ("mount_point", mountPoint), ("creation_ttl", Self.ttlBucket(ttl)), ("namespace", "root")]
        )
    }

    private func count(_ name: String, _ labels: [(String, String)]) {
        let key = SeriesKey(name: name, labels: labels.map(\.1))
        let counter = series.withLock { table -> Counter in
            if let known = table[key] { return known }
            var dimensions = labels
            var finalKey = key
            if table.count >= Self.maximumSeries * 3 || table.keys.lazy.filter({ $0.name == name }).count >= Self.maximumSeries {
                dimensions = labels.map { ($0.0, "other") }
                finalKey = SeriesKey(name: name, labels: dimensions.map(\.1))
                if let overflow = table[finalKey] { return overflow }
            }
            let made = Counter(label: name, dimensions: dimensions, factory: factory)
            table[finalKey] = made
            return made
        }
        counter.increment()
    }

    /// Vault's `creation_ttl` buckets: the smallest of 1m, 10m, 20m, 1h, 2h, 1d, 2d, 7d and 30d
    /// that holds the TTL, or `+Inf` for none or longer.
    static func ttlBucket(_ seconds: Int64) -> String {
        guard seconds > 0 else { return "+Inf" }
        let buckets: [(Int64, String)] = [
            (60, "1m"), (600, "10m"), (1200, "20m"), (3600, "1h"), (7200, "2h"), (86400, "1d"), (172_800, "2d"), (604_800, "7d"), (2_592_000, "30d"),
        ]
        return buckets.first { seconds <= $0.0 }?.1 ?? "+Inf"
    }
}
