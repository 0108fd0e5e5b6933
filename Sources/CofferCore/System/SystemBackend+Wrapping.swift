import CofferSDK

extension SystemBackend {
    var wrappingPaths: [PathSpec] {
        let tokenField: [String: FieldSpec] = ["token": FieldSpec(.string, description: "The wrapping token")]
        return [
            PathSpec("wrapping/wrap", acceptsAnyField: true, help: "Wrap the request body in a wrapping token", handlers: [
                .update: { ctx in
                    guard ctx.request.wrapTTL != nil else {
                        throw CofferError.badRequest("a wrap TTL is required: set the X-Vault-Wrap-TTL header (the CLI's -wrap-ttl)")
                    }
                    // An empty body wraps an empty object, as Vault does (hvac's sys.wrap()).
                    return LogicalResponse(data: ctx.request.data)
                },
            ]),
            PathSpec("wrapping/unwrap", fields: tokenField, help: "Unwrap a wrapping token, once", handlers: [
                .update: { [core] ctx in
                    return try await core.unwrap(token: Self.wrappingToken(ctx), state: core.unsealed())
                },
            ]),
            PathSpec("wrapping/lookup", fields: tokenField, help: "Look up a wrapping token without using it", handlers: [
                .update: { [core] ctx in
                    return try await core.lookupWrapping(token: Self.wrappingToken(ctx), state: core.unsealed())
                },
                .read: { [core] ctx in
                    return try await core.lookupWrapping(token: Self.wrappingToken(ctx), state: core.unsealed())
                },
            ]),
            PathSpec("wrapping/rewrap", fields: tokenField, help: "Move a wrapped response to a fresh token", handlers: [
                .update: { [core] ctx in
                    return try await core.rewrap(token: Self.wrappingToken(ctx), state: core.unsealed())
                },
            ]),
        ]
    }

    /// The wrapping token from the body, or else the caller's own token.
    static func wrappingToken(_ ctx: HandlerContext) -> String? {
        ctx.fields.string("token").flatMap { $0.isEmpty ? nil : $0 } ?? ctx.request.clientToken
    }
}
