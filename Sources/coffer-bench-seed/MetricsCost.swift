import CofferCore
import CofferSDK
import CofferServer
import CofferStorage
import CoreMetrics
import Foundation
import Logging

/// `coffer-bench-seed metrics-cost [reads]`: what metrics add to a KV v2 read. Two cores in one
/// process, one recording into the server's metrics (Prometheus and the JSON summary), one into
/// nothing, read in alternating rounds so that both see the same machine; prints the median
/// nanoseconds per read of each as JSON. The core's pipeline is all of a read but the HTTP
/// layer, which metrics do not touch, so the relative cost over HTTP is smaller still.
enum MetricsCost {
    static func run(reads: Int) async throws {
        var telemetry = ServerConfig.Telemetry()
        telemetry.prometheusRetentionTime = 3600
        let with = try await core(metrics: ServerMetrics(telemetry: telemetry).factory)
        let without = try await core(metrics: nil)
        var on = [Double](), off = [Double]()
        for _ in 0..<7 {
            off.append(try await nanosecondsPerRead(without, reads: reads))
            on.append(try await nanosecondsPerRead(with, reads: reads))
        }
        let medianOn = on.sorted()[on.count / 2], medianOff = off.sorted()[off.count / 2]
        print("{\"reads_per_round\": \(reads), \"ns_per_read_metrics_off\": \(medianOff), \"ns_per_read_metrics_on\": \(medianOn), \"cost\": \(medianOn / medianOff - 1)}")
    }

    private static func core(metrics: (any MetricsFactory)?) async throws -> (Core, String) {
        var options = CoreOptions(clock: { Date().timeIntervalSince1970 })
        options.runExpirationLoop = false
        options.metrics = metrics
        let core = Core(physical: InMemoryStorage(), options: options, logger: Logger(label: "metrics-cost"))
        let root = try await core.initialize(shares: 1, threshold: 1, keepUnsealed: true).rootToken
        _ = try await core.handle(
            LogicalRequest(id: "mount", operation: .update, path: "sys/mounts/secret", data: ["type": "kv", "options": ["version": "2"]], clientToken: root))
        _ = try await core.handle(
            LogicalRequest(id: "seed", operation: .update, path: "secret/data/bench", data: ["data": ["key": .string(String(repeating: "v", count: 32))]], clientToken: root))
        _ = try await nanosecondsPerRead((core, root), reads: 2000)
        return (core, root)
    }

    private static func nanosecondsPerRead(_ target: (Core, String), reads: Int) async throws -> Double {
        let request = LogicalRequest(id: "read", operation: .read, path: "secret/data/bench", clientToken: target.1)
        let start = ContinuousClock.now
        for _ in 0..<reads {
            guard try await target.0.handle(request).data != nil else { throw CofferError.internalError }
        }
        let elapsed = (ContinuousClock.now - start).components
        return (Double(elapsed.seconds) * 1e9 + Double(elapsed.attoseconds) / 1e9) / Double(reads)
    }
}
