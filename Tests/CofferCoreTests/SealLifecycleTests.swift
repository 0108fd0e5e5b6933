@testable import CofferCore
import CofferCrypto
import CofferSDK
import CofferStorage
import Testing

@Suite("Seal lifecycle through the core")
struct SealLifecycleTests {
    @Test("init leaves the core sealed; any three of five shares unseal it, in hex or base64")
    func thresholdUnseal() async throws {
        let harness = try await CoreHarness.make(shares: 5, threshold: 3)
        let core = harness.core
        await core.seal()
        #expect(try await core.sealStatus().sealed)
        var status = try await core.unseal(key: Base64.encode(harness.keys[4]), reset: false)
        #expect(status.sealed && status.progress == 1 && !status.nonce.isEmpty)
        status = try await core.unseal(key: Hex.encode(harness.keys[1]), reset: false)
        #expect(status.sealed && status.progress == 2)
        status = try await core.unseal(key: Hex.encode(harness.keys[2]), reset: false)
        #expect(!status.sealed && status.progress == 0 && status.threshold == 3 && status.shares == 5)
        try await harness.request(.update, "cubbyhole/check", ["ok": true])
    }

    @Test("a malformed or repeated share is a 400 and keeps progress; reset clears it")
    func badShares() async throws {
        let harness = try await CoreHarness.make(shares: 3, threshold: 2)
        let core = harness.core
        await core.seal()
        _ = try await core.unseal(key: Hex.encode(harness.keys[0]), reset: false)
        for bad in ["not-a-key!", Hex.encode(harness.keys[0]), Hex.encode(Array(harness.keys[1].dropLast()))] {
            await #expect(throws: CofferError.self) { try await core.unseal(key: bad, reset: false) }
            #expect(try await core.sealStatus().progress == 1)
        }
        #expect(try await core.unseal(key: nil, reset: true).progress == 0)
    }

    @Test("shares that do not combine to the root key are refused and progress resets")
    func wrongCombination() async throws {
        let harness = try await CoreHarness.make(shares: 3, threshold: 2)
        let core = harness.core
        await core.seal()
        var forged = harness.keys[1]
        forged[0] ^= 0xFF
        _ = try await core.unseal(key: Hex.encode(harness.keys[0]), reset: false)
        await #expect(throws: CofferError.self) { try await core.unseal(key: Hex.encode(forged), reset: false) }
        let status = try await core.sealStatus()
        #expect(status.sealed && status.progress == 0)
        _ = try await core.unseal(key: Hex.encode(harness.keys[2]), reset: false)
        #expect(try await !core.unseal(key: Hex.encode(harness.keys[1]), reset: false).sealed)
    }

    @Test("a sealed core answers 503 and a second init is refused")
    func sealedRefuses() async throws {
        let harness = try await CoreHarness.make()
        await harness.core.seal()
        let error = await harness.failure(.read, "secret/data/x")
        #expect(error?.code == .sealed)
        await #expect(throws: CofferError.self) { try await harness.core.initialize(shares: 1, threshold: 1) }
    }

    @Test("rotation adds a term and data written before it stays readable after re-unseal")
    func rotation() async throws {
        let harness = try await CoreHarness.make()
        try await harness.request(.update, "cubbyhole/before", ["v": "1"])
        try await harness.request(.update, "sys/rotate")
        let status = try await harness.request(.read, "sys/key-status")
        #expect(status.data?["term"] == 2)
        try await harness.request(.update, "cubbyhole/after", ["v": "2"])
        try await harness.request(.update, "sys/seal")
        _ = try await harness.core.unseal(key: Hex.encode(harness.keys[0]), reset: false)
        #expect(try await harness.request(.read, "cubbyhole/before").data?["v"] == "1")
        #expect(try await harness.request(.read, "cubbyhole/after").data?["v"] == "2")
    }

    @Test("no stored value contains plaintext or the root token")
    func nothingInTheClear() async throws {
        let harness = try await CoreHarness.make()
        try await harness.request(.update, "cubbyhole/s", ["password": "hunter2-plaintext-marker"])
        for value in harness.storage.allValues() {
            let text = String(decoding: value, as: UTF8.self)
            #expect(!text.contains("hunter2-plaintext-marker"))
            #expect(!text.contains(harness.rootToken))
        }
    }
}

@Suite("Cubbyhole lifetime")
struct CubbyholeLifetimeTests {
    @Test("revoking a token deletes its cubbyhole entries from storage")
    func destroyedWithToken() async throws {
        let harness = try await CoreHarness.make()
        let created = try await harness.request(.update, "auth/token/create", ["policies": ["default"]])
        let token = try #require(created.auth?.clientToken)
        let mount = try #require(try harness.core.unsealed().router.entries.first { $0.type == "cubbyhole" })
        func cubbyholeKeys() -> Int { harness.storage.allKeys().filter { $0.hasPrefix(mount.storagePrefix) }.count }
        try await harness.request(.update, "cubbyhole/a", ["v": "1"], token: token)
        try await harness.request(.update, "cubbyhole/b/c", ["v": "2"], token: token)
        try await harness.request(.update, "cubbyhole/mine", ["v": "3"])
        #expect(cubbyholeKeys() == 3)
        try await harness.request(.update, "auth/token/revoke", ["token": .string(token)])
        #expect(cubbyholeKeys() == 1, "only root's cubbyhole entry remains")
    }
}
