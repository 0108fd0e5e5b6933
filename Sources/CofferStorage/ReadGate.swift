import CofferSDK
import NIOCore
import Synchronization

/// Admits reads to a GRDB pool: no more at once than it has reader connections, and none once
/// it is closing.
///
/// The bound keeps a thread from ever waiting inside GRDB. A point read runs its statement on
/// the calling thread, and GRDB's own wait for a free connection blocks that thread. GRDB's
/// asynchronous reads hold their connection until their task resumes, on Swift's cooperative
/// threads. With every cooperative thread blocked waiting for a connection and every connection
/// held by a task waiting for a thread, the server stopped. Here a read that finds every
/// connection taken suspends instead, and is handed a turn when a read leaves.
///
/// Closing: GRDB's `DatabasePool.close()` does not stop a read that looked the pool up just
/// before it; that read then runs on a closed connection, inside SQLite, and crashes the
/// process. Closing shuts the gate, refuses the reads still waiting, and waits for those inside.
final class ReadGate: Sendable {
    private struct State {
        var closed = false
        var inside = 0
        var waiting = CircularBuffer<UnsafeContinuation<Bool, Never>>()
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// A gate admitting up to `capacity` reads at once (the pool's reader connections).
    init(capacity: Int) {
        precondition(capacity > 0, "a read gate admits at least one read")
        self.capacity = capacity
    }

    /// Runs `body`, a read that blocks its thread, once a connection is free; throws when the
    /// storage is closed.
    func read<T>(_ body: () throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try body()
    }

    /// Runs async `body` once a connection is free; throws when the storage is closed.
    func read<T>(_ body: () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await body()
    }

    /// Refuses new and waiting reads, then waits until none is running.
    func close() async {
        let refused = state.withLock { state -> CircularBuffer<UnsafeContinuation<Bool, Never>> in
            state.closed = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for waiter in refused { waiter.resume(returning: false) }
        while state.withLock({ $0.inside }) > 0 {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    private enum Admission {
        case admitted
        case closed
        case wait
    }

    private func enter() async throws {
        // The common case takes the lock once and never suspends.
        let admission = state.withLock { state -> Admission in
            if state.closed { return .closed }
            // Reads already waiting go first: a free connection is theirs (`leave` hands it over).
            guard state.inside < capacity, state.waiting.isEmpty else { return .wait }
            state.inside += 1
            return .admitted
        }
        switch admission {
        case .admitted: return
        case .closed: throw Self.closedError
        case .wait: break
        }
        let admitted = await withUnsafeContinuation { (waiter: UnsafeContinuation<Bool, Never>) in
            let now = state.withLock { state -> Bool? in
                if state.closed { return false }
                if state.inside < capacity, state.waiting.isEmpty {
                    state.inside += 1
                    return true
                }
                state.waiting.append(waiter)
                return nil
            }
            if let now { waiter.resume(returning: now) }
        }
        guard admitted else { throw Self.closedError }
    }

    /// Hands the leaving read's connection to the first waiting read, or frees it.
    private func leave() {
        let next = state.withLock { state -> UnsafeContinuation<Bool, Never>? in
            if !state.closed, let first = state.waiting.popFirst() { return first }
            state.inside -= 1
            return nil
        }
        next?.resume(returning: true)
    }

    private static var closedError: CofferError { CofferError(.internalError, "storage is closed") }
}
