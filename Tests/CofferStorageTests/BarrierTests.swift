import CofferCrypto
import CofferSDK
@testable import CofferStorage
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite("Barrier and physical storage")
struct BarrierTests {
    static func tempPath() -> String {
        NSTemporaryDirectory() + "coffer-test-\(UUID().uuidString).db"
    }

    @Test("values are sealed, bound to their key, and readable after a rotation")
    func sealedValues() async throws {
        let physical = InMemoryStorage()
        let barrier = Barrier(physical: physical, clock: { 1_700_000_000 })
        let root = SecureBytes(randomCount: AEAD.keyLength)
        try await barrier.initialize(rootKey: root)
        try await barrier.put("a", Array("plaintext-alpha".utf8))
        #expect(try await barrier.get("a") == Array("plaintext-alpha".utf8))
        for value in physical.allValues() {
            #expect(!String(decoding: value, as: UTF8.self).contains("plaintext-alpha"))
        }

        // Swapping ciphertexts between keys is detected: the key is associated data.
        try await barrier.put("b", Array("plaintext-beta".utf8))
        let sealedA = try #require(try await physical.get("a"))
        try await physical.put("b", sealedA)
        await #expect(throws: CofferError.self) { try await barrier.get("b") }

        let rotated = try await barrier.rotate(rootKey: root)
        #expect(rotated.term == 2)
        try await barrier.put("c", Array("after-rotation".utf8))
        #expect(try await barrier.get("a") == Array("plaintext-alpha".utf8))
        #expect(try await barrier.get("c") == Array("after-rotation".utf8))

        barrier.seal()
        await #expect(throws: CofferError.self) { try await barrier.get("a") }
        #expect(try await !barrier.unseal(rootKey: SecureBytes(randomCount: AEAD.keyLength)))
        #expect(try await barrier.unseal(rootKey: root))
        #expect(try await barrier.get("a") == Array("plaintext-alpha".utf8))
        #expect(try await barrier.get("c") == Array("after-rotation".utf8))
        #expect(try barrier.keyStatus().term == 2)
    }

    @Test("the keyring cannot be read or overwritten through the barrier")
    func keyringProtected() async throws {
        let barrier = Barrier(physical: InMemoryStorage(), clock: { 0 })
        try await barrier.initialize(rootKey: SecureBytes(randomCount: AEAD.keyLength))
        await #expect(throws: CofferError.self) { try await barrier.get(Barrier.keyringPath) }
        await #expect(throws: CofferError.self) { try await barrier.put(Barrier.keyringPath, [1]) }
        await #expect(throws: CofferError.self) { try await barrier.initialize(rootKey: SecureBytes(randomCount: AEAD.keyLength)) }
    }

    @Test("listing returns immediate children, folders with a slash", arguments: ["inmem", "sqlite"])
    func listing(kind: String) async throws {
        let path = Self.tempPath()
        let store: any PhysicalStorage = kind == "inmem" ? InMemoryStorage() : try SQLiteStorage(path: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.write([
            .put("x/a", [1]), .put("x/b/c", [2]), .put("x/b/d", [3]), .put("x/e", [4]), .put("y/z", [5]), .put("x", [6]),
        ])
        #expect(try await store.list(prefix: "x/") == ["a", "b/", "e"])
        #expect(try await store.list(prefix: "x/b/") == ["c", "d"])
        #expect(try await store.list(prefix: "") == ["x", "x/", "y/"])
        #expect(try await store.list(prefix: "nothing/") == [])
        try await store.write([.delete("x/a"), .put("x/e", [9])])
        #expect(try await store.get("x/a") == nil)
        #expect(try await store.get("x/e") == [9])
        // Edge values survive the trip: an empty value is not a missing one, a key may hold a
        // NUL or non-ASCII text, and a large value comes back whole.
        let large = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try await store.write([.put("", [7]), .put("e/empty", []), .put("e/a\u{0}b", [1]), .put("e/a", [2]), .put("e/ü😀", large)])
        #expect(try await store.get("") == [7])
        #expect(try await store.get("e/empty") == [])
        #expect(try await store.get("e/a\u{0}b") == [1])
        #expect(try await store.get("e/a") == [2])
        #expect(try await store.get("e/ü😀") == large)
        #expect(try await store.scan(prefix: "e/", after: nil, limit: .max) == ["e/a", "e/a\u{0}b", "e/empty", "e/ü😀"])
        try await store.close()
    }

    @Test("scans page through a prefix in key order; a read sees one snapshot", arguments: ["inmem", "sqlite"])
    func scanning(kind: String) async throws {
        let path = Self.tempPath()
        let store: any PhysicalStorage = kind == "inmem" ? InMemoryStorage() : try SQLiteStorage(path: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.write((0..<300).map { .put(String(format: "a/%03d", $0), [1]) } + (0..<250).map { .put(String(format: "t/%04d", $0), [2]) })
        try await store.write([.put("t", [3]), .put("u/0", [4])])
        var seen = [String]()
        var after: String?
        while true {
            let page = try await store.scan(prefix: "t/", after: after, limit: 64)
            seen += page
            guard page.count == 64 else { break }
            after = page.last
        }
        #expect(seen == (0..<250).map { String(format: "t/%04d", $0) })
        #expect(try await store.scan(prefix: "t/", after: "a/zzz", limit: 2) == ["t/0000", "t/0001"], "an `after` before the prefix is ignored")
        #expect(try await store.scan(prefix: "t/", after: "t/0248", limit: 10) == ["t/0249"])
        #expect(try await store.scan(prefix: "v/", after: nil, limit: 10).isEmpty)
        #expect(try await store.count(prefix: "t/") == 250)
        #expect(try await store.count(prefix: "t/01") == 100)
        #expect(try await store.count(prefix: "a/") == 300)
        #expect(try await store.count(prefix: "") == 552)
        #expect(try await store.count(prefix: "v/") == 0)

        let (value, keys) = try await store.read { reader in
            (try reader.get("a/007"), try reader.below("t/").scan(prefix: "02", after: "024", limit: 3))
        }
        #expect(value == [1])
        #expect(keys == ["0240", "0241", "0242"])
        try await store.close()
    }

    #if os(Linux)
    @Test("background reads run on idle-priority threads, request reads do not; both see the same data and pass errors on")
    func backgroundReads() async throws {
        struct Refused: Error {}
        let path = Self.tempPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStorage(path: path)
        let barrier = Barrier(physical: store, clock: { 1_700_000_000 })
        try await barrier.initialize(rootKey: SecureBytes(randomCount: AEAD.keyLength))
        try await barrier.write((0..<50).map { .put("lease/\($0)", Array("v\($0)".utf8)) })
        let idle: Int32 = 5  // SCHED_IDLE
        let view = StorageView(barrier, prefix: "lease/")
        let (policy, values) = try await view.read(.background) { reader in
            (sched_getscheduler(0), try (0..<50).map { try reader.get("\($0)") })
        }
        #expect(policy == idle)
        #expect(values == (0..<50).map { Array("v\($0)".utf8) })
        #expect(try await view.read { _ in sched_getscheduler(0) } != idle)
        await #expect(throws: Refused.self) { try await view.read(.background) { _ -> Int in throw Refused() } }
        try await store.close()
    }
    #endif

    @Test("the compact table agrees with a dictionary through random puts, overwrites and removals; a copy is a snapshot")
    func compactTable() {
        var generator = SystemRandomNumberGenerator()
        var table = CompactTable()
        var model = [String: [UInt8]]()
        // Keys with and without shared leading segments, and values large enough to need a slab
        // of their own, so that slabs fill, go sparse and are compacted many times over.
        func key() -> String {
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: "logical/mount-\(Int.random(in: 0..<3, using: &generator))/k/\(Int.random(in: 0..<2000, using: &generator))"
            case 4: "logical/münt-\(Int.random(in: 0..<2, using: &generator))/ключ/\(Int.random(in: 0..<300, using: &generator))"
            case 1: "sys/token/id/\(Int.random(in: 0..<1000, using: &generator))"
            case 2: "top\(Int.random(in: 0..<300, using: &generator))"
            default: "logical/mount-0/\(Int.random(in: 0..<500, using: &generator))"
            }
        }
        func value(_ step: Int) -> [UInt8] {
            let size = Int.random(in: 0..<100, using: &generator) == 0 ? 70_000 : Int.random(in: 0..<400, using: &generator)
            return (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ step) }
        }
        var snapshot: (CompactTable, [String: [UInt8]])?
        for step in 0..<40_000 {
            let k = key()
            if Int.random(in: 0..<3, using: &generator) > 0 || step < 3000 {
                let v = value(step)
                #expect(table.put(k, v) == (model.updateValue(v, forKey: k) == nil))
            } else {
                #expect(table.remove(k) == (model.removeValue(forKey: k) != nil))
            }
            if step == 20_000 { snapshot = (table, model) }
            if step % 4999 == 0 {
                let sorted = model.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                #expect(table.count == model.count)
                #expect(table.scan(prefix: "", after: nil, limit: Int.max) == sorted)
                #expect(table.all().allSatisfy { model[$0.0] == $0.1 })
                for prefix in ["logical/mount-1/k/1", "logical/", "sys/token/id/5", "top2", "logical/mount-0/1"] {
                    let matching = sorted.filter { $0.hasPrefix(prefix) }
                    #expect(table.count(prefix: prefix) == matching.count)
                    #expect(table.scan(prefix: prefix, after: nil, limit: 5) == Array(matching.prefix(5)))
                    let after = prefix + "3"
                    #expect(table.scan(prefix: prefix, after: after, limit: 7) == Array(matching.filter { $0 > after }.prefix(7)))
                }
                for probe in (0..<200).map({ _ in key() }) { #expect(table.get(probe) == model[probe]) }
            }
        }
        // The copy taken halfway still reads as it was, though its slabs were since compacted.
        let (old, oldModel) = snapshot!
        #expect(old.count == oldModel.count)
        #expect(old.all().count == oldModel.count)
        #expect(old.all().allSatisfy { oldModel[$0.0] == $0.1 })
    }

    @Test("keys past the compact table's 4,096 shared prefixes are stored whole and read back like the others")
    func compactTablePrefixOverflow() {
        var table = CompactTable()
        let keys = (0..<5000).map { "logical/m\($0)/data/k" } + ["a", "a/", "a/b/", "ü/ö/ä", "/", "//", "x/y"]
        for (n, key) in keys.enumerated() {
            let added = table.put(key, [UInt8(truncatingIfNeeded: n), 7])
            #expect(added)
        }
        for (n, key) in keys.enumerated() {
            #expect(table.get(key) == [UInt8(truncatingIfNeeded: n), 7])
            #expect(table.get(key + "x") == nil)
        }
        #expect(table.get("logical/m4999/data/") == nil)
        #expect(table.scan(prefix: "", after: nil, limit: Int.max) == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(table.scan(prefix: "logical/m4999/", after: nil, limit: 10) == ["logical/m4999/data/k"])
        for key in keys where key.hasPrefix("logical/m4") {
            let removed = table.remove(key)
            #expect(removed)
        }
        #expect(table.count == keys.count - 1111)
        #expect(table.get("logical/m4500/data/k") == nil)
        #expect(table.get("logical/m3999/data/k") == [UInt8(truncatingIfNeeded: 3999), 7])
    }

    @Test("SQLite keeps data across reopen and never holds plaintext")
    func sqliteDurability() async throws {
        let path = Self.tempPath()
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let root = SecureBytes(randomCount: AEAD.keyLength)
        do {
            let store = try SQLiteStorage(path: path)
            let barrier = Barrier(physical: store, clock: { 0 })
            try await barrier.initialize(rootKey: root)
            try await barrier.put("secret/one", Array("very-distinctive-plaintext".utf8))
            try await store.close()
        }
        for suffix in ["", "-wal"] {
            if let bytes = FileManager.default.contents(atPath: path + suffix) {
                #expect(!String(decoding: bytes, as: UTF8.self).contains("very-distinctive-plaintext"))
            }
        }
        let reopened = try SQLiteStorage(path: path)
        let barrier = Barrier(physical: reopened, clock: { 0 })
        #expect(try await barrier.isInitialized())
        #expect(try await barrier.unseal(rootKey: root))
        #expect(try await barrier.get("secret/one") == Array("very-distinctive-plaintext".utf8))
        try await reopened.close()
    }

    @Test("the write-ahead log starts over within its bound under steady writes, and nothing is lost")
    func logBound() async throws {
        let path = Self.tempPath()
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let store = try SQLiteStorage(path: path)
        // 96 MiB of new rows, one MiB per commit: well past the 32 MiB restart point and the
        // 64 MiB size limit, so a log that never started over would hold all of it.
        let value = [UInt8](repeating: 7, count: 4096)
        for batch in 0..<96 {
            try await store.write((0..<256).map { .put("v/\(batch)/\($0)", value + [UInt8(batch)]) })
        }
        let log = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        #expect(log <= SQLiteStorage.logSizeLimit + (2 << 20), "log of \(log) bytes")
        try await store.close()
        let reopened = try SQLiteStorage(path: path)
        #expect(try await reopened.count(prefix: "v/") == 96 * 256)
        for batch in [0, 31, 95] {
            #expect(try await reopened.get("v/\(batch)/255") == value + [UInt8(batch)])
        }
        try await reopened.close()
    }

    @Test("concurrent writers are grouped into shared commits and every batch lands whole")
    func groupCommit() async throws {
        let path = Self.tempPath()
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let store = try SQLiteStorage(path: path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<200 {
                group.addTask {
                    try await store.write([.put("k/\(n)/a", [UInt8(n % 256)]), .put("k/\(n)/b", [1]), .delete("k/\(n)/missing")])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.list(prefix: "k/").count == 200)
        for n in [0, 57, 199] {
            #expect(try await store.get("k/\(n)/a") == [UInt8(n % 256)])
            #expect(try await store.get("k/\(n)/b") == [1])
        }
        try await store.close()
        let reopened = try SQLiteStorage(path: path)
        #expect(try await reopened.scan(prefix: "k/", after: nil, limit: 1000).count == 400)
        try await reopened.close()
    }
}
