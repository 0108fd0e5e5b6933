@testable import CofferServer
import CofferSDK
import Testing

@Suite("Response envelopes written from sorted members")
struct EnvelopeBytesTests {
    static func responses() -> [LogicalResponse] {
        var leased = LogicalResponse(data: ["password": "x", "user": "ci"], secret: LeaseOptions(ttl: 3600, renewable: true))
        leased.leaseID = "database/creds/ro/abc"
        var wrapped = LogicalResponse()
        wrapped.wrapInfo = WrapInfo(token: "hvs.w", accessor: "acc", ttl: 60, creationTime: "2026-11-30T00:00:00Z", creationPath: "secret/data/a", wrappedAccessor: "")
        var auth = AuthResult(policies: ["default", "ci"], metadata: ["role": "ci"], displayName: "approle")
        auth.clientToken = "hvs.token"
        auth.accessor = "accessor"
        auth.leaseDuration = 1800
        return [
            LogicalResponse(data: ["data": ["a": "1"], "metadata": ["version": 3, "custom_metadata": .null]]),
            LogicalResponse(data: [:]),
            LogicalResponse(data: ["é": "accent", "z": 1, "A": 2, "": 3]),
            LogicalResponse(warnings: ["first", "second \"quoted\""]),
            LogicalResponse(auth: auth),
            leased,
            wrapped,
            LogicalResponse(data: ["keys": ["a", "b"], "request_id": "kept out"], mergeDataIntoEnvelope: true),
            LogicalResponse(mergeDataIntoEnvelope: true),
        ]
    }

    @Test("the same bytes as encoding the envelope's dictionary")
    func sameBytes() {
        for (index, response) in Self.responses().enumerated() {
            for mountType in ["kv", "", "token"] {
                let expected = JSONWriter.encode(.object(ResponseRenderer.envelope(response, requestID: "req-\(index)", mountType: mountType)))
                #expect(ResponseRenderer.envelopeBytes(response, requestID: "req-\(index)", mountType: mountType) == expected, "response \(index)")
            }
        }
    }
}
