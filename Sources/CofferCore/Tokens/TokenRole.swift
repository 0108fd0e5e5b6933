import CofferSDK

/// A token role (`auth/token/roles/:name`): a preset for tokens created through
/// `auth/token/create/:name`.
struct TokenRole: Sendable {
    var name: String
    var allowedPolicies: [String] = []
    var disallowedPolicies: [String] = []
    var allowedPoliciesGlob: [String] = []
    var disallowedPoliciesGlob: [String] = []
    var orphan = false
    var renewable = true
    var pathSuffix = ""
    var settings = TokenSettings()

    static let fields: [String: FieldSpec] = TokenSettings.fields.merging([
        "role_name": FieldSpec(.string),
        "allowed_policies": FieldSpec(.commaStringList),
        "disallowed_policies": FieldSpec(.commaStringList),
        "allowed_policies_glob": FieldSpec(.commaStringList),
        "disallowed_policies_glob": FieldSpec(.commaStringList),
        "orphan": FieldSpec(.bool),
        "renewable": FieldSpec(.bool),
        "path_suffix": FieldSpec(.string),
        "explicit_max_ttl": FieldSpec(.duration),
        "allowed_entity_aliases": FieldSpec(.commaStringList),
    ]) { role, _ in role }

    init(name: String) {
        self.name = name
        settings.tokenType = "default-service"
    }

    mutating func update(from fields: FieldData) throws(CofferError) {
        if let v = fields.has("allowed_policies") ? fields.strings("allowed_policies") : nil { allowedPolicies = v.map { $0.lowercased() } }
        if let v = fields.has("disallowed_policies") ? fields.strings("disallowed_policies") : nil { disallowedPolicies = v.map { $0.lowercased() } }
        if let v = fields.has("allowed_policies_glob") ? fields.strings("allowed_policies_glob") : nil { allowedPoliciesGlob = v }
        if let v = fields.has("disallowed_policies_glob") ? fields.strings("disallowed_policies_glob") : nil { disallowedPoliciesGlob = v }
        if fields.has("orphan") { orphan = fields.bool("orphan") ?? false }
        if fields.has("renewable") { renewable = fields.bool("renewable") ?? true }
        if fields.has("path_suffix") {
            let suffix = fields.string("path_suffix") ?? ""
            guard !suffix.contains("..") else { throw CofferError.badRequest("path_suffix cannot contain '..'") }
            pathSuffix = suffix
        }
        try settings.update(from: fields)
        if fields.has("explicit_max_ttl"), !fields.has("token_explicit_max_ttl") {
            settings.explicitMaxTTL = fields.seconds("explicit_max_ttl") ?? 0
        }
        if settings.tokenType == "default" { settings.tokenType = "default-service" }
    }

    /// Which token type a request gets: the role decides, unless it only sets a default.
    func resolveType(requested: String?) throws(CofferError) -> TokenEntry.Kind {
        switch settings.tokenType {
        case "service":
            if let requested, requested != "service" { throw CofferError.badRequest("the role only issues service tokens") }
            return .service
        case "batch":
            if let requested, requested != "batch" { throw CofferError.badRequest("the role only issues batch tokens") }
            return .batch
        case "default-batch": return requested == "service" ? .service : .batch
        default: return requested == "batch" ? .batch : .service
        }
    }

    /// Checks requested policies against the role's allow and deny lists.
    func check(policies: [String]) throws(CofferError) {
        for policy in policies where policy != "default" {
            if disallowedPolicies.contains(policy) || disallowedPoliciesGlob.contains(where: { Glob.matches($0, policy) }) {
                throw CofferError.badRequest("token policy \"\(policy)\" is disallowed by the role")
            }
            if !allowedPolicies.isEmpty || !allowedPoliciesGlob.isEmpty {
                let allowed = allowedPolicies.contains(policy) || allowedPoliciesGlob.contains { Glob.matches($0, policy) }
                if !allowed { throw CofferError.badRequest("token policies must be a subset of the role's allowed policies") }
            }
        }
    }

    func json() -> JSONObject {
        var data = settings.json()
        data["name"] = .string(name)
        data["allowed_policies"] = .strings(allowedPolicies)
        data["disallowed_policies"] = .strings(disallowedPolicies)
        data["allowed_policies_glob"] = .strings(allowedPoliciesGlob)
        data["disallowed_policies_glob"] = .strings(disallowedPoliciesGlob)
        data["allowed_entity_aliases"] = .strings([])
        data["orphan"] = .bool(orphan)
        data["renewable"] = .bool(renewable)
        data["path_suffix"] = .string(pathSuffix)
        data["explicit_max_ttl"] = .int(settings.explicitMaxTTL)
        data.removeValue(forKey: "policies")
        return data
    }

    init?(json: JSONObject) {
        guard let name = json["name"]?.stringValue else { return nil }
        self.name = name
        func strings(_ key: String) -> [String] { json[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        allowedPolicies = strings("allowed_policies")
        disallowedPolicies = strings("disallowed_policies")
        allowedPoliciesGlob = strings("allowed_policies_glob")
        disallowedPoliciesGlob = strings("disallowed_policies_glob")
        orphan = json["orphan"]?.boolValue ?? false
        renewable = json["renewable"]?.boolValue ?? true
        pathSuffix = json["path_suffix"]?.stringValue ?? ""
        settings = TokenSettings(json: json)
    }
}
