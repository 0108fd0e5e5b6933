import CofferSDK

extension Core {
    /// Runs one request through the pipeline and returns the backend's answer, or throws a
    /// `CofferError` (anything else is a fault, which the server reports as a generic 500).
    public func handle(_ incoming: LogicalRequest) async throws -> LogicalResponse {
        let state = try unsealed()
        var request = incoming

        // Token: until the token store lands, only stored (root) tokens authenticate.
        guard let raw = request.clientToken, !raw.isEmpty, let token = try await state.tokens.lookup(raw) else {
            throw CofferError.permissionDenied
        }
        request.token = token

        // Route by the longest mount prefix.
        guard let (route, relative) = state.router.route(request.path) else {
            throw CofferError(.notFound, "no handler for route \"\(request.path)\". route entry not found.")
        }
        guard let (spec, captures) = Self.findPath(route.backend, relative) else {
            throw CofferError(.notFound, "unsupported path")
        }
        let fields = try FieldData(raw: request.data, captures: captures, schema: spec.fields, acceptsAnyField: spec.acceptsAnyField)
        var mountRelative = request
        mountRelative.path = relative
        let context = HandlerContext(
            request: mountRelative, fields: fields, storage: StorageView(barrier, prefix: route.entry.storagePrefix),
            mount: route.entry.info, now: now
        )

        // An existence check decides create versus update, which the ACL tells apart.
        var operation = request.operation
        if operation == .update, spec.handlers[.create] != nil, let exists = spec.existenceCheck, try await !exists(context) {
            operation = .create
        }

        // ACL: with only root tokens in existence, the root policy is the whole check.
        guard token.isRoot else { throw CofferError.permissionDenied }

        guard let handler = spec.handlers[operation] ?? (operation == .create ? spec.handlers[.update] : nil) else {
            throw CofferError.unsupportedOperation
        }
        var response = try await handler(context) ?? LogicalResponse()
        if !fields.unknown.isEmpty {
            response.warnings.append("Endpoint ignored these unrecognized parameters: [\(fields.unknown.joined(separator: " "))]")
        }
        return response
    }

    /// The mount type serving `path`, for the envelope's `mount_type`.
    public func mountType(for path: String) -> String {
        (try? unsealed())?.router.route(path)?.0.entry.type ?? ""
    }

    static func findPath(_ backend: any Backend, _ path: String) -> (PathSpec, [String: String])? {
        for spec in backend.paths {
            if let captures = spec.pattern.match(path) { return (spec, captures) }
        }
        return nil
    }
}
