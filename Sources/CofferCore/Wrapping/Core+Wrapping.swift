import CofferSDK

extension Core {
    /// The policy every wrapping token has: read its own cubbyhole's `response`, and unwrap.
    static let responseWrappingPolicy = "response-wrapping"
    static let responseWrappingPolicyText = """
        path "cubbyhole/response" {
            capabilities = ["create", "read"]
        }
        path "sys/wrapping/unwrap" {
            capabilities = ["update"]
        }
        """

    /// Replaces `response` with a single-use wrapping token that holds it in its cubbyhole.
    func wrap(_ response: LogicalResponse, path: String, ttl requested: Int64, state: Active) async throws -> LogicalResponse {
        var stored: JSONObject = [
            "data": response.data.map { .object($0) } ?? .null,
            "auth": response.auth?.json() ?? .null,
            "warnings": .strings(response.warnings),
        ]
        if let secret = response.secret {
            stored["lease_duration"] = .int(secret.ttl)
            stored["renewable"] = .bool(secret.renewable)
        }
        return try await issueWrappingToken(stored, path: path, ttl: requested, wrappedAccessor: response.auth?.accessor ?? "", state: state)
    }

    private func issueWrappingToken(
        _ payload: JSONObject, path: String, ttl requested: Int64, wrappedAccessor: String, state: Active
    ) async throws -> LogicalResponse {
        let ttl = min(requested, options.maxLeaseTTL)
        let template = TokenRecord(
            idHash: "", accessor: "", parentHash: nil, policies: [Self.responseWrappingPolicy], meta: [:],
            // One use, as in Vault: whoever reads the response first spends the token, so an
            // interceptor's read makes the real recipient's unwrap fail loudly.
            displayName: "response-wrapping", numUses: 1, creationTime: now, creationTTL: ttl, expireTime: now + Double(ttl),
            explicitMaxTTL: 0, period: 0, maxTTL: 0, path: path, renewable: false, type: .service, roleName: "",
            cubbyholeID: nil, boundCIDRs: []
        )
        let (token, record) = try await storeToken(template, state: state)
        let document: JSONObject = ["creation_path": .string(path), "wrapped_accessor": .string(wrappedAccessor), "response": .object(payload)]
        try await cubbyhole(of: record, state: state).putJSON("response", .object(document))
        var wrapped = LogicalResponse()
        wrapped.wrapInfo = WrapInfo(
            token: token, accessor: record.accessor, ttl: ttl, creationTime: Timestamp.rfc3339(record.creationTime),
            creationPath: path, wrappedAccessor: wrappedAccessor
        )
        return wrapped
    }

    /// The wrapping endpoints that spend (or, for lookup, keep) a wrapping token themselves,
    /// so the request pipeline must not count the caller's use first.
    static func wrappingSpendsItself(_ caller: TokenRecord, path: String) -> Bool {
        caller.policies == [responseWrappingPolicy] && ["sys/wrapping/unwrap", "sys/wrapping/rewrap", "sys/wrapping/lookup"].contains(path)
    }

    /// A token's cubbyhole as a storage view.
    func cubbyhole(of record: TokenRecord, state: Active) throws -> StorageView {
        guard let id = record.cubbyholeID, let cubbyholes = state.router.cubbyholePrefix else {
            throw CofferError.internalError
        }
        return StorageView(barrier, prefix: cubbyholes + id + "/")
    }

    /// The live wrapping token and what it holds, or a 400 that does not say which check failed.
    private func openWrapping(_ token: String?, state: Active) async throws -> (TokenRecord, JSONObject) {
        let invalid = CofferError.badRequest("wrapping token is not valid or does not exist")
        guard let token, !token.isEmpty, let record = try await state.tokens.lookup(token, now: now),
            record.policies == [Self.responseWrappingPolicy],
            let document = try await cubbyhole(of: record, state: state).getJSON("response")?.objectValue
        else { throw invalid }
        return (record, document)
    }

    /// Spends the wrapping token's one use under its lock, so that of two requests racing
    /// to unwrap (or rewrap) it exactly one gets the response.
    private func spendWrapping(_ record: TokenRecord, state: Active) async throws {
        guard record.numUses > 0 else { return }  // made before wrapping tokens had one use
        do {
            _ = try await state.tokens.use(record)
        } catch let error as CofferError where error.code == .permissionDenied {
            throw CofferError.badRequest("wrapping token is not valid or does not exist")
        }
    }

    /// `sys/wrapping/unwrap`: returns the wrapped response once, then the token is gone.
    func unwrap(token: String?, state: Active) async throws -> LogicalResponse {
        let (record, document) = try await openWrapping(token, state: state)
        try await spendWrapping(record, state: state)
        try await state.tokens.revokeTree(record.idHash)
        let payload = document["response"]?.objectValue ?? [:]
        var response = LogicalResponse(
            data: payload["data"]?.objectValue, auth: payload["auth"].flatMap(AuthResult.init(json:)),
            warnings: payload["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        )
        if let duration = payload["lease_duration"]?.intValue {
            response.secret = LeaseOptions(ttl: duration, renewable: payload["renewable"]?.boolValue ?? false)
        }
        return response
    }

    /// `sys/wrapping/lookup`: what a wrapping token is, without using it.
    func lookupWrapping(token: String?, state: Active) async throws -> LogicalResponse {
        let (record, document) = try await openWrapping(token, state: state)
        return LogicalResponse(data: [
            "creation_path": document["creation_path"] ?? "",
            "creation_time": .string(Timestamp.rfc3339(record.creationTime)),
            "creation_ttl": .int(record.creationTTL),
        ])
    }

    /// `sys/wrapping/rewrap`: the same response under a fresh token; the old one dies.
    func rewrap(token: String?, state: Active) async throws -> LogicalResponse {
        let (record, document) = try await openWrapping(token, state: state)
        try await spendWrapping(record, state: state)
        try await state.tokens.revokeTree(record.idHash)
        return try await issueWrappingToken(
            document["response"]?.objectValue ?? [:], path: document["creation_path"]?.stringValue ?? "",
            ttl: record.creationTTL, wrappedAccessor: document["wrapped_accessor"]?.stringValue ?? "", state: state
        )
    }
}
