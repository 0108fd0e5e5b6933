import Synchronization

/// Mutual exclusion per key: read-modify-write sequences on one storage key (a KV secret's
/// version counter) run one at a time, while different keys proceed in parallel.
public final class KeyedLock: Sendable {
    private let waiters = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    /// A process-wide instance; keys should include the storage prefix to stay distinct.
    public static let shared = KeyedLock()

    /// Creates an independent lock set.
    public init() {}

    /// Runs `body` while holding `key`.
    public func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = waiters.withLock { table -> Bool in
                if table[key] == nil {
                    table[key] = []
                    return true
                }
                table[key]!.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release(_ key: String) {
        // Ownership passes straight to the next waiter, so nobody can barge in between.
        let next = waiters.withLock { table -> CheckedContinuation<Void, Never>? in
            guard var queue = table[key] else { return nil }
            if queue.isEmpty {
                table[key] = nil
                return nil
            }
            let first = queue.removeFirst()
            table[key] = queue
            return first
        }
        next?.resume()
    }
}
