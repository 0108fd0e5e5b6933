import CofferSDK

/// One SecretID, stored under the salted hash of the SecretID itself, with its accessor.
struct AppRoleSecretID: Sendable {
    var accessor: String
    var metadata: [String: String]
    var cidrList: [String]
    var tokenBoundCIDRs: [String]
    /// Logins left; 0 for unlimited.
    var numUses: Int64
    var ttl: Int64
    var creationTime: Double
    var expirationTime: Double?
    var lastUpdatedTime: Double

    func isExpired(at now: Double) -> Bool { expirationTime.map { $0 <= now } ?? false }

    func stored() -> JSONValue {
        var object: JSONObject = [
            "accessor": .string(accessor), "metadata": .object(metadata.mapValues { .string($0) }), "cidr_list": .strings(cidrList),
            "token_bound_cidrs": .strings(tokenBoundCIDRs), "num_uses": .int(numUses), "ttl": .int(ttl),
            "creation_time": .double(creationTime), "last_updated_time": .double(lastUpdatedTime),
        ]
        if let expirationTime { object["expiration_time"] = .double(expirationTime) }
        return .object(object)
    }

    init(accessor: String, metadata: [String: String], cidrList: [String], tokenBoundCIDRs: [String], numUses: Int64, ttl: Int64, now: Double) {
        self.accessor = accessor
        self.metadata = metadata
        self.cidrList = cidrList
        self.tokenBoundCIDRs = tokenBoundCIDRs
        self.numUses = numUses
        self.ttl = ttl
        creationTime = now
        expirationTime = ttl > 0 ? now + Double(ttl) : nil
        lastUpdatedTime = now
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let accessor = o["accessor"]?.stringValue else { return nil }
        self.accessor = accessor
        metadata = (o["metadata"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        cidrList = o["cidr_list"]?.arrayValue?.compactMap(\.stringValue) ?? []
        tokenBoundCIDRs = o["token_bound_cidrs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        numUses = o["num_uses"]?.storedInt("approle secret-id num_uses") ?? 0
        ttl = o["ttl"]?.storedSeconds("approle secret-id ttl") ?? 0
        creationTime = o["creation_time"]?.doubleValue ?? 0
        expirationTime = o["expiration_time"]?.doubleValue
        lastUpdatedTime = o["last_updated_time"]?.doubleValue ?? 0
    }

    /// The lookup answer, as Vault shapes it (never the SecretID itself).
    func lookupData() -> JSONObject {
        [
            "secret_id_accessor": .string(accessor),
            "metadata": .object(metadata.mapValues { .string($0) }),
            "cidr_list": .strings(cidrList),
            "token_bound_cidrs": .strings(tokenBoundCIDRs),
            "secret_id_num_uses": .int(numUses),
            "secret_id_ttl": .int(ttl),
            "creation_time": .string(Timestamp.rfc3339(creationTime)),
            "expiration_time": .string(expirationTime.map(Timestamp.rfc3339) ?? "0001-01-01T00:00:00Z"),
            "last_updated_time": .string(Timestamp.rfc3339(lastUpdatedTime)),
        ]
    }
}
