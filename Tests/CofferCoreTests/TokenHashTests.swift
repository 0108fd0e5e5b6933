@testable import CofferCore
import CofferCrypto
import CofferSDK
import CofferStorage
import CofferTesting
import Foundation
import Testing

@Suite("Token storage names")
struct TokenHashTests {
    @Test("a token's storage name is its time prefix and the first 128 bits of the hex HMAC under the stored salt")
    func layout() async throws {
        let h = try await CoreHarness.make()
        let tokens = try h.core.unsealed().tokens
        let key = HMACKey(try await StoredSalt.load(TokenStore.saltPath, from: h.core.barrier))
        let values = [
            h.rootToken, "root", "hvs." + OrderedID.make(at: 1_700_000_000), OrderedID.make(at: 1), "custom.id", "hvb.x", "", "é.\(OrderedID.make(at: 5))",
        ]
        for value in values {
            let locality = String(OrderedID.locality(of: value)), digest = Hex.encode(key.mac(value))
            #expect(tokens.hash(value) == locality + digest.prefix(32), "\(value)")
            #expect(tokens.legacyHash(value) == locality + digest, "\(value)")
            #expect(!TokenStore.isLegacy(tokens.hash(value)) && TokenStore.isLegacy(tokens.legacyHash(value)))
        }
        #expect(tokens.hash("hvs." + OrderedID.make(at: 1_700_000_000)).count == OrderedID.timeLength + 32)
    }

    /// Rewrites what the store holds for `token` as a server before shortened names stored it:
    /// every key and value naming the token or its accessor names them by the whole HMAC.
    static func makeLegacy(_ token: String, accessor: String, in h: CoreHarness) async throws {
        let tokens = try h.core.unsealed().tokens
        let renames = [token, accessor].map { (current: tokens.hash($0), legacy: tokens.legacyHash($0)) }
        var writes = [StorageWrite]()
        for key in h.storage.allKeys() where key.hasPrefix("sys/token/") || key.hasPrefix("sys/expire/") {
            guard let value = try await h.core.barrier.get(key) else { continue }
            var newKey = key, newValue = String(decoding: value, as: UTF8.self)
            for names in renames {
                newKey = newKey.replacingOccurrences(of: names.current, with: names.legacy)
                newValue = newValue.replacingOccurrences(of: names.current, with: names.legacy)
            }
            if newKey != key || newValue.utf8.elementsEqual(value) == false {
                writes += [.delete(key), .put(newKey, Array(newValue.utf8))]
            }
        }
        #expect(writes.count >= 10, "record, accessor, parent link, lease and its index moved")
        try await h.core.barrier.write(writes)
    }

    static func keys(naming name: String, in h: CoreHarness) -> [String] {
        h.storage.allKeys().filter { $0.contains(name) }
    }

    @Test("a token stored under its legacy name is looked up, used, renewed, revoked with its children, and its name cannot be taken again")
    func legacyTokenWorks() async throws {
        let s = try await LeaseTests.setup()
        let h = s.harness
        let tokens = try h.core.unsealed().tokens
        try await h.request(.update, "sys/policies/acl/creator", ["policy": #"path "auth/token/create" { capabilities = ["update"] }"#])
        let created = try await h.request(.update, "auth/token/create", ["policies": ["default", "creator"], "ttl": "1h", "id": "legacy-one"])
        let accessor = try #require(created.auth?.accessor)
        try await Self.makeLegacy("legacy-one", accessor: accessor, in: h)
        let legacy = tokens.legacyHash("legacy-one")
        #expect(Self.keys(naming: tokens.hash("legacy-one"), in: h).allSatisfy { $0.contains(legacy) }, "no key has the current name alone")
        #expect(Self.keys(naming: legacy, in: h).count == 4, "record, parent link, lease and its index")

        let me = try await h.request(.read, "auth/token/lookup-self", token: "legacy-one")
        #expect(me.data?["accessor"] == .string(accessor))
        let byAccessor = try await h.request(.update, "auth/token/lookup-accessor", ["accessor": .string(accessor)])
        #expect(byAccessor.data?["id"] == "")
        #expect(byAccessor.data?["policies"] == ["creator", "default"])
        try await h.request(.update, "auth/token/renew-self", ["increment": "2h"], token: "legacy-one")
        let lease = try await h.request(.update, "sys/leases/lookup", ["lease_id": .string("auth/token/create/" + legacy)])
        #expect(lease.data?["ttl"] == 7200)

        // The id stays taken under its legacy name.
        let taken = await h.failure(.update, "auth/token/create", ["id": "legacy-one"])
        #expect(taken?.messages.first?.contains("already exists") == true)

        // A child names its parent by the legacy name; revoking the parent by id takes both.
        let child = try #require(try await h.request(.update, "auth/token/create", ["policies": ["default"]], token: "legacy-one").auth?.clientToken)
        #expect(Self.keys(naming: legacy, in: h).contains { $0.hasPrefix("sys/token/parent/\(legacy)/") })
        try await h.request(.update, "auth/token/revoke", ["token": "legacy-one"])
        #expect(await h.failure(.read, "auth/token/lookup-self", token: "legacy-one")?.code == .permissionDenied)
        #expect(await h.failure(.read, "auth/token/lookup-self", token: child)?.code == .permissionDenied)
        #expect(Self.keys(naming: legacy, in: h).isEmpty, "record, accessor, parent links, lease and its index all gone")
        #expect(try await tokens.lookupAccessor(accessor, now: s.clock.now) == nil)
        #expect(Self.keys(naming: tokens.legacyHash(accessor), in: h).isEmpty, "the accessor's index entry went with it")
        #expect(!(try await tokens.accessors()).contains(accessor))
    }

    @Test("a legacy-named token is revoked by its accessor, and one whose lease runs out is revoked on time")
    func legacyTokenRevokedByAccessorAndExpiry() async throws {
        let s = try await LeaseTests.setup()
        let h = s.harness
        let tokens = try h.core.unsealed().tokens
        var legacyNames = [String]()
        var accessors = [String]()
        for id in ["legacy-a", "legacy-b"] {
            let created = try await h.request(.update, "auth/token/create", ["policies": ["default"], "ttl": "60s", "id": .string(id)])
            let accessor = try #require(created.auth?.accessor)
            try await Self.makeLegacy(id, accessor: accessor, in: h)
            legacyNames.append(tokens.legacyHash(id))
            accessors.append(accessor)
        }
        try await h.request(.update, "auth/token/revoke-accessor", ["accessor": .string(accessors[0])])
        #expect(await h.failure(.read, "auth/token/lookup-self", token: "legacy-a")?.code == .permissionDenied)
        #expect(Self.keys(naming: legacyNames[0], in: h).isEmpty)
        #expect(Self.keys(naming: tokens.legacyHash(accessors[0]), in: h).isEmpty)

        #expect(try await h.request(.read, "auth/token/lookup-self", token: "legacy-b").data?["accessor"] == .string(accessors[1]))
        s.clock.advance(by: 61)
        #expect(try await s.leases.tick() == 1)
        #expect(Self.keys(naming: legacyNames[1], in: h).isEmpty)
        #expect(Self.keys(naming: tokens.legacyHash(accessors[1]), in: h).isEmpty)
        #expect(await h.failure(.read, "auth/token/lookup-self", token: "legacy-b")?.code == .permissionDenied)
    }
}
