/// Plain JSON documents at arbitrary paths: the behaviour shared by KV v1 and cubbyhole. The
/// caller says which storage view a request addresses.
public enum FlatStore {
    /// One catch-all route with read, write, delete and list over `view(ctx)`.
    public static func paths(help: String, view: @escaping @Sendable (HandlerContext) throws -> StorageView) -> [PathSpec] {
        @Sendable func key(_ ctx: HandlerContext) throws -> String {
            let path = ctx.fields.string("path") ?? ""
            guard !path.isEmpty, !path.hasSuffix("/") else { throw CofferError.badRequest("missing or invalid path") }
            return path
        }
        let write: Handler = { ctx in
            guard !ctx.request.data.isEmpty else { throw CofferError.badRequest("missing data fields") }
            try await view(ctx).putJSON(try key(ctx), .object(ctx.request.data))
            return nil
        }
        return [
            PathSpec(
                "*path", acceptsAnyField: true,
                existenceCheck: { ctx in try await view(ctx).get(try key(ctx)) != nil },
                help: help, withoutEffects: [.read, .list],
                handlers: [
                    .read: { ctx in
                        guard let value = try await view(ctx).getJSON(try key(ctx)) else { return nil }
                        return LogicalResponse(data: value.objectValue)
                    },
                    .create: write, .update: write,
                    .delete: { ctx in
                        try await view(ctx).delete(try key(ctx))
                        return nil
                    },
                    .list: { ctx in
                        let path = ctx.fields.string("path") ?? ""
                        let prefix = path.isEmpty || path.hasSuffix("/") ? path : path + "/"
                        let keys = try await view(ctx).list(prefix: prefix)
                        guard !keys.isEmpty else { return nil }
                        return LogicalResponse(data: ["keys": .strings(keys)])
                    },
                ]
            )
        ]
    }
}
