import CofferSDK

/// A JWT role: which tokens may log in (bound audiences, subject, claims) and what token
/// they get.
struct JWTRole: Sendable {
    var name: String
    var roleType = "jwt"
    var boundAudiences: [String] = []
    var boundSubject = ""
    var boundClaims: JSONObject = [:]
    var boundClaimsType = "string"
    var userClaim = ""
    var claimMappings: [String: String] = [:]
    var groupsClaim = ""
    var clockSkewLeeway: Int64 = 60
    var expirationLeeway: Int64 = 150
    var notBeforeLeeway: Int64 = 150
    var token = TokenSettings()

    static let fields: [String: FieldSpec] = TokenSettings.fields.merging([
        "name": FieldSpec(.string), "role_type": FieldSpec(.string), "bound_audiences": FieldSpec(.commaStringList),
        "bound_subject": FieldSpec(.string), "bound_claims": FieldSpec(.any), "bound_claims_type": FieldSpec(.string),
        "user_claim": FieldSpec(.string), "claim_mappings": FieldSpec(.keyValuePairs), "groups_claim": FieldSpec(.string),
        "clock_skew_leeway": FieldSpec(.duration), "expiration_leeway": FieldSpec(.duration), "not_before_leeway": FieldSpec(.duration),
        "allowed_redirect_uris": FieldSpec(.commaStringList), "oidc_scopes": FieldSpec(.commaStringList), "verbose_oidc_logging": FieldSpec(.bool),
        "user_claim_json_pointer": FieldSpec(.bool), "max_age": FieldSpec(.duration),
    ]) { role, _ in role }

    mutating func update(from fields: FieldData) throws(CofferError) {
        if let type = fields.string("role_type"), !type.isEmpty {
            guard type == "jwt" || type == "oidc" else { throw CofferError.badRequest("invalid role_type \"\(type)\"; use jwt") }
            if type == "oidc" { throw CofferError.badRequest("oidc roles are not supported yet: coffer has no browser login flow; use role_type=jwt") }
            roleType = type
        }
        if let audiences = fields.has("bound_audiences") ? fields.strings("bound_audiences") : nil { boundAudiences = audiences }
        if fields.has("bound_subject") { boundSubject = fields.string("bound_subject") ?? "" }
        if let raw = fields.value("bound_claims") {
            guard case .object(let claims) = raw else { throw CofferError.badRequest("bound_claims must be an object") }
            for (key, value) in claims {
                switch value {
                case .string, .int, .double, .bool: continue
                case .array(let items) where items.allSatisfy({ if case .array = $0 { false } else if case .object = $0 { false } else { true } }): continue
                default: throw CofferError.badRequest("bound_claims \"\(key)\" must be a string, number, boolean or a list of them")
                }
            }
            boundClaims = claims
        }
        if let type = fields.string("bound_claims_type"), !type.isEmpty {
            guard type == "string" || type == "glob" else { throw CofferError.badRequest("bound_claims_type must be \"string\" or \"glob\"") }
            boundClaimsType = type
        }
        if fields.has("user_claim") { userClaim = fields.string("user_claim") ?? "" }
        if fields.has("claim_mappings") { claimMappings = (fields.object("claim_mappings") ?? [:]).compactMapValues(\.stringValue) }
        if fields.has("groups_claim") { groupsClaim = fields.string("groups_claim") ?? "" }
        if fields.has("clock_skew_leeway") { clockSkewLeeway = fields.seconds("clock_skew_leeway") ?? 0 }
        if fields.has("expiration_leeway") { expirationLeeway = fields.seconds("expiration_leeway") ?? 0 }
        if fields.has("not_before_leeway") { notBeforeLeeway = fields.seconds("not_before_leeway") ?? 0 }
        try token.update(from: fields)
        guard !userClaim.isEmpty else { throw CofferError.badRequest("a user_claim is required") }
        if boundAudiences.isEmpty, boundSubject.isEmpty, boundClaims.isEmpty, token.boundCIDRs.isEmpty {
            throw CofferError.badRequest("must have at least one bound constraint when creating/updating a role: bound_audiences, bound_subject, bound_claims or token_bound_cidrs")
        }
    }

    func json() -> JSONObject {
        var data = token.json()
        data["role_type"] = .string(roleType)
        data["bound_audiences"] = .strings(boundAudiences)
        data["bound_subject"] = .string(boundSubject)
        data["bound_claims"] = boundClaims.isEmpty ? .null : .object(boundClaims)
        data["bound_claims_type"] = .string(boundClaimsType)
        data["user_claim"] = .string(userClaim)
        data["claim_mappings"] = claimMappings.isEmpty ? .null : .object(claimMappings.mapValues { .string($0) })
        data["groups_claim"] = .string(groupsClaim)
        data["clock_skew_leeway"] = .int(clockSkewLeeway)
        data["expiration_leeway"] = .int(expirationLeeway)
        data["not_before_leeway"] = .int(notBeforeLeeway)
        data["bound_cidrs"] = .strings(token.boundCIDRs)
        return data
    }

    func stored() -> JSONValue {
        var data = json()
        data["name"] = .string(name)
        data["renewable"] = .bool(token.renewable)
        return .object(data)
    }

    init(name: String) { self.name = name }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let name = o["name"]?.stringValue else { return nil }
        self.name = name
        roleType = o["role_type"]?.stringValue ?? "jwt"
        boundAudiences = o["bound_audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
        boundSubject = o["bound_subject"]?.stringValue ?? ""
        boundClaims = o["bound_claims"]?.objectValue ?? [:]
        boundClaimsType = o["bound_claims_type"]?.stringValue ?? "string"
        userClaim = o["user_claim"]?.stringValue ?? ""
        claimMappings = (o["claim_mappings"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        groupsClaim = o["groups_claim"]?.stringValue ?? ""
        clockSkewLeeway = o["clock_skew_leeway"]?.storedSeconds("jwt clock_skew_leeway") ?? 60
        expirationLeeway = o["expiration_leeway"]?.storedSeconds("jwt expiration_leeway") ?? 150
        notBeforeLeeway = o["not_before_leeway"]?.storedSeconds("jwt not_before_leeway") ?? 150
        token = TokenSettings(json: o)
    }
}
