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
/// on the file only), so running on the loop cannot deadlock. `COFFER_EVENT_LOOP_TASKS=0` turns it
/// off, to compare.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// False when the environment turns the preference off.
    static let enabled = ProcessInfo.processInfo.environment["COFFER_EVENT_LOOP_TASKS"] != "0"
}
