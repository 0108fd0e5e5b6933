import CofferSDK

/// An AppRole role: how its SecretIDs behave and what tokens its logins get.
struct AppRoleRole: Sendable {
    var name: String
    var roleID: String
    var bindSecretID = true
    var secretIDBoundCIDRs: [String] = []
    var secretIDNumUses: Int64 = 0
    var secretIDTTL: Int64 = 0
    var localSecretIDs = false
    var token = TokenSettings()

    static let fields: [String: FieldSpec] = TokenSettings.fields.merging([
        "role_name": FieldSpec(.string),
        "role_id": FieldSpec(.string, description: "A custom RoleID"),
        "bind_secret_id": FieldSpec(.bool, description: "Require a SecretID at login"),
        "secret_id_bound_cidrs": FieldSpec(.commaStringList, description: "CIDRs SecretIDs may log in from"),
        "bound_cidr_list": FieldSpec(.commaStringList, description: "Deprecated: use secret_id_bound_cidrs"),
        "secret_id_num_uses": FieldSpec(.int, description: "Logins per SecretID; 0 for unlimited"),
        "secret_id_ttl": FieldSpec(.duration, description: "SecretID lifetime; 0 for none"),
        "local_secret_ids": FieldSpec(.bool, description: "Accepted for compatibility (single node)"),
    ]) { role, _ in role }

    mutating func update(from fields: FieldData) throws(CofferError) {
        if fields.has("bind_secret_id") { bindSecretID = fields.bool("bind_secret_id") ?? true }
        if let cidrs = fields.has("secret_id_bound_cidrs") ? fields.strings("secret_id_bound_cidrs") : (fields.has("bound_cidr_list") ? fields.strings("bound_cidr_list") : nil) {
            for block in cidrs where CIDR(block) == nil { throw CofferError.badRequest("invalid CIDR block \"\(block)\" in secret_id_bound_cidrs") }
            secretIDBoundCIDRs = cidrs
        }
        if fields.has("secret_id_num_uses") {
            let uses = fields.int("secret_id_num_uses") ?? 0
            guard uses >= 0 else { throw CofferError.badRequest("secret_id_num_uses cannot be negative") }
            secretIDNumUses = uses
        }
        if fields.has("secret_id_ttl") { secretIDTTL = fields.seconds("secret_id_ttl") ?? 0 }
        if fields.has("local_secret_ids") { localSecretIDs = fields.bool("local_secret_ids") ?? false }
        try token.update(from: fields)
        if !bindSecretID, secretIDBoundCIDRs.isEmpty, token.boundCIDRs.isEmpty {
            throw CofferError.badRequest("at least one constraint should be enabled on the role: bind_secret_id, secret_id_bound_cidrs or token_bound_cidrs")
        }
    }

    func json() -> JSONObject {
        var data = token.json()
        data["bind_secret_id"] = .bool(bindSecretID)
        data["secret_id_bound_cidrs"] = .strings(secretIDBoundCIDRs)
        data["secret_id_num_uses"] = .int(secretIDNumUses)
        data["secret_id_ttl"] = .int(secretIDTTL)
        data["local_secret_ids"] = .bool(localSecretIDs)
        return data
    }

    func stored() -> JSONValue {
        var data = json()
        data["name"] = .string(name)
        data["role_id"] = .string(roleID)
        data["renewable"] = .bool(token.renewable)
        return .object(data)
    }

    init(name: String, roleID: String) {
        self.name = name
        self.roleID = roleID
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let name = o["name"]?.stringValue, let roleID = o["role_id"]?.stringValue else { return nil }
        self.name = name
        self.roleID = roleID
        bindSecretID = o["bind_secret_id"]?.boolValue ?? true
        secretIDBoundCIDRs = o["secret_id_bound_cidrs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        secretIDNumUses = o["secret_id_num_uses"]?.storedInt("approle secret_id_num_uses") ?? 0
        secretIDTTL = o["secret_id_ttl"]?.storedSeconds("approle secret_id_ttl") ?? 0
        localSecretIDs = o["local_secret_ids"]?.boolValue ?? false
        token = TokenSettings(json: o)
    }
}
