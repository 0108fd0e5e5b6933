/// The `auth` part of a response: what a login asks the core to issue, and, once issued, the
/// token's public facts for the envelope.
public struct AuthResult: Sendable, Equatable {
    /// Policies to attach (before `default` is added).
    public var policies: [String]
    /// Token metadata, shown in lookups and audit.
    public var metadata: [String: String]
    /// Display name; the core prefixes it with the mount (`approle-…`).
    public var displayName: String
    /// Token settings from the role (`token_*` fields).
    public var settings: TokenSettings
    /// Issued token (set by the core).
    public var clientToken: String?
    /// Its accessor (set by the core; empty for batch tokens).
    public var accessor: String?
    /// Seconds until expiry, as issued (set by the core).
    public var leaseDuration: Int64
    /// Whether it may be renewed (set by the core).
    public var renewable: Bool
    /// True when the token has no parent (set by the core).
    public var orphan: Bool
    /// Policies as attached (set by the core).
    public var tokenPolicies: [String]
    /// `service` or `batch` (set by the core).
    public var tokenType: String
    /// Uses left, 0 for unlimited (set by the core).
    public var numUses: Int64

    /// What a login asks for.
    public init(policies: [String], metadata: [String: String] = [:], displayName: String = "", settings: TokenSettings = TokenSettings()) {
        self.policies = policies
        self.metadata = metadata
        self.displayName = displayName
        self.settings = settings
        leaseDuration = 0
        renewable = settings.renewable
        orphan = true
        tokenPolicies = []
        tokenType = "service"
        numUses = 0
    }

    /// The envelope's `auth` object.
    public func json() -> JSONValue {
        [
            "client_token": .string(clientToken ?? ""),
            "accessor": .string(accessor ?? ""),
            "policies": .strings(tokenPolicies),
            "token_policies": .strings(tokenPolicies),
            "identity_policies": .null,
            "metadata": metadata.isEmpty ? .null : .object(metadata.mapValues { .string($0) }),
            "lease_duration": .int(leaseDuration),
            "renewable": .bool(renewable),
            "entity_id": "",
            "token_type": .string(tokenType),
            "orphan": .bool(orphan),
            "mfa_requirement": .null,
            "num_uses": .int(numUses),
        ]
    }
}
