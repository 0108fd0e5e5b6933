import CofferSDK

/// One lease: a token's lifetime or a dynamic secret's, kept at `sys/expire/id/<lease id>` with
/// a time-ordered index entry at `sys/expire/time/<deadline>/<lease id>`.
struct LeaseRecord: Sendable, Equatable, StoredRecord {
    enum Kind: String, Sendable { case token, secret }

    var id: String
    var kind: Kind
    /// The full request path that created it (`database/creds/ci`, `auth/token/create`).
    var path: String
    /// The mount serving `path`, as it was when issued.
    var mountPath: String
    var issueTime: Double
    var expireTime: Double
    var lastRenewal: Double?
    var renewable: Bool
    /// The longest life from issue, in seconds; 0 for no limit beyond the system's.
    var maxTTL: Int64
    /// For token leases, the token's hash; for secret leases, the hash of the token that asked.
    var tokenHash: String
    var internalData: JSONObject
    /// Failed revocation attempts so far.
    var attempts: Int
    /// Set once revocation gave up; the lease stays for inspection.
    var irrevocable: Bool
    var lastError: String?

    func ttl(at now: Double) -> Int64 { max(0, Int64(saturating: (expireTime - now).rounded(.down))) }

    /// The stored members in key order. What `init?(json:)` assumes when a member is missing is
    /// left out: zeros, empties and false, a path that is the id's parent, and a token lease's
    /// mount and token hash (the id's last segment). That was half of a token's lease.
    func members() -> [(key: StaticString, value: JSONValue)] {
        var members: [(key: StaticString, value: JSONValue)] = []
        members.reserveCapacity(14)
        if attempts != 0 { members.append(("attempts", .int(Int64(attempts)))) }
        members.append(("expire_time", .double(expireTime)))
        members.append(("id", .string(id)))
        if !internalData.isEmpty { members.append(("internal", .object(internalData))) }
        if irrevocable { members.append(("irrevocable", .bool(irrevocable))) }
        members.append(("issue_time", .double(issueTime)))
        members.append(("kind", .string(kind.rawValue)))
        if let lastError { members.append(("last_error", .string(lastError))) }
        if let lastRenewal { members.append(("last_renewal", .double(lastRenewal))) }
        if maxTTL != 0 { members.append(("max_ttl", .int(maxTTL))) }
        if mountPath != Self.assumedMountPath(kind) { members.append(("mount_path", .string(mountPath))) }
        if path != Self.parent(of: id) { members.append(("path", .string(path))) }
        if renewable { members.append(("renewable", .bool(renewable))) }
        if tokenHash != Self.assumedTokenHash(kind, id: id) { members.append(("token_hash", .string(tokenHash))) }
        return members
    }

    /// A lease id is its path and one more segment.
    private static func parent(of id: String) -> String {
        id.lastIndex(of: "/").map { String(id[..<$0]) } ?? ""
    }

    private static func assumedMountPath(_ kind: Kind) -> String {
        kind == .token ? "auth/token/" : ""
    }

    /// A token lease's last segment is the token's hash (`Core.tokenLeaseID`).
    private static func assumedTokenHash(_ kind: Kind, id: String) -> String {
        guard kind == .token else { return "" }
        return id.lastIndex(of: "/").map { String(id[id.index(after: $0)...]) } ?? id
    }

    init(id: String, kind: Kind, path: String, mountPath: String, issueTime: Double, expireTime: Double, renewable: Bool,
         maxTTL: Int64, tokenHash: String, internalData: JSONObject) {
        self.id = id
        self.kind = kind
        self.path = path
        self.mountPath = mountPath
        self.issueTime = issueTime
        self.expireTime = expireTime
        self.renewable = renewable
        self.maxTTL = maxTTL
        self.tokenHash = tokenHash
        self.internalData = internalData
        attempts = 0
        irrevocable = false
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let id = o["id"]?.stringValue, let kind = o["kind"]?.stringValue.flatMap(Kind.init) else { return nil }
        self.id = id
        self.kind = kind
        path = o["path"]?.stringValue ?? Self.parent(of: id)
        mountPath = o["mount_path"]?.stringValue ?? Self.assumedMountPath(kind)
        issueTime = (o["issue_time"]?.doubleValue ?? 0).clampedTime
        expireTime = (o["expire_time"]?.doubleValue ?? 0).clampedTime
        lastRenewal = o["last_renewal"]?.doubleValue?.clampedTime
        renewable = o["renewable"]?.boolValue ?? false
        maxTTL = o["max_ttl"]?.storedSeconds("lease max_ttl") ?? 0
        tokenHash = o["token_hash"]?.stringValue ?? Self.assumedTokenHash(kind, id: id)
        internalData = o["internal"]?.objectValue ?? [:]
        attempts = Int(o["attempts"]?.storedInt("lease attempts") ?? 0)
        irrevocable = o["irrevocable"]?.boolValue ?? false
        lastError = o["last_error"]?.stringValue
    }

    /// The `sys/leases/lookup` answer.
    func lookupData(now: Double) -> JSONObject {
        var data: JSONObject = [
            "id": .string(id),
            "issue_time": .string(Timestamp.rfc3339(issueTime)),
            "expire_time": irrevocable ? .null : .string(Timestamp.rfc3339(expireTime)),
            "last_renewal": lastRenewal.map { .string(Timestamp.rfc3339($0)) } ?? .null,
            "renewable": .bool(renewable),
            "ttl": .int(irrevocable ? 0 : ttl(at: now)),
        ]
        if irrevocable {
            data["irrevocable"] = true
            data["revocation_error"] = .string(lastError ?? "")
        }
        return data
    }

    /// Time-index key: deadlines in zero-padded milliseconds sort chronologically as text.
    static func indexKey(_ deadline: Double, _ id: String) -> String {
        let millis = max(0, Int64(saturating: (deadline.clampedTime * 1000).rounded(.up)))
        let digits = String(millis)
        return "time/" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + "/" + id
    }

    /// Splits a time-index key (without the `time/` prefix) into its deadline and lease id.
    static func parseIndexKey(_ key: String) -> (deadline: Double, id: String)? {
        let body = key.hasPrefix("time/") ? key.dropFirst(5) : Substring(key)
        guard let slash = body.firstIndex(of: "/"), let millis = Int64(body[..<slash]) else { return nil }
        return (Double(millis) / 1000, String(body[body.index(after: slash)...]))
    }
}

/// Backoff for failed revocations, as a pure function so it is tested without I/O: 1 s, 2 s,
/// 4 s … capped at 5 minutes; after `maxAttempts` the lease is marked irrevocable and tried
/// again every `maxDelay`.
struct RevocationRetry: Sendable {
    var maxAttempts = 6
    var baseDelay: Double = 1
    var maxDelay: Double = 300

    enum Next: Equatable {
        case retry(after: Double)
        case giveUp
    }

    func next(afterFailures attempts: Int) -> Next {
        if attempts >= maxAttempts { return .giveUp }
        return .retry(after: min(maxDelay, baseDelay * Double(1 << min(attempts - 1, 20))))
    }
}
