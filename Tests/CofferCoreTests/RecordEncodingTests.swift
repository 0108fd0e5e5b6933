@testable import CofferCore
import CofferSDK
import Testing

/// Token and lease records are written from members in key order on the hot path; the bytes
/// must be exactly those of encoding their `json()`, which is how every other path (and every
/// reader) sees them.
@Suite("Stored record encodings")
struct RecordEncodingTests {
    static func token(optionals: Bool) -> TokenRecord {
        var record = TokenRecord(
            idHash: "0AbCdEfGh" + String(repeating: "f", count: 64), accessor: OrderedID.make(at: 1_700_000_000.25),
            parentHash: optionals ? "parent\"hash" : nil, policies: ["default", "ops", "é"], meta: optionals ? ["b": "2", "a": "1\n"] : [:],
            displayName: "token-ci", numUses: optionals ? 3 : 0, creationTime: 1_700_000_000.123456, creationTTL: 3600,
            expireTime: optionals ? 1_700_003_600.123456 : nil, explicitMaxTTL: 0, period: optionals ? 60 : 0, maxTTL: 2_764_800,
            path: "auth/token/create", renewable: optionals, type: .service, roleName: optionals ? "role" : "",
            cubbyholeID: optionals ? "cubby" : nil, boundCIDRs: optionals ? ["10.0.0.0/8"] : []
        )
        if optionals { record.lastRenewal = 1_700_000_100.5 }
        return record
    }

    @Test("a token record's encoding equals encoding its JSON, with and without its optional fields")
    func tokenRecord() {
        for optionals in [false, true] {
            let record = Self.token(optionals: optionals)
            #expect(record.encoded() == JSONWriter.encode(record.json()))
            let parsed = (try? JSONParser.parse(record.encoded())).flatMap(TokenRecord.init(json:))
            #expect(parsed == record)
        }
    }

    @Test("a lease record's encoding equals encoding its JSON, with and without its optional fields")
    func leaseRecord() {
        for optionals in [false, true] {
            var record = LeaseRecord(
                id: "auth/token/create/abc", kind: optionals ? .secret : .token, path: "auth/token/create", mountPath: "auth/token/",
                issueTime: 1_700_000_000.123456, expireTime: 1_700_003_600.5, renewable: optionals, maxTTL: 7200, tokenHash: "hash",
                internalData: optionals ? ["username": "v-ci", "n": 3] : [:]
            )
            if optionals {
                record.lastRenewal = 1_700_000_100.25
                record.lastError = "connection \"refused\""
                record.attempts = 2
                record.irrevocable = true
            }
            #expect(record.encoded() == JSONWriter.encode(record.json()))
        }
    }
}
