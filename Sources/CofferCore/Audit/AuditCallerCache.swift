import Synchronization

/// What one device rendered for recent callers, by the token store's hash of their token: the
/// HMACed token and accessor, and the `auth` member. What it shows of a token (accessor, name,
/// policies, metadata, issue time, TTL, type) never changes, and a pipeline or an application
/// presents the same token request after request, so each request is spared two HMACs and the
/// member's rendering. No token is kept in the clear: a `log_raw` device does not use it.
final class AuditCallerCache: Sendable {
    /// One caller as the device shows it.
    struct Held: Sendable {
        let accessor: String
        let ids: AuditIDs
        let auth: [UInt8]
    }

    /// Beyond this many callers the cache starts over, which bounds its memory.
    static let limit = 1024
    private let entries = Mutex<[String: Held]>([:])

    /// The caller whose token the store hashes to `idHash`, rendered by `render` when not held
    /// (or held for another accessor, which a token never changes).
    func caller(idHash: String, accessor: String, render: () -> (AuditIDs, [UInt8])) -> Held {
        if let held = entries.withLock({ $0[idHash] }), held.accessor == accessor { return held }
        let (ids, auth) = render()
        let held = Held(accessor: accessor, ids: ids, auth: auth)
        entries.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[idHash] = held
        }
        return held
    }
}
