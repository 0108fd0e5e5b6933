/// What `-dev` changes: in-memory storage, one key share, unsealed at start, `secret/` mounted.
public struct DevModeOptions: Sendable, Equatable {
    /// A fixed root token id (`-dev-root-token-id`), or nil for a random one.
    public var rootTokenID: String?
    /// Where to listen (`-dev-listen-address`).
    public var listenAddress: String = "127.0.0.1:8200"

    /// Creates dev-mode options.
    public init(rootTokenID: String? = nil, listenAddress: String = "127.0.0.1:8200") {
        self.rootTokenID = rootTokenID
        self.listenAddress = listenAddress
    }
}
