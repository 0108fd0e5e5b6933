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

    @Test("a token record is a value: changing a copy, member by member, leaves the original and other copies as they were")
    func tokenRecordCopies() {
        let original = Self.token(optionals: true)
        let kept = original
        var changed = original
        changed.numUses -= 1
        changed.expireTime = 1_800_000_000
        changed.lastRenewal = nil
        changed.policies.append("extra")
        changed.meta["c"] = "3"
        changed.idHash = "other"
        #expect(kept == original)
        #expect(original.numUses == 3 && original.expireTime == 1_700_003_600.123456 && original.lastRenewal == 1_700_000_100.5)
        #expect(original.policies == ["default", "ops", "é"] && original.meta == ["b": "2", "a": "1\n"] && original.idHash.hasPrefix("0AbC"))
        #expect(changed != original)
        #expect(changed.numUses == 2 && changed.policies.last == "extra" && changed.meta["c"] == "3" && changed.lastRenewal == nil)
        // Equal members make equal records, whether or not they share storage.
        guard var rebuilt = TokenRecord(json: original.json()) else { Issue.record("the record does not read back"); return }
        #expect(rebuilt == original)
        rebuilt.displayName = "x"
        #expect(rebuilt != original)
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
            let parsed = (try? JSONParser.parse(record.encoded())).flatMap(LeaseRecord.init(json:))
            #expect(parsed == record)
        }
    }

    @Test("a token record leaves out what its reader assumes, and reads back whole")
    func tokenRecordLeavesOutDefaults() throws {
        let record = Self.token(optionals: false)
        let stored = try #require(JSONParser.parse(record.encoded()).objectValue)
        #expect(Set(stored.keys) == ["accessor", "creation_time", "creation_ttl", "display_name", "id_hash", "max_ttl", "path", "policies"])
        var bare = record
        (bare.creationTTL, bare.maxTTL, bare.displayName, bare.path, bare.policies) = (0, 0, "", "", [])
        #expect(Set(try #require(JSONParser.parse(bare.encoded()).objectValue).keys) == ["accessor", "creation_time", "id_hash"])
        #expect((try? JSONParser.parse(bare.encoded())).flatMap(TokenRecord.init(json:)) == bare)
        var batch = record
        batch.type = .batch
        #expect((try? JSONParser.parse(batch.encoded())).flatMap(TokenRecord.init(json:))?.type == .batch)
    }

    @Test("a token record stored with every member, as before, still reads the same")
    func tokenRecordOldForm() throws {
        let record = Self.token(optionals: false)
        var old = try #require(JSONParser.parse(record.encoded()).objectValue)
        old.merge(
            ["bound_cidrs": .array([]), "explicit_max_ttl": 0, "meta": .object([:]), "num_uses": 0, "period": 0, "renewable": false, "role_name": "", "type": "service"],
            uniquingKeysWith: { current, _ in current }
        )
        #expect(TokenRecord(json: .object(old)) == record)
    }

    static func tokenLease() -> LeaseRecord {
        LeaseRecord(
            id: "auth/token/create/0AbCdEfGh" + String(repeating: "e", count: 64), kind: .token, path: "auth/token/create", mountPath: "auth/token/",
            issueTime: 1_700_000_000.5, expireTime: 1_700_003_600.5, renewable: true, maxTTL: 2_764_800,
            tokenHash: "0AbCdEfGh" + String(repeating: "e", count: 64), internalData: [:]
        )
    }

    @Test("a token's lease keeps only what its id does not say; a lease that differs keeps it")
    func leaseLeavesOutWhatItsIDSays() throws {
        let lease = Self.tokenLease()
        let stored = try #require(JSONParser.parse(lease.encoded()).objectValue)
        #expect(Set(stored.keys) == ["expire_time", "id", "issue_time", "kind", "max_ttl", "renewable"])
        #expect(LeaseRecord(json: .object(stored)) == lease)
        // Nothing is assumed that the record does not hold: each differing member is written.
        var odd = lease
        (odd.path, odd.mountPath, odd.tokenHash) = ("auth/approle/login", "auth/approle/", "other")
        let oddStored = try #require(JSONParser.parse(odd.encoded()).objectValue)
        #expect(oddStored["path"] == "auth/approle/login" && oddStored["mount_path"] == "auth/approle/" && oddStored["token_hash"] == "other")
        #expect(LeaseRecord(json: .object(oddStored)) == odd)
        var empty = lease
        (empty.id, empty.path, empty.tokenHash) = ("bare", "", "")
        #expect((try? JSONParser.parse(empty.encoded())).flatMap(LeaseRecord.init(json:)) == empty)
        // A secret's lease: its path is the id's parent, the mount stays, an empty token hash goes.
        let secret = LeaseRecord(
            id: "database/creds/ci/0AbCdEfGhXyZ", kind: .secret, path: "database/creds/ci", mountPath: "database/",
            issueTime: 1, expireTime: 2, renewable: false, maxTTL: 0, tokenHash: "", internalData: ["username": "v-ci"]
        )
        let secretStored = try #require(JSONParser.parse(secret.encoded()).objectValue)
        #expect(Set(secretStored.keys) == ["expire_time", "id", "internal", "issue_time", "kind", "mount_path"])
        #expect(LeaseRecord(json: .object(secretStored)) == secret)
    }

    @Test("a lease stored with every member, as before, still reads the same")
    func leaseOldForm() {
        let lease = Self.tokenLease()
        let old: JSONObject = [
            "id": .string(lease.id), "kind": "token", "path": "auth/token/create", "mount_path": "auth/token/", "issue_time": .double(lease.issueTime),
            "expire_time": .double(lease.expireTime), "renewable": true, "max_ttl": 2_764_800, "token_hash": .string(lease.tokenHash),
            "internal": .object([:]), "attempts": 0, "irrevocable": false,
        ]
        #expect(LeaseRecord(json: .object(old)) == lease)
    }
}
