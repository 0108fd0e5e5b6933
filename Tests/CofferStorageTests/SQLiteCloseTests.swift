@testable import CofferStorage
import CofferSDK
import Foundation
import Testing

@Suite("SQLite storage closing while reads run")
struct SQLiteCloseTests {
    static func tempPath() -> String {
        NSTemporaryDirectory() + "coffer-close-\(UUID().uuidString).db"
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test("a store closed right after opening waits for its key directory's read, and later reads are refused")
    func closeRightAfterOpen() async throws {
        let path = Self.tempPath()
        defer { Self.remove(path) }
        let first = try SQLiteStorage(path: path)
        try await first.write((0..<2000).map { .put("k/\($0)", [1]) })
        try await first.close()
        // Each open starts reading every key on the background lane; closing at once used to
        // pull the pool from under that read (a crash inside SQLite).
        for _ in 0..<25 {
            let store = try SQLiteStorage(path: path)
            try await store.close()
            await #expect(throws: CofferError.self) { _ = try await store.get("k/1") }
            await #expect(throws: CofferError.self) { _ = try await store.scan(prefix: "k/", after: nil, limit: 10) }
        }
    }

    @Test("reads racing the close either finish with the stored value or are refused")
    func readsRacingClose() async throws {
        let path = Self.tempPath()
        defer { Self.remove(path) }
        let store = try SQLiteStorage(path: path)
        try await store.write((0..<200).map { .put("k/\($0)", Array("v\($0)".utf8)) })
        let outcomes = try await withThrowingTaskGroup(of: Bool?.self) { group in
            for n in 0..<400 {
                group.addTask {
                    do {
                        let key = "k/\(n % 200)"
                        let value: [UInt8]?
                        switch n % 3 {
                        case 0: value = try await store.read(.background) { try $0.get(key) }
                        case 1: value = try await store.read(.request) { try $0.get(key) }
                        default: value = try await store.get(key)
                        }
                        return value == Array("v\(n % 200)".utf8)
                    } catch is CofferError {
                        return nil  // refused: the store was closed
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(2))
                try await store.close()
                return nil
            }
            return try await group.reduce(into: [Bool?]()) { $0.append($1) }
        }
        #expect(!outcomes.contains(false), "a read that ran saw the stored value")
    }
}
