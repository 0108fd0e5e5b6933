/// A lease the response asks the core to register: dynamic secrets and anything renewable.
public struct LeaseOptions: Sendable, Hashable {
    /// Seconds until expiry.
    public var ttl: Int64
    /// Whether the holder may renew it.
    public var renewable: Bool
    /// The longest the lease may live, from issue, in seconds; 0 for the mount's maximum.
    public var maxTTL: Int64
    /// What the backend needs later to renew or revoke it (a database user name, say); kept
    /// sealed in storage and never shown to clients.
    public var internalData: JSONObject

    /// Creates lease options.
    public init(ttl: Int64, renewable: Bool, maxTTL: Int64 = 0, internalData: JSONObject = [:]) {
        self.ttl = ttl
        self.renewable = renewable
        self.maxTTL = maxTTL
        self.internalData = internalData
    }
}

/// What a backend answers; the server renders it into Vault's JSON envelope.
public struct LogicalResponse: Sendable {
    /// The `data` object, or nil for `null`.
    public var data: JSONObject?
    /// A lease to register.
    public var secret: LeaseOptions?
    /// The registered lease's id (set by the core).
    public var leaseID: String?
    /// A login or token creation: what to issue, then what was issued.
    public var auth: AuthResult?
    /// Set instead of data when the response was wrapped.
    public var wrapInfo: WrapInfo?
    /// Warnings for the client.
    public var warnings: [String]
    /// For the legacy `sys/` endpoints whose data Vault also copies to the top level of the body.
    public var mergeDataIntoEnvelope: Bool

    /// Creates a response.
    public init(
        data: JSONObject? = nil, secret: LeaseOptions? = nil, auth: AuthResult? = nil, warnings: [String] = [],
        mergeDataIntoEnvelope: Bool = false
    ) {
        self.data = data
        self.secret = secret
        self.leaseID = nil
        self.auth = auth
        self.wrapInfo = nil
        self.warnings = warnings
        self.mergeDataIntoEnvelope = mergeDataIntoEnvelope
    }

    /// True when there is nothing to send: the server answers 204.
    public var isEmpty: Bool { data == nil && secret == nil && auth == nil && wrapInfo == nil && warnings.isEmpty }
}
