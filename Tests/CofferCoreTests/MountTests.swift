@testable import CofferCore
import CofferCrypto
import CofferSDK
import CofferStorage
import Testing

@Suite("Mount table")
struct MountTests {
    @Test("overlapping, duplicate, reserved and unknown mounts are 400")
    func refusals() async throws {
        let h = try await CoreHarness.make()
        try await h.request(.update, "sys/mounts/team/kv", ["type": "kv-v2"])
        for (path, type) in [("team/kv", "kv"), ("team", "kv"), ("team/kv/inner", "kv"), ("sys/x", "kv"), ("auth/x", "kv"), ("other", "nope"), ("cubby2", "cubbyhole")] {
            let error = await h.failure(.update, "sys/mounts/\(path)", ["type": .string(type)])
            #expect(error?.code == .badRequest, "\(path) \(type)")
        }
        #expect(await h.failure(.update, "sys/mounts/notype", [:])?.code == .badRequest)
    }

    @Test("a mount survives seal and unseal; disabling it deletes its data")
    func lifecycle() async throws {
        let h = try await CoreHarness.make()
        try await h.request(.update, "sys/mounts/kv1", ["type": "kv", "description": "plain"])
        try await h.request(.update, "kv1/a", ["k": "v"])
        let mounts = try await h.request(.read, "sys/mounts")
        #expect(mounts.data?["kv1/"]?.objectValue?["type"] == "kv")
        #expect(mounts.mergeDataIntoEnvelope)
        try await h.request(.update, "sys/seal")
        _ = try await h.core.unseal(key: Hex.encode(h.keys[0]), reset: false)
        #expect(try await h.request(.read, "kv1/a").data == ["k": "v"])
        let before = h.storage.allValues().count
        try await h.request(.delete, "sys/mounts/kv1")
        #expect(h.storage.allValues().count == before - 1)
        #expect(await h.failure(.read, "kv1/a")?.code == .notFound)
        #expect(await h.failure(.delete, "sys/mounts/cubbyhole")?.code == .badRequest)
    }

    @Test("only stored tokens authenticate")
    func tokens() async throws {
        let h = try await CoreHarness.make()
        #expect(await h.failure(.read, "sys/mounts", token: "hvs.unknown")?.code == .permissionDenied)
        #expect(await h.failure(.read, "sys/mounts", token: "")?.code == .permissionDenied)
        #expect(await h.failure(.patch, "sys/mounts")?.code == .unsupportedOperation)
        #expect(await h.failure(.read, "sys/nothing-here")?.code == .notFound)
    }
}

@Suite("Field errors and the ACL")
struct FieldErrorACLTests {
    @Test("a caller without a grant gets 403, not the path's field errors")
    func deniedBeforeFieldErrors() async throws {
        let h = try await CoreHarness.make()
        let created = try await h.request(.update, "auth/token/create", ["policies": ["default"]])
        let token = try #require(created.auth?.clientToken)
        #expect(await h.failure(.update, "auth/token/roles/x", ["token_num_uses": "many"], token: token)?.code == .permissionDenied)
        #expect(await h.failure(.update, "auth/token/roles/x", ["token_num_uses": "many"])?.code == .badRequest)
    }
}
