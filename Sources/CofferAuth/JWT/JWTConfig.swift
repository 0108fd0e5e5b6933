import CofferSDK

/// The JWT/OIDC mount's `config`: where keys come from, and issuer-wide checks.
struct JWTConfig: Sendable {
    var oidcDiscoveryURL = ""
    var oidcDiscoveryCAPEM = ""
    var jwksURL = ""
    var jwksCAPEM = ""
    var validationPubkeys: [String] = []
    var boundIssuer = ""
    var supportedAlgs: [String] = []
    var defaultRole = ""
    var oidcClientID = ""
    /// The issuer the discovery document names (checked when bound_issuer is empty).
    var discoveredIssuer = ""

    static let fields: [String: FieldSpec] = [
        "oidc_discovery_url": FieldSpec(.string), "oidc_discovery_ca_pem": FieldSpec(.string),
        "jwks_url": FieldSpec(.string), "jwks_ca_pem": FieldSpec(.string),
        "jwt_validation_pubkeys": FieldSpec(.commaStringList), "bound_issuer": FieldSpec(.string),
        "jwt_supported_algs": FieldSpec(.commaStringList), "default_role": FieldSpec(.string),
        "oidc_client_id": FieldSpec(.string), "oidc_client_secret": FieldSpec(.string), "oidc_response_mode": FieldSpec(.string),
        "oidc_response_types": FieldSpec(.commaStringList), "namespace_in_state": FieldSpec(.bool), "provider_config": FieldSpec(.any),
    ]

    /// Every algorithm coffer verifies; `none` and the HMAC family are never accepted.
    static let asymmetricAlgs: Set = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]

    func stored() -> JSONValue {
        [
            "oidc_discovery_url": .string(oidcDiscoveryURL), "oidc_discovery_ca_pem": .string(oidcDiscoveryCAPEM),
            "jwks_url": .string(jwksURL), "jwks_ca_pem": .string(jwksCAPEM), "jwt_validation_pubkeys": .strings(validationPubkeys),
            "bound_issuer": .string(boundIssuer), "jwt_supported_algs": .strings(supportedAlgs), "default_role": .string(defaultRole),
            "oidc_client_id": .string(oidcClientID), "discovered_issuer": .string(discoveredIssuer),
        ]
    }

    /// The `config` read answer (without the discovered issuer, which is internal).
    func json() -> JSONObject {
        var data = stored().objectValue ?? [:]
        data.removeValue(forKey: "discovered_issuer")
        return data
    }

    init() {}

    init(json: JSONObject) {
        oidcDiscoveryURL = json["oidc_discovery_url"]?.stringValue ?? ""
        oidcDiscoveryCAPEM = json["oidc_discovery_ca_pem"]?.stringValue ?? ""
        jwksURL = json["jwks_url"]?.stringValue ?? ""
        jwksCAPEM = json["jwks_ca_pem"]?.stringValue ?? ""
        validationPubkeys = json["jwt_validation_pubkeys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        boundIssuer = json["bound_issuer"]?.stringValue ?? ""
        supportedAlgs = json["jwt_supported_algs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        defaultRole = json["default_role"]?.stringValue ?? ""
        oidcClientID = json["oidc_client_id"]?.stringValue ?? ""
        discoveredIssuer = json["discovered_issuer"]?.stringValue ?? ""
    }

    static func load(_ storage: StorageView) async throws -> JWTConfig? {
        try await storage.getJSON("config")?.objectValue.map(JWTConfig.init(json:))
    }
}
