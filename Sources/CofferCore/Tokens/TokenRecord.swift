import CofferSDK

/// Everything the token store keeps about one token. Service tokens are stored under the
/// salted hash of their id; batch tokens carry this record inside themselves, sealed.
struct TokenRecord: Sendable, Equatable, StoredRecord {
    /// The stored members, shared (`SharedValue`): a record is copied many times per request (the
    /// cache, the lookup, the pipeline, the audit trail), and every request of a token shares
    /// its cached record.
    private struct Fields: Sendable, Equatable {
        var idHash: String
        var accessor: String
        var parentHash: String?
        var policies: [String]
        var meta: [String: String]
        var displayName: String
        var numUses: Int64
        var creationTime: Double
        var creationTTL: Int64
        var expireTime: Double?
        var explicitMaxTTL: Int64
        var period: Int64
        var maxTTL: Int64
        var path: String
        var renewable: Bool
        var type: TokenEntry.Kind
        var roleName: String
        var cubbyholeID: String?
        var boundCIDRs: [String]
        var lastRenewal: Double?
    }

    private var fields: SharedValue<Fields>

    static func == (lhs: TokenRecord, rhs: TokenRecord) -> Bool { lhs.fields.isIdentical(to: rhs.fields) || lhs.fields.value == rhs.fields.value }

    var idHash: String {
        get { fields.value.idHash }
        set { fields.change { $0.idHash = newValue } }
    }
    var accessor: String {
        get { fields.value.accessor }
        set { fields.change { $0.accessor = newValue } }
    }
    var parentHash: String? {
        get { fields.value.parentHash }
        set { fields.change { $0.parentHash = newValue } }
    }
    var policies: [String] {
        get { fields.value.policies }
        set { fields.change { $0.policies = newValue } }
    }
    var meta: [String: String] {
        get { fields.value.meta }
        set { fields.change { $0.meta = newValue } }
    }
    var displayName: String {
        get { fields.value.displayName }
        set { fields.change { $0.displayName = newValue } }
    }
    /// Uses left; 0 means unlimited.
    var numUses: Int64 {
        get { fields.value.numUses }
        set { fields.change { $0.numUses = newValue } }
    }
    /// True when each request made with the token spends one of a limited number of uses.
    var spendsUses: Bool { numUses > 0 && type == .service }
    var creationTime: Double {
        get { fields.value.creationTime }
        set { fields.change { $0.creationTime = newValue } }
    }
    var creationTTL: Int64 {
        get { fields.value.creationTTL }
        set { fields.change { $0.creationTTL = newValue } }
    }
    /// Absolute expiry; nil never expires.
    var expireTime: Double? {
        get { fields.value.expireTime }
        set { fields.change { $0.expireTime = newValue } }
    }
    var explicitMaxTTL: Int64 {
        get { fields.value.explicitMaxTTL }
        set { fields.change { $0.explicitMaxTTL = newValue } }
    }
    var period: Int64 {
        get { fields.value.period }
        set { fields.change { $0.period = newValue } }
    }
    /// The longest life renewals may reach, from creation (mount or system max); 0 for none.
    var maxTTL: Int64 {
        get { fields.value.maxTTL }
        set { fields.change { $0.maxTTL = newValue } }
    }
    var path: String {
        get { fields.value.path }
        set { fields.change { $0.path = newValue } }
    }
    var renewable: Bool {
        get { fields.value.renewable }
        set { fields.change { $0.renewable = newValue } }
    }
    var type: TokenEntry.Kind {
        get { fields.value.type }
        set { fields.change { $0.type = newValue } }
    }
    var roleName: String {
        get { fields.value.roleName }
        set { fields.change { $0.roleName = newValue } }
    }
    var cubbyholeID: String? {
        get { fields.value.cubbyholeID }
        set { fields.change { $0.cubbyholeID = newValue } }
    }
    var boundCIDRs: [String] {
        get { fields.value.boundCIDRs }
        set { fields.change { $0.boundCIDRs = newValue } }
    }
    var lastRenewal: Double? {
        get { fields.value.lastRenewal }
        set { fields.change { $0.lastRenewal = newValue } }
    }

    /// Gives a new token its names in one change: each member set on its own makes a new box.
    mutating func name(idHash: String, accessor: String, cubbyholeID: String?) {
        fields.change {
            $0.idHash = idHash
            $0.accessor = accessor
            $0.cubbyholeID = cubbyholeID
        }
    }

    var isOrphan: Bool { parentHash == nil }

    func isExpired(at now: Double) -> Bool {
        expireTime.map { $0 <= now } ?? false
    }

    func remainingTTL(at now: Double) -> Int64 {
        guard let expireTime else { return 0 }
        return max(0, Int64(saturating: (expireTime - now).rounded(.down)))
    }

    /// What backends see of the caller.
    var entry: TokenEntry {
        TokenEntry(
            accessor: accessor, policies: policies, path: path, displayName: displayName, meta: meta, kind: type,
            cubbyholeID: cubbyholeID
        )
    }

    /// The stored members in key order. A member holding what `init?(json:)` assumes when it is
    /// missing (zero, empty, false, a service token) is left out: every token is stored with its
    /// lease and three index entries, and these were a sixth of its record.
    func members() -> [(key: StaticString, value: JSONValue)] {
        var members: [(key: StaticString, value: JSONValue)] = []
        members.reserveCapacity(20)
        members.append(("accessor", .string(accessor)))
        if !boundCIDRs.isEmpty { members.append(("bound_cidrs", .strings(boundCIDRs))) }
        members.append(("creation_time", .double(creationTime)))
        if creationTTL != 0 { members.append(("creation_ttl", .int(creationTTL))) }
        if let cubbyholeID { members.append(("cubbyhole_id", .string(cubbyholeID))) }
        if !displayName.isEmpty { members.append(("display_name", .string(displayName))) }
        if let expireTime { members.append(("expire_time", .double(expireTime))) }
        if explicitMaxTTL != 0 { members.append(("explicit_max_ttl", .int(explicitMaxTTL))) }
        members.append(("id_hash", .string(idHash)))
        if let lastRenewal { members.append(("last_renewal", .double(lastRenewal))) }
        if maxTTL != 0 { members.append(("max_ttl", .int(maxTTL))) }
        if !meta.isEmpty { members.append(("meta", .object(meta.mapValues { .string($0) }))) }
        if numUses != 0 { members.append(("num_uses", .int(numUses))) }
        if let parentHash { members.append(("parent_hash", .string(parentHash))) }
        if !path.isEmpty { members.append(("path", .string(path))) }
        if period != 0 { members.append(("period", .int(period))) }
        if !policies.isEmpty { members.append(("policies", .strings(policies))) }
        if renewable { members.append(("renewable", .bool(renewable))) }
        if !roleName.isEmpty { members.append(("role_name", .string(roleName))) }
        if type != .service { members.append(("type", .string(type.rawValue))) }
        return members
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let idHash = o["id_hash"]?.stringValue else { return nil }
        fields = SharedValue(Fields(
            idHash: idHash,
            accessor: o["accessor"]?.stringValue ?? "",
            parentHash: o["parent_hash"]?.stringValue,
            policies: o["policies"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            meta: (o["meta"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            displayName: o["display_name"]?.stringValue ?? "",
            numUses: o["num_uses"]?.storedInt("token num_uses") ?? 0,
            creationTime: (o["creation_time"]?.doubleValue ?? 0).clampedTime,
            creationTTL: o["creation_ttl"]?.storedSeconds("token creation_ttl") ?? 0,
            expireTime: o["expire_time"]?.doubleValue?.clampedTime,
            explicitMaxTTL: o["explicit_max_ttl"]?.storedSeconds("token explicit_max_ttl") ?? 0,
            period: o["period"]?.storedSeconds("token period") ?? 0,
            maxTTL: o["max_ttl"]?.storedSeconds("token max_ttl") ?? 0,
            path: o["path"]?.stringValue ?? "",
            renewable: o["renewable"]?.boolValue ?? false,
            type: o["type"]?.stringValue == "batch" ? .batch : .service,
            roleName: o["role_name"]?.stringValue ?? "",
            cubbyholeID: o["cubbyhole_id"]?.stringValue,
            boundCIDRs: o["bound_cidrs"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            lastRenewal: o["last_renewal"]?.doubleValue
        ))
    }

    init(
        idHash: String, accessor: String, parentHash: String?, policies: [String], meta: [String: String], displayName: String,
        numUses: Int64, creationTime: Double, creationTTL: Int64, expireTime: Double?, explicitMaxTTL: Int64, period: Int64,
        maxTTL: Int64, path: String, renewable: Bool, type: TokenEntry.Kind, roleName: String, cubbyholeID: String?,
        boundCIDRs: [String]
    ) {
        fields = SharedValue(Fields(
            idHash: idHash, accessor: accessor, parentHash: parentHash, policies: policies, meta: meta, displayName: displayName,
            numUses: numUses, creationTime: creationTime, creationTTL: creationTTL, expireTime: expireTime,
            explicitMaxTTL: explicitMaxTTL, period: period, maxTTL: maxTTL, path: path, renewable: renewable, type: type,
            roleName: roleName, cubbyholeID: cubbyholeID, boundCIDRs: boundCIDRs, lastRenewal: nil
        ))
    }

    /// The `data` of a token lookup, as Vault shapes it.
    func lookupData(id: String, now: Double) -> JSONObject {
        var data: JSONObject = [
            "accessor": .string(accessor),
            "creation_time": .int(Int64(saturating: creationTime)),
            "creation_ttl": .int(creationTTL),
            "display_name": .string(displayName),
            "entity_id": "",
            "expire_time": expireTime.map { .string(Timestamp.rfc3339($0)) } ?? .null,
            "explicit_max_ttl": .int(explicitMaxTTL),
            "id": .string(id),
            "issue_time": .string(Timestamp.rfc3339(creationTime)),
            "meta": meta.isEmpty ? .null : .object(meta.mapValues { .string($0) }),
            "num_uses": .int(numUses),
            "orphan": .bool(isOrphan),
            "path": .string(path),
            "policies": .strings(policies),
            "renewable": .bool(renewable),
            "ttl": .int(remainingTTL(at: now)),
            "type": .string(type.rawValue),
        ]
        if period > 0 { data["period"] = .int(period) }
        if !roleName.isEmpty { data["role"] = .string(roleName) }
        if !boundCIDRs.isEmpty { data["bound_cidrs"] = .strings(boundCIDRs) }
        if let lastRenewal {
            data["last_renewal"] = .string(Timestamp.rfc3339(lastRenewal))
            data["last_renewal_time"] = .int(Int64(saturating: lastRenewal))
        }
        return data
    }
}
