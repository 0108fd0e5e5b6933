import Logging
import PostgresNIO
import Synchronization

/// The storage's connection pool, replaceable. After a database restart postgres-nio's pool
/// was seen to hand out no connection at all (requests waited until they timed out), so a
/// connection failure or a timeout swaps in a fresh pool, at most once every two seconds;
/// the old one keeps serving the calls it has started for a grace period, then stops.
final class PostgresPoolSlot: Sendable {
    private struct Generation {
        let client: PostgresClient
        let runner: Task<Void, Never>
        let created: ContinuousClock.Instant
    }

    /// How long a replaced pool may finish what it has started.
    static let retireGrace: Duration = .seconds(30)
    /// The least time between two replacements.
    static let minimumAge: Duration = .seconds(2)

    private let configuration: PostgresClient.Configuration
    private let logger: Logger
    private let current: Mutex<Generation?>

    init(configuration: PostgresClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        current = Mutex(Self.make(configuration, logger))
    }

    private static func make(_ configuration: PostgresClient.Configuration, _ logger: Logger) -> Generation {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return Generation(client: client, runner: Task { await client.run() }, created: .now)
    }

    /// The pool to use now.
    var client: PostgresClient {
        current.withLock { generation in
            if let generation { return generation.client }
            // Closed: a late call gets a pool that never runs, and fails at its time limit.
            return PostgresClient(configuration: configuration, backgroundLogger: logger)
        }
    }

    /// Swaps in a fresh pool unless the current one is brand new.
    func replace(reason: String) {
        let old = current.withLock { generation -> Generation? in
            guard let existing = generation, ContinuousClock.now - existing.created >= Self.minimumAge else { return nil }
            generation = Self.make(configuration, logger)
            return existing
        }
        guard let old else { return }
        logger.warning("replacing the PostgreSQL connection pool", metadata: ["reason": "\(reason)"])
        Task {
            try? await Task.sleep(for: Self.retireGrace)
            old.runner.cancel()
        }
    }

    /// Stops the pool.
    func close() async {
        let last = current.withLock { generation -> Generation? in
            defer { generation = nil }
            return generation
        }
        last?.runner.cancel()
        await last?.runner.value
    }
}
