import Foundation
import NIOCore

/// Runs a connection's Swift task on the event loop its channel belongs to. By default a
/// Hummingbird connection task runs on Swift's global pool while its channel's reads and writes
/// happen on the NIO event loop, so every request crossed between the two thread pools several
/// times: with the server on one core, dispatch worker threads held 55 % of a KV read's profile
/// samples and the event loop 37 %. With this preference the request's work, its reads from the
/// channel and its response writes stay on one thread; work that awaits elsewhere (an actor,
/// storage) comes back to this loop.
///
/// Nothing on the request path blocks its thread waiting for the event loop (SQLite reads block
/// on the file only), so running on the loop cannot deadlock.
///
/// Off unless `COFFER_EVENT_LOOP_TASKS=1`. Measured on a quiet machine with wrk's 32 connections,
/// it lost on every figure: each `await` looks up the preferred executor under a lock, and a
/// connection's work can only run on its own loop's thread, so the two cores were used less.
/// KV reads: 30–34k req/s with it against 40k without; 45.9 against 43.2 µs of server CPU each
/// with the server alone on one core. With 8 connections it used less CPU per request; kept so
/// that the two can be compared again.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// True when the environment turns the preference on.
    static let enabled = ProcessInfo.processInfo.environment["COFFER_EVENT_LOOP_TASKS"] == "1"
}
