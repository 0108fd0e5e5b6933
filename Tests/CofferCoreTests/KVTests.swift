@testable import CofferCore
import CofferSDK
import CofferStorage
import Testing

@Suite("KV engine through the core")
struct KVTests {
    static func harnessWithKV(version: String = "2") async throws -> CoreHarness {
        let harness = try await CoreHarness.make()
        try await harness.request(.update, "sys/mounts/secret", ["type": "kv", "options": ["version": .string(version)]])
        return harness
    }

    @Test("versions, reads by version, and metadata")
    func versions() async throws {
        let h = try await Self.harnessWithKV()
        let first = try await h.request(.update, "secret/data/app", ["data": ["password": "one"]])
        #expect(first.data?["version"] == 1)
        try await h.request(.update, "secret/data/app", ["data": ["password": "two"]])
        let latest = try await h.request(.read, "secret/data/app")
        #expect(latest.data?["data"] == ["password": "two"])
        #expect(latest.data?["metadata"]?.objectValue?["version"] == 2)
        let old = try await h.request(.read, "secret/data/app", ["version": "1"])
        #expect(old.data?["data"] == ["password": "one"])
        let metadata = try await h.request(.read, "secret/metadata/app")
        #expect(metadata.data?["current_version"] == 2)
        #expect(metadata.data?["oldest_version"] == 1)
        #expect(metadata.data?["versions"]?.objectValue?.keys.sorted() == ["1", "2"])
        let listed = try await h.request(.list, "secret/metadata/")
        #expect(listed.data?["keys"] == ["app"])
    }

    @Test("check-and-set mismatches are 400 and write nothing")
    func checkAndSet() async throws {
        let h = try await Self.harnessWithKV()
        try await h.request(.update, "secret/data/c", ["data": ["a": "1"], "options": ["cas": 0]])
        let mismatch = await h.failure(.update, "secret/data/c", ["data": ["a": "2"], "options": ["cas": 0]])
        #expect(mismatch?.code == .badRequest)
        #expect(try await h.request(.read, "secret/metadata/c").data?["current_version"] == 1)
        try await h.request(.update, "secret/config", ["cas_required": true])
        #expect(await h.failure(.update, "secret/data/c", ["data": ["a": "3"]])?.code == .badRequest)
        try await h.request(.update, "secret/data/c", ["data": ["a": "3"], "options": ["cas": 1]])
    }

    @Test("bad bodies name the field", arguments: [
        (["nodata": "x"] as JSONObject, "no data provided"),
        (["data": "string"] as JSONObject, "\"data\""),
        (["data": [:], "options": ["bogus": 1]] as JSONObject, "bogus"),
        (["data": [:], "options": ["cas": "x"]] as JSONObject, "options.cas"),
    ])
    func badBodies(body: JSONObject, mentions: String) async throws {
        let h = try await Self.harnessWithKV()
        let error = await h.failure(.update, "secret/data/bad", body)
        #expect(error?.code == .badRequest)
        #expect(error?.messages.joined().contains(mentions) == true, "\(String(describing: error))")
        #expect(await h.failure(.read, "secret/data/bad", ["version": "abc"])?.code == .badRequest)
    }

    @Test("old versions beyond max_versions are removed")
    func pruning() async throws {
        let h = try await Self.harnessWithKV()
        try await h.request(.update, "secret/config", ["max_versions": 2])
        for n in 1...4 { try await h.request(.update, "secret/data/p", ["data": ["n": .int(Int64(n))]]) }
        let metadata = try await h.request(.read, "secret/metadata/p")
        #expect(metadata.data?["versions"]?.objectValue?.keys.sorted() == ["3", "4"])
        #expect(try await h.request(.read, "secret/data/p", ["version": "1"]).data == nil)
    }

    @Test("a deleted latest version reads as 404 that still carries its metadata")
    func softDelete() async throws {
        let h = try await Self.harnessWithKV()
        try await h.request(.update, "secret/data/d", ["data": ["a": "1"]])
        try await h.request(.delete, "secret/data/d")
        let error = await h.failure(.read, "secret/data/d")
        #expect(error?.code == .notFound)
        let metadata = error?.data?["metadata"]?.objectValue
        #expect(metadata?["version"] == 1)
        #expect(metadata?["deletion_time"]?.stringValue?.isEmpty == false)
        try await h.request(.delete, "secret/metadata/d")
        #expect(try await h.request(.read, "secret/metadata/d").data == nil)
    }

    @Test("KV version 1 reads, writes, lists and deletes plain documents")
    func versionOne() async throws {
        let h = try await Self.harnessWithKV(version: "1")
        try await h.request(.update, "secret/team/db", ["user": "ci", "ttl": 30])
        #expect(try await h.request(.read, "secret/team/db").data == ["user": "ci", "ttl": 30])
        #expect(try await h.request(.list, "secret/team").data?["keys"] == ["db"])
        try await h.request(.delete, "secret/team/db")
        #expect(try await h.request(.read, "secret/team/db").data == nil)
    }

    @Test("unknown parameters become a warning, not an error")
    func unknownParameters() async throws {
        let h = try await Self.harnessWithKV()
        let response = try await h.request(.update, "secret/config", ["max_versions": 3, "colour": "blue"])
        #expect(response.warnings.contains { $0.contains("colour") })
    }
}

@Suite("Paths that try to leave their mount")
struct PathEscapeTests {
    @Test("'..' segments are refused before storage is touched")
    func dotDot() async throws {
        let h = try await KVTests.harnessWithKV(version: "1")
        for path in ["secret/../sys/x", "secret/a/../../core/keyring", "secret/.."] {
            let error = await h.failure(.update, path, ["k": "v"])
            #expect(error?.code == .badRequest || error?.code == .notFound, "\(path): \(String(describing: error))")
        }
        #expect(try await h.request(.list, "secret/").data == nil, "nothing was written")
    }

    @Test("a mount's path without its slash reaches the mount's root; a longer name does not")
    func bareMountPath() async throws {
        let h = try await KVTests.harnessWithKV(version: "1")
        try await h.request(.update, "secret/a", ["k": "v"])
        let bare = try await h.request(.list, "secret").data?["keys"]
        #expect(bare == .array([.string("a")]))
        #expect(bare == (try await h.request(.list, "secret/").data?["keys"]))
        let other = await h.failure(.list, "secrets")
        #expect(other != nil)
    }

    @Test("a storage view refuses exactly the keys with a '..' segment; other runs of dots are names")
    func viewDotSegments() async throws {
        let physical = InMemoryStorage()
        let view = StorageView(physical, prefix: "logical/m/")
        for key in ["a..b", ".../x", "x/...", "x/..y", "..x/y", "x/y..", ".", "./a", "a/./b", "é../x"] {
            try await view.put(key, [1])
            #expect(try await view.get(key) == [1], "\(key)")
        }
        for key in ["..", "../a", "a/..", "a/../b", "a/b/../../c", "//..//"] {
            await #expect(throws: CofferError.self, "\(key)") { try await view.put(key, [1]) }
            await #expect(throws: CofferError.self, "\(key)") { try await view.get(key) }
        }
        #expect(physical.allKeys().count == 10)
    }
}
