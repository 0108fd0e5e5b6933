import CofferSDK

/// A Kubernetes role: which service accounts (by name and namespace, `*` or globs) may log in,
/// the audience their token must carry, and the token they get.
struct KubernetesRole: Sendable {
    var name: String
    var serviceAccountNames: [String] = []
    var serviceAccountNamespaces: [String] = []
    var audience = ""
    var aliasNameSource = KubernetesRole.aliasByUID
    var token = TokenSettings()

    static let aliasByUID = "serviceaccount_uid"
    static let aliasByName = "serviceaccount_name"

    static let fields: [String: FieldSpec] = TokenSettings.fields.merging([
        "name": FieldSpec(.string),
        "bound_service_account_names": FieldSpec(.commaStringList, description: "Service account names allowed; * for any"),
        "bound_service_account_namespaces": FieldSpec(.commaStringList, description: "Namespaces allowed; * for any"),
        "bound_service_account_namespace_selector": FieldSpec(.string, description: "Not supported: needs a namespace lookup"),
        "audience": FieldSpec(.string, description: "Audience the service-account JWT must carry"),
        "alias_name_source": FieldSpec(.string, description: "serviceaccount_uid (default) or serviceaccount_name"),
        "num_uses": FieldSpec(.int, description: "Deprecated: use token_num_uses"),
    ]) { role, _ in role }

    mutating func update(from fields: FieldData) throws(CofferError) {
        if fields.has("bound_service_account_names") { serviceAccountNames = fields.strings("bound_service_account_names") ?? [] }
        guard !serviceAccountNames.isEmpty else { throw CofferError.badRequest("\"bound_service_account_names\" can not be empty") }
        if serviceAccountNames.count > 1, serviceAccountNames.contains("*") { throw CofferError.badRequest("can not mix \"*\" with values") }

        if let selector = fields.string("bound_service_account_namespace_selector"), !selector.isEmpty {
            throw CofferError.badRequest("bound_service_account_namespace_selector is not supported by coffer; list the namespaces in bound_service_account_namespaces")
        }
        if fields.has("bound_service_account_namespaces") { serviceAccountNamespaces = fields.strings("bound_service_account_namespaces") ?? [] }
        guard !serviceAccountNamespaces.isEmpty else {
            throw CofferError.badRequest("\"bound_service_account_namespaces\" can not be empty if \"bound_service_account_namespace_selector\" is not set")
        }
        if serviceAccountNamespaces.count > 1, serviceAccountNamespaces.contains("*") { throw CofferError.badRequest("can not mix \"*\" with values") }

        if fields.has("audience") { audience = fields.string("audience") ?? "" }
        if let source = fields.string("alias_name_source"), !source.isEmpty {
            guard source == Self.aliasByUID || source == Self.aliasByName else {
                throw CofferError.badRequest("invalid alias_name_source \"\(source)\", must be one of: \(Self.aliasByUID), \(Self.aliasByName)")
            }
            aliasNameSource = source
        }
        try token.update(from: fields)
        // The legacy `num_uses` name, which Vault still upgrades for this method.
        if !fields.has("token_num_uses"), fields.has("num_uses") {
            let uses = fields.int("num_uses") ?? 0
            guard uses >= 0 else { throw CofferError.badRequest("num_uses cannot be negative") }
            token.numUses = uses
        }
    }

    /// The read answer, with Vault's keys.
    func json() -> JSONObject {
        var data = token.json()
        data["bound_service_account_names"] = .strings(serviceAccountNames)
        data["bound_service_account_namespaces"] = .strings(serviceAccountNamespaces)
        data["bound_service_account_namespace_selector"] = ""
        if !audience.isEmpty { data["audience"] = .string(audience) }
        data["alias_name_source"] = .string(aliasNameSource)
        if !token.boundCIDRs.isEmpty { data["bound_cidrs"] = .strings(token.boundCIDRs) }
        if token.ttl > 0 { data["ttl"] = .int(token.ttl) }
        if token.maxTTL > 0 { data["max_ttl"] = .int(token.maxTTL) }
        if token.numUses > 0 { data["num_uses"] = .int(token.numUses) }
        return data
    }

    func stored() -> JSONValue {
        var data = json()
        data["name"] = .string(name)
        data["audience"] = .string(audience)
        data["renewable"] = .bool(token.renewable)
        return .object(data)
    }

    init(name: String) { self.name = name }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let name = o["name"]?.stringValue else { return nil }
        self.name = name
        serviceAccountNames = o["bound_service_account_names"]?.arrayValue?.compactMap(\.stringValue) ?? []
        serviceAccountNamespaces = o["bound_service_account_namespaces"]?.arrayValue?.compactMap(\.stringValue) ?? []
        audience = o["audience"]?.stringValue ?? ""
        aliasNameSource = o["alias_name_source"]?.stringValue ?? Self.aliasByUID
        token = TokenSettings(json: o)
    }

    /// The identity alias name Vault would key this account by, per `alias_name_source`; nil
    /// when the token lacks the parts it needs.
    func aliasName(for account: ServiceAccountToken) -> String? {
        if aliasNameSource == Self.aliasByName {
            return account.namespace.isEmpty || account.name.isEmpty ? nil : "\(account.namespace)/\(account.name)"
        }
        return account.uid.isEmpty ? nil : account.uid
    }

    /// Whether a name or namespace is allowed by a bound list: `*` alone allows all, other
    /// entries may be globs, as Vault's `StrListContainsGlob`.
    static func allows(_ bound: [String], _ value: String) -> Bool {
        if bound == ["*"] { return true }
        return bound.contains { Glob.matches($0, value) }
    }
}
