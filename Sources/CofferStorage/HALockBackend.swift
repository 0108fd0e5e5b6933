/// Who holds the HA lock: the node's random identity and the address it advertises.
public struct HALockHolder: Sendable, Equatable {
    /// The holder's identity, new on every start.
    public var identity: String
    /// What the holder advertises: its `api_addr`.
    public var value: String

    /// Creates a holder.
    public init(identity: String, value: String) {
        self.identity = identity
        self.value = value
    }
}

/// A physical store that can hold a lease-based lock shared by every node using it, for
/// electing the active node. A lock whose holder stops renewing it expires, so a killed
/// node's lock passes on without anyone's help.
public protocol HALockBackend: Sendable {
    /// Takes `key` for `holder`, or extends it when `holder` has it already, for `ttl`; true
    /// when `holder` now holds it. Fails only when the store cannot be reached.
    func tryLock(_ key: String, holder: HALockHolder, ttl: Duration) async throws -> Bool
    /// Gives `key` up if `identity` holds it.
    func unlock(_ key: String, identity: String) async throws
    /// The current, unexpired holder of `key`, if any.
    func lockHolder(_ key: String) async throws -> HALockHolder?
    /// Read caching on (this node alone writes now) or off (another node may write).
    func setCaching(_ on: Bool)
}
