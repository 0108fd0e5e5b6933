import CofferSDK
import Synchronization

/// Keeps reads and the closing of a GRDB pool apart. GRDB's `DatabasePool.close()` does not
/// stop a read that looked the pool up just before it: that read then runs on a closed
/// connection, inside SQLite, and crashes the process. Every read enters the gate first; closing
/// shuts it and waits for the reads inside to leave.
final class ReadGate: Sendable {
    private let state = Mutex((closed: false, inside: 0))

    /// Runs `body` as a read, or throws when the storage is closed.
    func read<T>(_ body: () throws -> T) throws -> T {
        try enter()
        defer { leave() }
        return try body()
    }

    /// Runs async `body` as a read, or throws when the storage is closed.
    func read<T>(_ body: () async throws -> T) async throws -> T {
        try enter()
        defer { leave() }
        return try await body()
    }

    /// Refuses new reads, then waits until none is running.
    func close() async {
        state.withLock { $0.closed = true }
        while state.withLock({ $0.inside }) > 0 {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    private func enter() throws {
        try state.withLock { state in
            guard !state.closed else { throw CofferError(.internalError, "storage is closed") }
            state.inside += 1
        }
    }

    private func leave() {
        state.withLock { $0.inside -= 1 }
    }
}
