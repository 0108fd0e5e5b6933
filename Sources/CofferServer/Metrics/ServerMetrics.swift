import CofferCore
import CofferSDK
import CoreMetrics
import Foundation
import Logging
import Prometheus

/// The server's metrics: one swift-metrics factory feeding both Prometheus (swift-prometheus's
/// registry, for `?format=prometheus`) and the running summaries of Vault's JSON format.
public final class ServerMetrics: Sendable {
    let prometheus = PrometheusCollectorRegistry()
    let summaries = SummaryMetricsFactory()
    /// Where the core records: both of the above.
    public let factory: any MetricsFactory
    /// False when `prometheus_retention_time` is 0: `?format=prometheus` is refused, as Vault does.
    let prometheusEnabled: Bool
    private let unsealed: CoreMetrics.Gauge
    private let activeNode: CoreMetrics.Gauge

    /// Vault's timer buckets, in milliseconds.
    static let millisecondBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

    /// The registries for a server configured with `telemetry`.
    public init(telemetry: ServerConfig.Telemetry) {
        var prometheusFactory = PrometheusMetricsFactory(registry: prometheus)
        prometheusFactory.defaultValueHistogramBuckets = Self.millisecondBuckets
        // Vault's names are dotted (`vault.core.handle_request`); Prometheus's use underscores.
        prometheusFactory.nameAndLabelSanitizer = { name, labels in
            (String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" }), labels)
        }
        factory = MultiplexMetricsHandler(factories: [prometheusFactory, summaries])
        prometheusEnabled = telemetry.prometheusRetentionTime > 0
        unsealed = CoreMetrics.Gauge(label: "vault.core.unsealed", factory: factory)
        activeNode = CoreMetrics.Gauge(label: "vault.core.active", factory: factory)
    }

    /// Sets the gauges that describe the server's state right now; called before each read.
    /// `active` is false on an HA standby.
    func refresh(sealed: Bool, active: Bool) {
        unsealed.record(sealed ? 0 : 1)
        activeNode.record(!sealed && active ? 1 : 0)
    }

    /// Stores a round of the core's usage counts.
    func record(_ gauges: [UsageGauge]) {
        for gauge in gauges {
            CoreMetrics.Gauge(label: gauge.name, dimensions: gauge.labels, factory: factory).record(gauge.value)
        }
    }

    /// Text exposition format 0.0.4.
    func prometheusText() -> [UInt8] { prometheus.emitToBuffer() }

    /// Refreshes the usage gauges every `period` seconds while the server runs; the counts are
    /// taken on a background task, never on a request.
    func startUsageGauges(core: Core, period: Int64?, logger: Logger) -> Task<Void, Never>? {
        guard let period else { return nil }
        let seconds = max(1, min(period, 86_400 * 365))
        return Task.detached(priority: .background) { [self] in
            while !Task.isCancelled {
                do {
                    record(try await core.usageGauges())
                } catch {
                    logger.warning("usage gauges could not be counted", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: .seconds(seconds))
            }
        }
    }
}
