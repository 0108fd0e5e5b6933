import CofferSDK
import CofferStorage
import CoreMetrics

extension Core {
    /// Runs one request through the pipeline — route, token, ACL, handler, token issuance — and
    /// returns the backend's answer, or throws a `CofferError` (anything else is a fault, which
    /// the server reports as a generic 500).
    public func handle(_ incoming: LogicalRequest) async throws -> LogicalResponse {
        let state = try unsealed()
        let started = ContinuousClock.now
        defer { telemetry.handleRequest.recordMilliseconds(since: started) }
        guard !state.audit.isEmpty else { return try await execute(incoming, state: state, trail: nil) }
        let trail = AuditTrail()
        do {
            let response = try await execute(incoming, state: state, trail: trail)
            try await auditResponse(incoming, trail: trail, response: response, error: nil, state: state)
            return response
        } catch {
            // Denied and failed requests are audited too; if that fails, the answer is a 500.
            let message = (error as? CofferError)?.messages.joined(separator: "; ") ?? "internal error"
            if !trail.requestLogged, trail.requestDeferredAt == nil {
                try await auditRequest(incoming, trail: trail, error: message, state: state)
            }
            try await auditResponse(incoming, trail: trail, response: nil, error: message, state: state)
            throw error
        }
    }

    /// The request entry, timed (`vault.audit.log_request`) and its failures counted.
    private func auditRequest(_ request: LogicalRequest, trail: AuditTrail, error: String?, state: Active) async throws {
        do {
            let entry = auditRequestEntry(request, trail: trail, error: error, time: trail.requestDeferredAt ?? now)
            try await telemetry.auditLogRequest.time { try await state.audit.log([entry]) }
            trail.markLogged()
        } catch {
            telemetry.auditLogRequestFailure.increment()
            throw error
        }
    }

    /// The response entry, timed (`vault.audit.log_response`) and its failures counted. A
    /// deferred request entry goes first in the same append, and the time of that append is
    /// recorded as both entries'.
    private func auditResponse(_ request: LogicalRequest, trail: AuditTrail, response: LogicalResponse?, error: String?, state: Active) async throws {
        let deferredAt = trail.requestDeferredAt
        let answer = auditResponseEntry(request, trail: trail, response: response, error: error)
        let entries = deferredAt.map { [auditRequestEntry(request, trail: trail, error: nil, time: $0), answer] } ?? [answer]
        let started = ContinuousClock.now
        do {
            try await telemetry.auditLogResponse.time { try await state.audit.log(entries) }
        } catch {
            if deferredAt != nil { telemetry.auditLogRequestFailure.increment() }
            telemetry.auditLogResponseFailure.increment()
            throw error
        }
        if deferredAt != nil {
            telemetry.auditLogRequest.recordMilliseconds(since: started)
            trail.markLogged()
        }
    }

    /// The pipeline proper; `trail` is set when audit devices are enabled.
    private func execute(_ incoming: LogicalRequest, state: Active, trail: AuditTrail?) async throws -> LogicalResponse {
        var request = incoming

        guard let (route, relative) = state.router.route(request.path) else {
            // Without a grant on the path the caller learns nothing about what is mounted.
            let caller = try await resolveToken(request, state: state, optional: false)
            let acl = try await state.policies.acl(for: caller?.policies ?? [])
            if !acl.decide(request.path).allows(Capability.needed(for: request.operation)) { throw CofferError.permissionDenied }
            throw CofferError(.notFound, "no handler for route \"\(request.path)\". route entry not found.")
        }
        let special = route.specialPaths
        let unauthenticated = SpecialPaths.matches(special.unauthenticated, relative)
        let started = ContinuousClock.now
        let isLogin = route.entry.isAuth && unauthenticated
        var loggedIn: AuthResult?
        defer {
            telemetry.route(request.operation, mount: route.entry.path).recordMilliseconds(since: started)
            if isLogin {
                telemetry.handleLoginRequest.recordMilliseconds(since: started)
                let role = loggedIn.flatMap { $0.metadata["role"] ?? $0.metadata["role_name"] } ?? request.data["role"]?.stringValue ?? ""
                telemetry.login(authMethod: route.entry.type, mountPoint: route.entry.path, role: role, success: loggedIn != nil)
            }
        }
        let caller = try await resolveToken(request, state: state, optional: unauthenticated)
        request.token = caller?.entry
        let acl = try await state.policies.acl(for: caller?.policies ?? [])

        guard let (spec, captures) = Self.findPath(route.paths, relative) else {
            if !unauthenticated, !acl.isRoot, !acl.decide(request.path).allows(Capability.needed(for: request.operation)) {
                throw CofferError.permissionDenied
            }
            throw CofferError(.notFound, "unsupported path")
        }
        let writes = request.operation == .update || request.operation == .create || request.operation == .patch
        let fields: FieldData
        do {
            fields = try FieldData(
                raw: request.data, captures: captures, schema: spec.fields, acceptsAnyField: spec.acceptsAnyField, checkRequired: writes
            )
        } catch {
            // A caller without a grant on the path learns nothing about its fields.
            let grants = acl.decide(request.path, listing: request.operation == .list)
            let allowed = request.operation == .update
                ? grants.allows(.create) || grants.allows(.update) : grants.allows(Capability.needed(for: request.operation))
            if !unauthenticated, !allowed { throw CofferError.permissionDenied }
            throw error
        }
        var mountRelative = request
        mountRelative.path = relative
        let context = HandlerContext(
            request: mountRelative, fields: fields, storage: StorageView(barrier, prefix: route.entry.storagePrefix),
            mount: route.entry.info, now: now, crypto: try await MountCrypto.load(for: route.entry, barrier: barrier, cache: salts)
        )

        // An existence check decides create versus update, which the ACL tells apart.
        var operation = request.operation
        if operation == .update, spec.handlers[.create] != nil, let exists = spec.existenceCheck, try await !exists(context) {
            operation = .create
        }

        if !unauthenticated {
            try acl.authorize(
                path: request.path, operation: operation, data: request.data, wrapTTL: request.wrapTTL,
                sudo: SpecialPaths.matches(special.sudo, relative) || Self.systemSudo(request.path)
            )
        }
        guard let handler = spec.handlers[operation] ?? (operation == .create ? spec.handlers[.update] : nil) else {
            throw CofferError.unsupportedOperation
        }
        if let trail {
            trail.record(caller: caller, mountType: route.entry.type)
            // A request that changes nothing may wait to be logged with its response: no effect
            // happens and nothing leaves the server before both entries are appended, and the
            // append costs a system call. A token with limited uses spends one (an effect), and
            // wrapping creates a token.
            if spec.withoutEffects.contains(operation), request.wrapTTL == nil, caller?.spendsUses != true {
                trail.deferRequest(at: now)
            } else {
                try await auditRequest(request, trail: trail, error: nil, state: state)
            }
        }

        // A limited-use token spends one use per request and dies after its last.
        var lastUse = false
        if let caller, !Self.wrappingSpendsItself(caller, path: request.path) { lastUse = try await state.tokens.use(caller) }
        var response: LogicalResponse
        do {
            // A request that spent a use may look its own token up again (lookup-self, a child
            // token's parent) even once a request racing it has spent the last one.
            response = try await TokenStore.$useInFlight.withValue(caller?.spendsUses == true ? caller?.idHash : nil) {
                try await handler(context) ?? LogicalResponse()
            }
        } catch {
            if lastUse, let caller { try await state.tokens.revokeTree(caller.idHash) }
            throw error
        }
        if lastUse, let caller { try await state.tokens.revokeTree(caller.idHash) }

        if let trail, trail.requestDeferredAt != nil, response.secret != nil || response.auth != nil {
            // A lease or a token is about to be made after all: the request entry goes first.
            try await auditRequest(request, trail: trail, error: nil, state: state)
        }
        if response.secret != nil, response.leaseID == nil {
            try await registerSecretLease(&response, path: request.path, mount: route.entry, caller: caller, state: state)
        }
        if let auth = response.auth, auth.clientToken == nil {
            let issued = try await issueLoginToken(auth, mount: route.entry, path: request.path, state: state)
            response.auth = issued
            loggedIn = issued
            telemetry.tokenCreated(authMethod: route.entry.type, mountPoint: route.entry.path, ttl: issued.leaseDuration, type: issued.tokenType)
        } else if route.entry.type == "token", relative.hasPrefix("create"), let auth = response.auth {
            telemetry.tokenCreated(authMethod: "token", mountPoint: route.entry.path, ttl: auth.leaseDuration, type: auth.tokenType)
        }
        if !fields.unknown.isEmpty {
            response.warnings.append("Endpoint ignored these unrecognized parameters: [\(fields.unknown.joined(separator: " "))]")
        }
        if let wrapTTL = request.wrapTTL, !response.isEmpty {
            response = try await wrap(response, path: request.path, ttl: wrapTTL, state: state)
        }
        return response
    }

    /// The caller's token record; nil only when the path allows anonymous access and none was sent.
    private func resolveToken(_ request: LogicalRequest, state: Active, optional: Bool) async throws -> TokenRecord? {
        guard let raw = request.clientToken, !raw.isEmpty else {
            if optional { return nil }
            throw CofferError.permissionDenied
        }
        guard let record = try await state.tokens.lookup(raw, now: now) else {
            if optional { return nil }
            // Unwrapping with a spent wrapping token says so, as Vault does, rather than 403.
            if request.path == "sys/wrapping/unwrap", request.data["token"] == nil {
                throw CofferError.badRequest("wrapping token is not valid or does not exist")
            }
            throw CofferError.permissionDenied
        }
        if !record.boundCIDRs.isEmpty {
            let address = request.connection.remoteAddress
            guard record.boundCIDRs.contains(where: { CIDR($0)?.contains(address) == true }) else {
                throw CofferError.permissionDenied
            }
        }
        return record
    }

    /// The `sys/` paths Vault reserves for root or sudo holders.
    static func systemSudo(_ path: String) -> Bool {
        guard path.hasPrefix("sys/") else { return false }
        let relative = String(path.dropFirst(4))
        return SpecialPaths.matches(
            [
                "auth/*", "remount", "audit", "audit/*", "audit-hash/*", "audit-verify/*", "raw", "raw/*", "rotate", "seal", "revoke-prefix/*",
                "revoke-force/*", "leases/revoke-prefix/*", "leases/revoke-force/*", "leases/lookup/*",
                "plugins/catalog/*", "config/auditing/*",
            ], relative)
    }

    /// The mount type serving `path`, for the envelope's `mount_type`.
    public func mountType(for path: String) -> String {
        (try? unsealed())?.router.route(path)?.0.entry.type ?? ""
    }

    static func findPath(_ paths: [PathSpec], _ path: String) -> (PathSpec, [String: String])? {
        for spec in paths {
            if let captures = spec.pattern.match(path) { return (spec, captures) }
        }
        // List requests end in a slash; routes such as role/:name/secret-id are written without.
        if path.hasSuffix("/") { return findPath(paths, String(path.dropLast())) }
        return nil
    }
}
