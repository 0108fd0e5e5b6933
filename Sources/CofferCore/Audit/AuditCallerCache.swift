import Synchronization

/// The `auth` member one device rendered for recent callers, by their hashed token. What it
/// shows of a token (accessor, name, policies, metadata, issue time, TTL, type) never changes,
/// and a pipeline or an application presents the same token request after request. Only
/// hashed tokens are kept: a `log_raw` device does not use it.
final class AuditCallerCache: Sendable {
    /// Beyond this many callers the cache starts over, which bounds its memory.
    static let limit = 1024
    private let entries = Mutex<[String: (accessor: String, auth: [UInt8])]>([:])

    /// The member for the caller whose hashed token is `token`, rendered by `render` when not
    /// held (or held for another accessor, which a token never changes).
    func auth(token: String, accessor: String, render: () -> [UInt8]) -> [UInt8] {
        if let held = entries.withLock({ $0[token] }), held.accessor == accessor { return held.auth }
        let auth = render()
        entries.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[token] = (accessor, auth)
        }
        return auth
    }
}
