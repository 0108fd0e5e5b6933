@testable import CofferStorage
import CofferSDK
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite("SQLite point reads and asynchronous reads at once")
struct SQLiteMixedReadsTests {
    /// Fails the run (and stops it, since a stuck cooperative pool never gives control back) if
    /// `body` has not finished within `seconds`. The watchdog is a dispatch timer, not a task:
    /// a task would need the very threads a deadlock holds.
    static func withWatchdog<T>(seconds: Int, _ what: String, _ body: () async throws -> T) async rethrows -> T {
        let done = Atomic(false)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "watchdog"))
        timer.schedule(deadline: .now() + .seconds(seconds))
        timer.setEventHandler {
            if !done.load(ordering: .acquiring) {
                FileHandle.standardError.write(Data("\(what) did not finish within \(seconds) s: the storage's reads are deadlocked\n".utf8))
                exit(70)
            }
        }
        timer.resume()
        defer {
            done.store(true, ordering: .releasing)
            timer.cancel()
        }
        return try await body()
    }

    @Test("hundreds of point reads mixed with transaction reads and scans all finish")
    func mixedReadsFinish() async throws {
        let path = SQLiteCloseTests.tempPath()
        defer { SQLiteCloseTests.remove(path) }
        let store = try SQLiteStorage(path: path)
        try await store.write((0..<200).map { .put("k/\($0)", Array("v\($0)".utf8)) })
        // Before reads took a turn at the gate, point reads blocked cooperative threads waiting
        // for a connection that GRDB's asynchronous reads held until their task resumed, on those
        // same threads: the whole pool stopped.
        for round in 0..<5 {
            let correct = try await Self.withWatchdog(seconds: 60, "round \(round) of 1,200 mixed reads") {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for n in 0..<1200 {
                        group.addTask {
                            let key = "k/\(n % 200)", expected = Array("v\(n % 200)".utf8)
                            switch n % 5 {
                            case 0: return try await store.read(.request) { try $0.get(key) } == expected
                            case 1: return try await store.scan(prefix: "k/", after: nil, limit: 500).count == 200
                            case 2: return try await store.read(.background) { try $0.get(key) } == expected
                            default: return try await store.get(key) == expected
                            }
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }
            #expect(correct == 1200, "every read returned what is stored")
        }
        try await store.close()
    }

    @Test("reads waiting for the busy background lane hold no connection that requests need")
    func laneReadsHoldNoTurn() async throws {
        let path = SQLiteCloseTests.tempPath()
        defer { SQLiteCloseTests.remove(path) }
        let store = try SQLiteStorage(path: path)
        try await store.write((0..<50).map { .put("k/\($0)", Array("v\($0)".utf8)) })
        for _ in 0..<500 where !store.directory.isReady { try await Task.sleep(for: .milliseconds(10)) }
        // Occupy the lane's one thread (under load its idle priority gets it little time), and
        // queue background reads behind it.
        let started = Atomic(false)
        let release = DispatchSemaphore(value: 0)
        let blocker = Task {
            try await BackgroundLane.run {
                started.store(true, ordering: .releasing)
                release.wait()
            }
        }
        while !started.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
        let queued = (0..<10).map { n in Task { try await store.read(.background) { try $0.get("k/\(n)") } } }
        try await Task.sleep(for: .milliseconds(100))
        // Had the queued reads taken their turns before the hop to the lane, these would wait for
        // the lane, which waits for these.
        let correct = try await Self.withWatchdog(seconds: 60, "request reads while the lane is busy") {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        let key = "k/\(n % 50)", expected = Array("v\(n % 50)".utf8)
                        return n % 2 == 0 ? try await store.get(key) == expected : try await store.read(.request) { try $0.get(key) } == expected
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        #expect(correct == 200)
        release.signal()
        try await blocker.value
        for (n, read) in queued.enumerated() { #expect(try await read.value == Array("v\(n)".utf8)) }
        try await store.close()
    }
}
