import CofferSDK
import Synchronization

/// What the audit wrapper learns while a request runs: whether its request entry was written,
/// who the caller was, and each device's hashed `auth` and `request` parts, which the response
/// entry repeats.
final class AuditTrail: Sendable {
    private let state = Mutex<(logged: Bool, caller: TokenRecord?, mountType: String)>((false, nil, ""))
    private let parts = Mutex<[String: (auth: JSONValue, request: JSONValue)]>([:])

    func parts(for device: String) -> (auth: JSONValue, request: JSONValue)? { parts.withLock { $0[device] } }
    func remember(_ value: (auth: JSONValue, request: JSONValue), for device: String) { parts.withLock { $0[device] = value } }

    var requestLogged: Bool { state.withLock { $0.logged } }
    var caller: TokenRecord? { state.withLock { $0.caller } }
    var mountType: String { state.withLock { $0.mountType } }

    func record(caller: TokenRecord?, mountType: String) {
        state.withLock { $0.caller = caller; $0.mountType = mountType }
    }

    func markLogged() { state.withLock { $0.logged = true } }
}

/// The caller's token and accessor as one audit entry shows them, HMACed once: each appears
/// in both the entry's auth and request parts.
struct AuditIDs {
    let token: String
    let accessor: String

    init(request: LogicalRequest, caller: TokenRecord?, hasher: AuditHasher, config: AuditDeviceConfig) {
        token = request.clientToken.map(hasher.hash) ?? ""
        accessor = caller.map { config.hmacAccessor ? hasher.hash($0.accessor) : $0.accessor } ?? ""
    }
}

extension Core {
    /// Writes the request entry; a failure is a 500 and the request does not run.
    func writeAuditRequest(_ request: LogicalRequest, trail: AuditTrail, error: String?, state: Active) async throws {
        let time = Timestamp.rfc3339(now)
        let caller = trail.caller, mountType = trail.mountType
        try await state.audit.log { hasher, config in
            let (auth, requestPart) = Self.auditParts(request, caller: caller, mountType: mountType, hasher: hasher, config: config)
            trail.remember((auth, requestPart), for: config.path)
            var entry: JSONObject = ["type": "request", "time": .string(time), "auth": auth, "request": requestPart]
            if let error { entry["error"] = .string(error) }
            return entry
        }
        trail.markLogged()
    }

    /// Writes the response entry; a failure is a 500 and the response is not returned.
    func writeAuditResponse(_ request: LogicalRequest, trail: AuditTrail, response: LogicalResponse?, error: String?, state: Active) async throws {
        let time = Timestamp.rfc3339(now)
        let caller = trail.caller, mountType = trail.mountType
        try await state.audit.log { hasher, config in
            var body: JSONObject = ["mount_type": .string(mountType)]
            if let response {
                if var data = response.data {
                    if config.elideListResponses, request.operation == .list, let keys = data["keys"]?.arrayValue {
                        data["keys"] = .int(Int64(keys.count))
                    }
                    body["data"] = hasher.hash(.object(data))
                }
                if let auth = response.auth {
                    var object = auth.json().objectValue ?? [:]
                    object["client_token"] = .string(hasher.hash(auth.clientToken ?? ""))
                    object["accessor"] = .string(config.hmacAccessor ? hasher.hash(auth.accessor ?? "") : auth.accessor ?? "")
                    if let metadata = object["metadata"], !metadata.isNull { object["metadata"] = hasher.hash(metadata) }
                    body["auth"] = .object(object)
                }
                if let wrap = response.wrapInfo {
                    body["wrap_info"] = [
                        "token": .string(hasher.hash(wrap.token)),
                        "accessor": .string(config.hmacAccessor ? hasher.hash(wrap.accessor) : wrap.accessor),
                        "ttl": .int(wrap.ttl), "creation_time": .string(wrap.creationTime), "creation_path": .string(wrap.creationPath),
                        "wrapped_accessor": .string(config.hmacAccessor ? hasher.hash(wrap.wrappedAccessor) : wrap.wrappedAccessor),
                    ]
                }
                if let leaseID = response.leaseID {
                    body["secret"] = ["lease_id": .string(leaseID)]
                }
                if !response.warnings.isEmpty { body["warnings"] = .strings(response.warnings) }
            }
            let (auth, requestPart) = trail.parts(for: config.path)
                ?? Self.auditParts(request, caller: caller, mountType: mountType, hasher: hasher, config: config)
            return [
                "type": "response", "time": .string(time), "auth": auth, "request": requestPart,
                "response": .object(body),
                "error": .string(error ?? ""),
            ]
        }
    }

    /// An entry's `auth` and `request` parts as one device hashes them.
    static func auditParts(
        _ request: LogicalRequest, caller: TokenRecord?, mountType: String, hasher: AuditHasher, config: AuditDeviceConfig
    ) -> (auth: JSONValue, request: JSONValue) {
        let ids = AuditIDs(request: request, caller: caller, hasher: hasher, config: config)
        return (auditAuth(caller, ids: ids, hasher: hasher), auditRequestObject(request, ids: ids, mountType: mountType, hasher: hasher))
    }

    static func auditAuth(_ caller: TokenRecord?, ids: AuditIDs, hasher: AuditHasher) -> JSONValue {
        guard let caller else { return .null }
        return [
            "client_token": .string(ids.token),
            "accessor": .string(ids.accessor),
            "display_name": .string(caller.displayName),
            "policies": .strings(caller.policies),
            "token_policies": .strings(caller.policies),
            "metadata": caller.meta.isEmpty ? .null : hasher.hash(.object(caller.meta.mapValues { .string($0) })),
            "entity_id": "",
            "token_type": .string(caller.type.rawValue),
            "token_ttl": .int(caller.creationTTL),
            "token_issue_time": .string(Timestamp.rfc3339(caller.creationTime)),
        ]
    }

    static func auditRequestObject(_ request: LogicalRequest, ids: AuditIDs, mountType: String, hasher: AuditHasher) -> JSONValue {
        [
            "id": .string(request.id),
            "operation": .string(request.operation.rawValue),
            "mount_type": .string(mountType),
            "client_token": .string(ids.token),
            "client_token_accessor": .string(ids.accessor),
            "namespace": ["id": "root"],
            "path": .string(request.path),
            "data": request.data.isEmpty ? .null : hasher.hash(.object(request.data)),
            "remote_address": .string(request.connection.remoteAddress),
            "remote_port": .int(Int64(request.connection.remotePort)),
            "wrap_ttl": .int(request.wrapTTL ?? 0),
            "headers": [:],
        ]
    }

    /// SIGHUP: reopen audit files after logrotate moved them; chains continue.
    public func reopenAuditFiles() async {
        await (try? unsealed())?.audit.reopenAll()
    }
}
