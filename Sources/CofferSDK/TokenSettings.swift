/// The `token_*` fields every role-based auth method shares (Vault's `tokenutil`): parsed the
/// same way everywhere and handed to the core with a login.
public struct TokenSettings: Sendable, Equatable {
    /// Policies the token gets.
    public var policies: [String] = []
    /// Seconds; 0 uses the mount's default.
    public var ttl: Int64 = 0
    /// Seconds; 0 uses the mount's maximum.
    public var maxTTL: Int64 = 0
    /// A hard cap that renewals cannot pass; 0 for none.
    public var explicitMaxTTL: Int64 = 0
    /// Makes the token periodic: each renewal resets its TTL to this.
    public var period: Int64 = 0
    /// Requests allowed; 0 for unlimited.
    public var numUses: Int64 = 0
    /// CIDR blocks the token may be used from.
    public var boundCIDRs: [String] = []
    /// Leave out the `default` policy.
    public var noDefaultPolicy = false
    /// `service`, `batch`, `default`, `default-service` or `default-batch`.
    public var tokenType = "default"
    /// Whether tokens may be renewed.
    public var renewable = true

    /// Empty settings.
    public init() {}

    /// The field schema to merge into a role path's fields, with the legacy names Vault keeps.
    public static let fields: [String: FieldSpec] = [
        "token_policies": FieldSpec(.commaStringList, description: "Policies for issued tokens"),
        "policies": FieldSpec(.commaStringList, description: "Deprecated: use token_policies"),
        "token_ttl": FieldSpec(.duration, description: "Initial TTL of issued tokens"),
        "ttl": FieldSpec(.duration, description: "Deprecated: use token_ttl"),
        "token_max_ttl": FieldSpec(.duration, description: "Maximum lifetime of issued tokens"),
        "max_ttl": FieldSpec(.duration, description: "Deprecated: use token_max_ttl"),
        "token_explicit_max_ttl": FieldSpec(.duration, description: "Hard cap on issued tokens' lifetime"),
        "token_period": FieldSpec(.duration, description: "Period for periodic tokens"),
        "period": FieldSpec(.duration, description: "Deprecated: use token_period"),
        "token_num_uses": FieldSpec(.int, description: "Uses allowed per issued token"),
        "token_bound_cidrs": FieldSpec(.commaStringList, description: "CIDRs issued tokens may be used from"),
        "bound_cidrs": FieldSpec(.commaStringList, description: "Deprecated: use token_bound_cidrs"),
        "token_no_default_policy": FieldSpec(.bool, description: "Leave out the default policy"),
        "token_type": FieldSpec(.string, description: "service, batch, default, default-service or default-batch"),
    ]

    /// Applies the fields present in `fields` on top of `self`; throws 400 for bad values.
    public mutating func update(from fields: FieldData) throws(CofferError) {
        if let values = fields.has("token_policies") ? fields.strings("token_policies") : (fields.has("policies") ? fields.strings("policies") : nil) {
            policies = values.map { $0.lowercased() }
        }
        if fields.has("token_ttl") { ttl = fields.seconds("token_ttl") ?? 0 } else if fields.has("ttl") { ttl = fields.seconds("ttl") ?? 0 }
        if fields.has("token_max_ttl") { maxTTL = fields.seconds("token_max_ttl") ?? 0 } else if fields.has("max_ttl") { maxTTL = fields.seconds("max_ttl") ?? 0 }
        if fields.has("token_explicit_max_ttl") { explicitMaxTTL = fields.seconds("token_explicit_max_ttl") ?? 0 }
        if fields.has("token_period") { period = fields.seconds("token_period") ?? 0 } else if fields.has("period") { period = fields.seconds("period") ?? 0 }
        if fields.has("token_num_uses") {
            let uses = fields.int("token_num_uses") ?? 0
            guard uses >= 0 else { throw CofferError.badRequest("token_num_uses cannot be negative") }
            numUses = uses
        }
        if fields.has("token_bound_cidrs") { boundCIDRs = fields.strings("token_bound_cidrs") ?? [] } else if fields.has("bound_cidrs") { boundCIDRs = fields.strings("bound_cidrs") ?? [] }
        for block in boundCIDRs where CIDR(block) == nil {
            throw CofferError.badRequest("invalid CIDR block \"\(block)\" in token_bound_cidrs")
        }
        if fields.has("token_no_default_policy") { noDefaultPolicy = fields.bool("token_no_default_policy") ?? false }
        if fields.has("token_type") {
            let type = fields.string("token_type") ?? "default"
            guard ["service", "batch", "default", "default-service", "default-batch"].contains(type) else {
                throw CofferError.badRequest("invalid token_type \"\(type)\"; use service, batch, default, default-service or default-batch")
            }
            tokenType = type
        }
        if maxTTL > 0, ttl > maxTTL { throw CofferError.badRequest("token_ttl cannot be greater than token_max_ttl") }
    }

    /// The fields as Vault returns them when reading a role.
    public func json() -> JSONObject {
        [
            "token_policies": .strings(policies), "policies": .strings(policies),
            "token_ttl": .int(ttl), "token_max_ttl": .int(maxTTL), "token_explicit_max_ttl": .int(explicitMaxTTL),
            "token_period": .int(period), "period": .int(period), "token_num_uses": .int(numUses),
            "token_bound_cidrs": .strings(boundCIDRs), "token_no_default_policy": .bool(noDefaultPolicy),
            "token_type": .string(tokenType),
        ]
    }

    /// Reads settings back from `json()`.
    public init(json: JSONObject) {
        policies = json["token_policies"]?.arrayValue?.compactMap(\.stringValue) ?? []
        ttl = json["token_ttl"]?.storedSeconds("token_ttl") ?? 0
        maxTTL = json["token_max_ttl"]?.storedSeconds("token_max_ttl") ?? 0
        explicitMaxTTL = json["token_explicit_max_ttl"]?.storedSeconds("token_explicit_max_ttl") ?? 0
        period = json["token_period"]?.storedSeconds("token_period") ?? 0
        numUses = json["token_num_uses"]?.storedInt("token_num_uses") ?? 0
        boundCIDRs = json["token_bound_cidrs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        noDefaultPolicy = json["token_no_default_policy"]?.boolValue ?? false
        tokenType = json["token_type"]?.stringValue ?? "default"
        renewable = json["renewable"]?.boolValue ?? true
    }
}
