/// The resolved caller of a request, as backends see it: never the token itself.
public struct TokenEntry: Sendable, Hashable {
    /// Service or batch, as Vault distinguishes them.
    public enum Kind: String, Sendable, Hashable { case service, batch }

    /// The accessor: a public handle for the token.
    public var accessor: String
    /// Attached policy names, sorted.
    public var policies: [String]
    /// The login or create path that issued the token.
    public var path: String
    /// A display name for audit and lookups.
    public var displayName: String
    /// Free-form metadata set at issue.
    public var meta: [String: String]
    /// Service or batch.
    public var kind: Kind
    /// A stable, non-secret identifier of the token's cubbyhole; nil where there is none (batch).
    public var cubbyholeID: String?

    /// Creates an entry.
    public init(
        accessor: String, policies: [String], path: String, displayName: String,
        meta: [String: String] = [:], kind: Kind = .service, cubbyholeID: String?
    ) {
        self.accessor = accessor
        self.policies = policies
        self.path = path
        self.displayName = displayName
        self.meta = meta
        self.kind = kind
        self.cubbyholeID = cubbyholeID
    }

    /// True when the token carries the all-powerful `root` policy.
    public var isRoot: Bool { policies.contains("root") }
}
