/// What a wrapped response carries instead of its data: the single-use token that unwraps it.
public struct WrapInfo: Sendable, Equatable {
    /// The wrapping token.
    public var token: String
    /// Its accessor.
    public var accessor: String
    /// Seconds until it expires.
    public var ttl: Int64
    /// When it was made (RFC 3339).
    public var creationTime: String
    /// The request path whose response it wraps.
    public var creationPath: String
    /// The accessor of a wrapped token (auth responses), or empty.
    public var wrappedAccessor: String

    /// Creates wrap info.
    public init(token: String, accessor: String, ttl: Int64, creationTime: String, creationPath: String, wrappedAccessor: String) {
        self.token = token
        self.accessor = accessor
        self.ttl = ttl
        self.creationTime = creationTime
        self.creationPath = creationPath
        self.wrappedAccessor = wrappedAccessor
    }

    /// The envelope's `wrap_info` object.
    public func json() -> JSONValue {
        [
            "token": .string(token), "accessor": .string(accessor), "ttl": .int(ttl),
            "creation_time": .string(creationTime), "creation_path": .string(creationPath),
            "wrapped_accessor": .string(wrappedAccessor),
        ]
    }
}

extension AuthResult {
    /// Reads an `auth` object back (an unwrapped login or token creation).
    public init?(json: JSONValue) {
        guard let o = json.objectValue else { return nil }
        let policies = o["policies"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.init(policies: policies, metadata: (o["metadata"]?.objectValue ?? [:]).compactMapValues(\.stringValue))
        clientToken = o["client_token"]?.stringValue
        accessor = o["accessor"]?.stringValue
        leaseDuration = o["lease_duration"]?.storedSeconds("wrap lease_duration") ?? 0
        renewable = o["renewable"]?.boolValue ?? false
        orphan = o["orphan"]?.boolValue ?? false
        tokenPolicies = o["token_policies"]?.arrayValue?.compactMap(\.stringValue) ?? policies
        tokenType = o["token_type"]?.stringValue ?? "service"
        numUses = o["num_uses"]?.intValue ?? 0
    }
}
