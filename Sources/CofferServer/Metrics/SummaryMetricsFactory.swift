import CofferSDK
import CoreMetrics
import Foundation
import Synchronization

/// Keeps a running summary of every metric for `sys/metrics` without `?format=prometheus`: the
/// JSON of Vault's in-memory sink (`Gauges`, `Counters`, `Samples`), with figures since start
/// instead of over Vault's ten-second window.
final class SummaryMetricsFactory: MetricsFactory {
    private struct Key: Hashable {
        let name: String
        let labels: [String]
    }

    private enum Entry {
        case counter(Summary, [(String, String)])
        case sample(Summary, [(String, String)])
        case gauge(GaugeValue, [(String, String)])
    }

    /// Count, sum, minimum, maximum and the sum of squares of what was recorded.
    final class Summary: CounterHandler, FloatingPointCounterHandler, RecorderHandler, TimerHandler {
        private let state = Mutex<(count: Int64, sum: Double, min: Double, max: Double, squares: Double)>((0, 0, .infinity, -.infinity, 0))
        /// Timers report nanoseconds; Vault's samples are milliseconds.
        private let scale: Double

        init(scale: Double = 1) { self.scale = scale }

        func add(_ raw: Double) {
            let value = raw * scale
            state.withLock {
                $0.count &+= 1
                $0.sum += value
                $0.min = Swift.min($0.min, value)
                $0.max = Swift.max($0.max, value)
                $0.squares += value * value
            }
        }

        func increment(by amount: Int64) { add(Double(amount)) }
        func increment(by amount: Double) { add(amount) }
        func record(_ value: Int64) { add(Double(value)) }
        func record(_ value: Double) { add(value) }
        func recordNanoseconds(_ duration: Int64) { add(Double(duration)) }
        func reset() { state.withLock { $0 = (0, 0, .infinity, -.infinity, 0) } }

        func json(_ name: String, _ labels: [(String, String)], uptime: Double) -> JSONValue {
            let s = state.withLock { $0 }
            let mean = s.count > 0 ? s.sum / Double(s.count) : 0
            let variance = s.count > 1 ? max(0, (s.squares - Double(s.count) * mean * mean) / Double(s.count - 1)) : 0
            return [
                "Name": .string(name), "Count": .int(s.count), "Rate": .double(uptime > 0 ? s.sum / uptime : 0), "Sum": .double(s.sum),
                "Min": .double(s.count > 0 ? s.min : 0), "Max": .double(s.count > 0 ? s.max : 0), "Mean": .double(mean),
                "Stddev": .double(variance.squareRoot()), "Labels": SummaryMetricsFactory.labels(labels),
            ]
        }
    }

    /// The last value set.
    final class GaugeValue: RecorderHandler, MeterHandler {
        private let value = Mutex<Double>(0)
        func record(_ value: Int64) { self.value.withLock { $0 = Double(value) } }
        func record(_ value: Double) { self.value.withLock { $0 = value } }
        func set(_ value: Int64) { record(value) }
        func set(_ value: Double) { record(value) }
        func increment(by amount: Double) { value.withLock { $0 += amount } }
        func decrement(by amount: Double) { value.withLock { $0 -= amount } }
        var current: Double { value.withLock { $0 } }
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let started = Date()

    private func entry(_ name: String, _ labels: [(String, String)], make: () -> Entry) -> Entry {
        let key = Key(name: name, labels: labels.flatMap { [$0.0, $0.1] })
        return entries.withLock { table in
            if let known = table[key] { return known }
            let made = make()
            table[key] = made
            return made
        }
    }

    private func summary(_ entry: Entry) -> Summary {
        switch entry {
        case .counter(let s, _), .sample(let s, _): s
        case .gauge: Summary()  // a name reused across kinds; never the case for the core's names
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        summary(entry(label, dimensions) { .counter(Summary(), dimensions) })
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        summary(entry(label, dimensions) { .counter(Summary(), dimensions) })
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate { return summary(entry(label, dimensions) { .sample(Summary(), dimensions) }) }
        if case .gauge(let gauge, _) = entry(label, dimensions, make: { .gauge(GaugeValue(), dimensions) }) { return gauge }
        return GaugeValue()
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        if case .gauge(let gauge, _) = entry(label, dimensions, make: { .gauge(GaugeValue(), dimensions) }) { return gauge }
        return GaugeValue()
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        summary(entry(label, dimensions) { .sample(Summary(scale: 1e-6), dimensions) })
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    /// Vault's JSON: each list sorted by name.
    func snapshot(now: Date = Date()) -> JSONValue {
        let all = entries.withLock { Array($0) }.sorted { ($0.key.name, $0.key.labels.joined(separator: "\u{0}")) < ($1.key.name, $1.key.labels.joined(separator: "\u{0}")) }
        let uptime = now.timeIntervalSince(started)
        var gauges = [JSONValue](), counters = [JSONValue](), samples = [JSONValue]()
        for (key, entry) in all {
            switch entry {
            case .gauge(let gauge, let labels):
                gauges.append(["Name": .string(key.name), "Value": .double(gauge.current), "Labels": Self.labels(labels)])
            case .counter(let summary, let labels): counters.append(summary.json(key.name, labels, uptime: uptime))
            case .sample(let summary, let labels): samples.append(summary.json(key.name, labels, uptime: uptime))
            }
        }
        return ["Timestamp": .string(Self.goTime(now)), "Gauges": .array(gauges), "Points": [], "Counters": .array(counters), "Samples": .array(samples)]
    }

    static func labels(_ labels: [(String, String)]) -> JSONValue {
        .object(Dictionary(labels.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { _, b in b }))
    }

    /// Go's default time format, as Vault's `Timestamp` shows it.
    static func goTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss '+0000 UTC'"
        return formatter.string(from: date)
    }
}
