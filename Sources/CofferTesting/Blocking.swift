import Foundation

/// Runs blocking work (a child process to its end, a socket read with a timeout) on a thread of
/// its own. Tests share the process's cooperative threads, one per core: a test that blocks
/// them for seconds stalls every other test's async work, storage calls and their time limits
/// included, and a test elsewhere then fails for no fault of its own.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
