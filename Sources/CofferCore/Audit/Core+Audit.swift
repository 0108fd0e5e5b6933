import CofferSDK
import Synchronization

/// What the audit wrapper learns while a request runs: whether its request entry was written
/// (or deferred, to go out with the response entry), who the caller was, and each device's
/// hashed `auth` and `request` parts, which the response entry repeats.
final class AuditTrail: Sendable {
    private struct State {
        var logged = false
        var deferredAt: Double?
        /// The caller; a copy of its record is one retain (its members are in one box).
        var caller: TokenRecord?
        var mountType = ""
        /// The first device's parts, and any others' by path: most servers have one device,
        /// and a dictionary per request was an allocation for nothing.
        var firstParts: (device: String, parts: AuditParts)?
        var moreParts: [String: AuditParts] = [:]
    }
    private let state = Mutex(State())

    func parts(for device: String) -> AuditParts? {
        state.withLock { state in
            if let first = state.firstParts, first.device == device { return first.parts }
            return state.moreParts[device]
        }
    }

    func remember(_ value: AuditParts, for device: String) {
        state.withLock { state in
            if state.firstParts == nil || state.firstParts?.device == device {
                state.firstParts = (device, value)
            } else {
                state.moreParts[device] = value
            }
        }
    }

    var requestLogged: Bool { state.withLock { $0.logged } }
    /// When the request passed its checks, if its request entry waits for the response entry.
    var requestDeferredAt: Double? { state.withLock { $0.deferredAt } }
    var caller: TokenRecord? { state.withLock { $0.caller } }
    var mountType: String { state.withLock { $0.mountType } }

    func record(caller: TokenRecord?, mountType: String) {
        state.withLock { $0.caller = caller; $0.mountType = mountType }
    }

    /// The request entry goes out with the response entry; `time` is the request's.
    func deferRequest(at time: Double) { state.withLock { $0.deferredAt = time } }

    func markLogged() { state.withLock { $0.logged = true; $0.deferredAt = nil } }
}

/// Renders one audit entry's members for one device (each device hashes with its own salt).
typealias AuditEntry = @Sendable (AuditHasher, AuditDeviceConfig) -> [AuditMember]

/// The caller's token and accessor as one audit entry shows them, HMACed once: each appears
/// in both the entry's auth and request parts.
struct AuditIDs: Sendable {
    let token: String
    let accessor: String

    init(token: String, accessor: String) {
        self.token = token
        self.accessor = accessor
    }

    init(request: LogicalRequest, caller: TokenRecord?, hasher: AuditHasher, config: AuditDeviceConfig) {
        token = request.clientToken.map(hasher.hash) ?? ""
        accessor = caller.map { config.hmacAccessor ? hasher.hash($0.accessor) : $0.accessor } ?? ""
    }
}

extension AuditMember {
    /// Values every entry of a kind writes alike, encoded once.
    static let requestType = Array(#""request""#.utf8)
    static let responseType = Array(#""response""#.utf8)
    static let emptyString = Array(#""""#.utf8)
}

/// An entry's `auth` and `request` members as one device encodes them: the request entry
/// renders them, the response entry repeats the bytes.
struct AuditParts: Sendable {
    var auth: [UInt8]
    var request: [UInt8]
}

extension Core {
    /// The request entry: what was asked, by whom, at `time` (seconds since 1970).
    func auditRequestEntry(_ request: LogicalRequest, trail: AuditTrail, error: String?, time: Double) -> AuditEntry {
        let caller = trail.caller, mountType = trail.mountType
        return { hasher, config in
            let parts = Self.auditParts(request, caller: caller, mountType: mountType, hasher: hasher, config: config)
            trail.remember(parts, for: config.path)
            var members = [AuditMember]()
            members.reserveCapacity(5)
            members.append(AuditMember(name: "auth", encoded: parts.auth))
            if let error { members.append(AuditMember(name: "error", encoded: JSONWriter.encode(.string(error)))) }
            members.append(AuditMember(name: "request", encoded: parts.request))
            members.append(AuditMember(name: "time", encoded: Timestamp.quotedRFC3339(time)))
            members.append(AuditMember(name: "type", encoded: AuditMember.requestType))
            return members
        }
    }

    /// The response entry: what was answered; it repeats the request entry's `auth` and
    /// `request` parts (as that entry rendered them on the device, when it did).
    func auditResponseEntry(_ request: LogicalRequest, trail: AuditTrail, response: LogicalResponse?, error: String?) -> AuditEntry {
        let time = now
        let caller = trail.caller, mountType = trail.mountType
        return { hasher, config in
            // The response member, its members in sorted order.
            var body = AuditJSON()
            body.open()
            if let response, let auth = response.auth {
                var object = auth.json().objectValue ?? [:]
                object["client_token"] = .string(hasher.hash(auth.clientToken ?? ""))
                object["accessor"] = .string(config.hmacAccessor ? hasher.hash(auth.accessor ?? "") : auth.accessor ?? "")
                if let metadata = object["metadata"], !metadata.isNull { object["metadata"] = hasher.hash(metadata) }
                body.key("auth")
                body.value(.object(object))
            }
            if let response, var data = response.data {
                if config.elideListResponses, request.operation == .list, let keys = data["keys"]?.arrayValue {
                    data["keys"] = .int(Int64(keys.count))
                }
                body.key("data")
                body.hashed(data, hasher)
            }
            body.key("mount_type")
            body.string(mountType)
            if let response {
                if let leaseID = response.leaseID {
                    body.key("secret")
                    body.open()
                    body.key("lease_id")
                    body.string(leaseID)
                    body.close()
                }
                if !response.warnings.isEmpty {
                    body.key("warnings")
                    body.strings(response.warnings)
                }
                if let wrap = response.wrapInfo {
                    body.key("wrap_info")
                    body.value([
                        "token": .string(hasher.hash(wrap.token)),
                        "accessor": .string(config.hmacAccessor ? hasher.hash(wrap.accessor) : wrap.accessor),
                        "ttl": .int(wrap.ttl), "creation_time": .string(wrap.creationTime), "creation_path": .string(wrap.creationPath),
                        "wrapped_accessor": .string(config.hmacAccessor ? hasher.hash(wrap.wrappedAccessor) : wrap.wrappedAccessor),
                    ])
                }
            }
            body.close()
            let parts = trail.parts(for: config.path)
                ?? Self.auditParts(request, caller: caller, mountType: mountType, hasher: hasher, config: config)
            return [
                AuditMember(name: "auth", encoded: parts.auth),
                AuditMember(name: "error", encoded: error.map { JSONWriter.encode(.string($0)) } ?? AuditMember.emptyString),
                AuditMember(name: "request", encoded: parts.request),
                AuditMember(name: "response", encoded: body.bytes),
                AuditMember(name: "time", encoded: Timestamp.quotedRFC3339(time)),
                AuditMember(name: "type", encoded: AuditMember.responseType),
            ]
        }
    }

    /// An entry's `auth` and `request` parts as one device encodes them.
    static func auditParts(
        _ request: LogicalRequest, caller: TokenRecord?, mountType: String, hasher: AuditHasher, config: AuditDeviceConfig
    ) -> AuditParts {
        if let caller, !hasher.raw, let token = request.clientToken, !token.isEmpty {
            let held = hasher.callers.caller(idHash: caller.idHash, accessor: caller.accessor) {
                let ids = AuditIDs(request: request, caller: caller, hasher: hasher, config: config)
                return (ids, auditAuth(caller, ids: ids, hasher: hasher))
            }
            return AuditParts(auth: held.auth, request: auditRequestObject(request, ids: held.ids, mountType: mountType, hasher: hasher))
        }
        let ids = AuditIDs(request: request, caller: caller, hasher: hasher, config: config)
        return AuditParts(auth: auditAuth(caller, ids: ids, hasher: hasher), request: auditRequestObject(request, ids: ids, mountType: mountType, hasher: hasher))
    }

    /// The `auth` member; keys in sorted order.
    static func auditAuth(_ caller: TokenRecord?, ids: AuditIDs, hasher: AuditHasher) -> [UInt8] {
        guard let caller else { return Array("null".utf8) }
        var out = AuditJSON()
        out.open()
        out.key("accessor")
        out.string(ids.accessor)
        out.key("client_token")
        out.string(ids.token)
        out.key("display_name")
        out.string(caller.displayName)
        out.key("entity_id")
        out.string("")
        out.key("metadata")
        if caller.meta.isEmpty { out.null() } else { out.hashed(caller.meta.mapValues { JSONValue.string($0) }, hasher) }
        out.key("policies")
        out.strings(caller.policies)
        out.key("token_issue_time")
        out.string(Timestamp.rfc3339(caller.creationTime))
        out.key("token_policies")
        out.strings(caller.policies)
        out.key("token_ttl")
        out.int(caller.creationTTL)
        out.key("token_type")
        out.string(caller.type.rawValue)
        out.close()
        return out.bytes
    }

    /// The `request` member; keys in sorted order.
    static func auditRequestObject(_ request: LogicalRequest, ids: AuditIDs, mountType: String, hasher: AuditHasher) -> [UInt8] {
        // Two HMACed ids, the request id, path and address are some 450 bytes before any data:
        // past AuditJSON's default, which had the buffer grow (a second allocation) every time.
        var out = AuditJSON(capacity: 1024)
        out.open()
        out.key("client_token")
        out.string(ids.token)
        out.key("client_token_accessor")
        out.string(ids.accessor)
        out.key("data")
        if request.data.isEmpty { out.null() } else { out.hashed(request.data, hasher) }
        out.key("headers")
        out.open()
        out.close()
        out.key("id")
        out.string(request.id)
        out.key("mount_type")
        out.string(mountType)
        out.key("namespace")
        out.open()
        out.key("id")
        out.string("root")
        out.close()
        out.key("operation")
        out.string(request.operation.rawValue)
        out.key("path")
        out.string(request.path)
        out.key("remote_address")
        out.string(request.connection.remoteAddress)
        out.key("remote_port")
        out.int(Int64(request.connection.remotePort))
        out.key("wrap_ttl")
        out.int(request.wrapTTL ?? 0)
        out.close()
        return out.bytes
    }

    /// SIGHUP: reopen audit files after logrotate moved them; chains continue.
    public func reopenAuditFiles() async {
        await (try? unsealed())?.audit.reopenAll()
    }
}
