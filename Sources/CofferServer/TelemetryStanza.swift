import CofferHCL
import CofferSDK

extension ServerConfig {
    /// The `telemetry` stanza.
    public struct Telemetry: Sendable, Equatable {
        /// Seconds Prometheus metrics are kept; 0 turns `?format=prometheus` off. Vault's default
        /// with a stanza is 24 hours, and without one Prometheus is off (dev mode turns it on).
        public var prometheusRetentionTime: Int64 = 0
        /// Accepted as Vault documents it; coffer never prefixes metric names with the host.
        public var disableHostname = false
        /// Seconds between refreshes of the gauges that count things (KV secrets, leases,
        /// tokens); nil for `none`.
        public var usageGaugePeriod: Int64? = 600

        /// Telemetry as Vault's defaults have it when no stanza is given.
        public init() {}
    }
}

extension ConfigDecoder {
    func telemetry(_ item: HCLItem) throws(ConfigError) -> ServerConfig.Telemetry {
        guard case .object(let body) = item.value else { throw fail(item, "telemetry must be a block") }
        var telemetry = ServerConfig.Telemetry()
        telemetry.prometheusRetentionTime = 24 * 3600
        for field in body.items {
            switch field.key {
            case "prometheus_retention_time": telemetry.prometheusRetentionTime = try duration(field)
            case "disable_hostname": telemetry.disableHostname = try bool(field)
            case "usage_gauge_period":
                if case .string(let text) = field.value, text.lowercased() == "none" {
                    telemetry.usageGaugePeriod = nil
                } else {
                    let seconds = try duration(field)
                    guard seconds > 0 else { throw fail(field, "usage_gauge_period must be positive, or \"none\"") }
                    telemetry.usageGaugePeriod = seconds
                }
            case "enable_hostname_label", "add_lease_metrics_namespace_labels", "filter_default": _ = try bool(field)
            case "metrics_prefix":
                guard try string(field) == "vault" else { throw fail(field, "coffer names its metrics with Vault's prefix, \"vault\", only") }
            case "lease_metrics_epsilon": _ = try string(field)
            case "maximum_gauge_cardinality", "num_lease_metrics_buckets": _ = try number(field)
            case "prefix_filter": break
            default:
                throw fail(field, "unsupported telemetry option \"\(field.key)\"; coffer serves metrics at sys/metrics (JSON, or Prometheus with prometheus_retention_time)")
            }
        }
        return telemetry
    }
}
