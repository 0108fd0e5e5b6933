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
/// held by a task waiting for a thread, the server stopped. Here a read that finds every turn
/// taken suspends instead, and is handed a turn when a read leaves.
///
/// Reads on the background lane take no turn: the lane is one thread, so they hold at most one
/// connection, which the turns leave free. A turn taken before the hop to the lane would be held
/// while the read waits for that idle-priority thread, which a busy server runs last.
///
/// Closing: GRDB's `DatabasePool.close()` does not stop a read that looked the pool up just
/// before it; that read then runs on a closed connection, inside SQLite, and crashes the
/// process. Closing shuts the gate, refuses the reads still waiting, and waits for those inside.
final class ReadGate: Sendable {
    private struct State {
        var closed = false
        /// Reads running, lane reads included: what closing waits for.
        var inside = 0
        /// Turns held.
        var turns = 0
        var waiting = CircularBuffer<UnsafeContinuation<Bool, Never>>()
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// A gate for a pool of `connections` readers: one is kept for the background lane.
    init(connections: Int) {
        precondition(connections > 1, "a read gate needs a connection for the lane and one for requests")
        capacity = connections - 1
    }

    /// Runs `body`, a read that blocks its thread, once it has a turn; throws when the storage
    /// is closed.
    func read<T>(_ body: () throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try body()
    }

    /// Runs async `body` once it has a turn; throws when the storage is closed.
    func read<T>(_ body: () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await body()
    }

    /// Runs `body` on the background lane's own thread, without a turn; throws when the storage
    /// is closed.
    func laneRead<T>(_ body: () throws -> T) throws -> T {
        try state.withLock { state in
            guard !state.closed else { throw Self.closedError }
            state.inside += 1
        }
        defer { state.withLock { $0.inside -= 1 } }
        return try body()
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

    private func enter() async throws {
        // The common case takes the lock once and never suspends.
        switch state.withLock({ admit(&$0) }) {
        case true?: return
        case false?: throw Self.closedError
        case nil: break
        }
        let admitted = await withUnsafeContinuation { (waiter: UnsafeContinuation<Bool, Never>) in
            // Checked again under the lock that queues the waiter: a turn may have come free.
            let now = state.withLock { state -> Bool? in
                let now = admit(&state)
                if now == nil { state.waiting.append(waiter) }
                return now
            }
            if let now { waiter.resume(returning: now) }
        }
        guard admitted else { throw Self.closedError }
    }

    /// Under the lock: true when a read is admitted now, false when the storage is closed, nil
    /// when it must wait.
    private func admit(_ state: inout State) -> Bool? {
        if state.closed { return false }
        // Reads already waiting go first: a free turn is theirs (`leave` hands it over).
        guard state.turns < capacity, state.waiting.isEmpty else { return nil }
        state.turns += 1
        state.inside += 1
        return true
    }

    /// Hands the leaving read's turn to the first waiting read, or frees it.
    private func leave() {
        let next = state.withLock { state -> UnsafeContinuation<Bool, Never>? in
            // The waiter takes the turn and the place inside.
            if !state.closed, let first = state.waiting.popFirst() { return first }
            state.turns -= 1
            state.inside -= 1
            return nil
        }
        next?.resume(returning: true)
    }

    private static var closedError: CofferError { CofferError(.internalError, "storage is closed") }
}
