import CofferSDK
import CofferStorage
import Synchronization

/// One value of a gauge that counts things.
public struct UsageGauge: Sendable, Equatable {
    /// Vault's metric name.
    public var name: String
    /// Its labels.
    public var labels: [(String, String)]
    /// The count.
    public var value: Int

    /// Creates a value.
    public init(name: String, labels: [(String, String)], value: Int) {
        self.name = name
        self.labels = labels
        self.value = value
    }

    public static func == (a: UsageGauge, b: UsageGauge) -> Bool {
        a.name == b.name && a.value == b.value && a.labels.map(\.0) == b.labels.map(\.0) && a.labels.map(\.1) == b.labels.map(\.1)
    }
}

extension Core {
    /// The counts Vault reports every `usage_gauge_period`: secrets per KV mount
    /// (`vault.secret.kv.count`), leases in all and per mount, and tokens. Empty while sealed.
    public func usageGauges() async throws -> [UsageGauge] {
        guard let state = active.withLock({ $0 }) else { return [] }
        var out = [UsageGauge]()
        var leasesByMount = [UsageGauge]()
        for route in state.router.mounted {
            let entry = route.entry
            if entry.type == "kv" {
                // Version 2 keeps one metadata document per secret; version 1 one value.
                let version2 = entry.options["version"] == "2"
                let count = try await barrier.count(prefix: entry.storagePrefix + (version2 ? "metadata/" : ""))
                out.append(UsageGauge(name: "vault.secret.kv.count", labels: [("mount_point", entry.path), ("namespace", "root")], value: count))
            }
            if entry.type != "system", entry.type != "cubbyhole" {
                let count = try await barrier.count(prefix: "sys/expire/id/" + entry.path)
                leasesByMount.append(UsageGauge(name: "vault.expire.leases.by_mount", labels: [("mount_point", entry.path)], value: count))
            }
        }
        out.append(UsageGauge(name: "vault.expire.num_leases", labels: [], value: try await barrier.count(prefix: "sys/expire/id/")))
        out += leasesByMount
        out.append(UsageGauge(name: "vault.token.count", labels: [("namespace", "root")], value: try await barrier.count(prefix: "sys/token/id/")))
        return out
    }
}
