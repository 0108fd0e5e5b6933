@testable import CofferCore
import CofferSDK
import Testing

@Suite("KV metadata fields through storage")
struct KVMetadataFieldsTests {
    @Test("every stored metadata field reads back after a round trip through storage")
    func everyField() async throws {
        let h = try await KVTests.harnessWithKV()
        try await h.request(.update, "secret/data/m", ["data": ["n": 1]])
        try await h.request(.update, "secret/data/m", ["data": ["n": 2]])
        try await h.request(.update, "secret/metadata/m", [
            "max_versions": 7, "cas_required": true, "delete_version_after": "1h", "custom_metadata": ["team": "ops"],
        ])
        try await h.request(.update, "secret/destroy/m", ["versions": [1]])

        let metadata = try #require(try await h.request(.read, "secret/metadata/m").data)
        #expect(metadata["max_versions"] == 7)
        #expect(metadata["cas_required"] == true)
        #expect(metadata["delete_version_after"] == "1h0m0s")
        #expect(metadata["custom_metadata"] == ["team": "ops"])
        #expect(metadata["current_version"] == 2)
        #expect(metadata["oldest_version"] == 1)
        #expect(metadata["created_time"]?.stringValue?.hasSuffix("Z") == true)
        #expect(metadata["updated_time"]?.stringValue?.hasSuffix("Z") == true)
        let versions = try #require(metadata["versions"]?.objectValue)
        #expect(versions["1"]?.objectValue?["destroyed"] == true)
        #expect(versions["2"]?.objectValue?["destroyed"] == false)
        #expect(versions["2"]?.objectValue?["deletion_time"] == "")

        let latest = try #require(try await h.request(.read, "secret/data/m").data?["metadata"]?.objectValue)
        #expect(latest["version"] == 2 && latest["custom_metadata"] == ["team": "ops"] && latest["destroyed"] == false)
        #expect(await h.failure(.update, "secret/data/m", ["data": ["n": 3]])?.code == .badRequest, "cas_required was read back")
        try await h.request(.update, "secret/data/m", ["data": ["n": 3], "options": ["cas": 2]])
        let third = try #require(try await h.request(.read, "secret/data/m").data?["metadata"]?.objectValue)
        #expect(third["deletion_time"]?.stringValue?.isEmpty == false, "delete_version_after was read back")
        #expect(await h.failure(.read, "secret/data/m", ["version": "1"])?.data?["metadata"]?.objectValue?["destroyed"] == true)
    }
}
