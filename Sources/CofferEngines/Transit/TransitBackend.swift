import CofferSDK

/// Vault's Transit engine: encryption, signing and HMAC as a service with named, versioned keys
/// that never leave the barrier unless marked exportable.
public struct TransitBackend: Backend {
    /// Parsed keys of this mount; dropped with the backend when the core seals.
    let cache = TransitKeyCache()

    /// Creates the engine; its only state besides storage is the key cache.
    public init() {}

    static let batchFields: [String: FieldSpec] = [
        "batch_input": FieldSpec(.any, description: "A list of items to process in one request"),
        "partial_failure_response_code": FieldSpec(.any, description: "Status when some batch items fail"),
    ]

    static func fields(_ names: [String: FieldSpec], batch: Bool = false) -> [String: FieldSpec] {
        var out = names
        out["name"] = FieldSpec(.string, description: "The key name")
        if batch { out.merge(batchFields) { current, _ in current } }
        return out
    }

    static let signFields: [String: FieldSpec] = [
        "input": FieldSpec(.string), "context": FieldSpec(.string), "key_version": FieldSpec(.any),
        "hash_algorithm": FieldSpec(.string), "algorithm": FieldSpec(.string), "urlalgorithm": FieldSpec(.string),
        "prehashed": FieldSpec(.bool), "signature_algorithm": FieldSpec(.string), "marshaling_algorithm": FieldSpec(.string),
        "salt_length": FieldSpec(.string), "signature": FieldSpec(.string), "hmac": FieldSpec(.string),
        "reference": FieldSpec(.string),
    ]

    /// The routes, each handler run with this mount's key cache in reach.
    /// Auto-rotation periods are at least an hour: a check a minute is ample.
    public var periodicInterval: Double? { 60 }

    public func periodic(_ context: PeriodicContext) async throws {
        try await TransitKeyStore.rotateDue(context)
    }

    public var paths: [PathSpec] {
        let cache = self.cache
        return routes.map { spec in
            var wrapped = spec
            wrapped.handlers = spec.handlers.mapValues { handler in
                { ctx in try await TransitKeyCache.$current.withValue(cache) { try await handler(ctx) } }
            }
            if let check = spec.existenceCheck {
                wrapped.existenceCheck = { ctx in try await TransitKeyCache.$current.withValue(cache) { try await check(ctx) } }
            }
            return wrapped
        }
    }

    private var routes: [PathSpec] {
        let list: Handler = Self.listKeys
        return [
            PathSpec("keys", help: "List the keys", handlers: [.list: list]),
            PathSpec("keys/", help: "List the keys", handlers: [.list: list]),
            PathSpec("keys/:name/config", fields: Self.fields(Self.configFields), help: "Configure a key", handlers: [.update: Self.configureKey]),
            PathSpec("keys/:name/rotate", fields: Self.fields([:]), help: "Rotate a key", handlers: [.update: Self.rotateKey]),
            PathSpec("keys/:name/trim", fields: Self.fields(["min_available_version": FieldSpec(.any)]), help: "Trim old key versions", handlers: [
                .update: Self.trimKey,
            ]),
            PathSpec("keys/:name", fields: Self.fields(Self.createFields), help: "Manage a named key", handlers: [
                .read: Self.readKey, .update: Self.createKey, .delete: Self.deleteKey,
            ]),
            PathSpec(
                "encrypt/:name", fields: Self.fields(Self.encryptFields, batch: true),
                existenceCheck: { ctx in try await TransitKeyStore.exists(ctx, try TransitKeyStore.name(ctx)) },
                help: "Encrypt with a named key", handlers: [.create: Self.encryptHandler(upsert: true), .update: Self.encryptHandler(upsert: false)]
            ),
            PathSpec("decrypt/:name", fields: Self.fields(Self.decryptFields, batch: true), help: "Decrypt with a named key", handlers: [
                .update: Self.decrypt,
            ]),
            PathSpec("rewrap/:name", fields: Self.fields(Self.decryptFields, batch: true), help: "Re-encrypt under the latest key version", handlers: [
                .update: Self.rewrap,
            ]),
            PathSpec("datakey/:plaintext/:name", fields: Self.fields(Self.datakeyFields), help: "Generate a data key", handlers: [
                .update: Self.datakey,
            ]),
            PathSpec("sign/:name/:urlalgorithm", fields: Self.fields(Self.signFields, batch: true), help: "Sign data", handlers: [.update: Self.sign]),
            PathSpec("sign/:name", fields: Self.fields(Self.signFields, batch: true), help: "Sign data", handlers: [.update: Self.sign]),
            PathSpec("verify/:name/:urlalgorithm", fields: Self.fields(Self.signFields, batch: true), help: "Verify a signature or HMAC", handlers: [
                .update: Self.verify,
            ]),
            PathSpec("verify/:name", fields: Self.fields(Self.signFields, batch: true), help: "Verify a signature or HMAC", handlers: [
                .update: Self.verify,
            ]),
            PathSpec("hmac/:name/:urlalgorithm", fields: Self.fields(Self.signFields, batch: true), help: "HMAC data", handlers: [.update: Self.hmac]),
            PathSpec("hmac/:name", fields: Self.fields(Self.signFields, batch: true), help: "HMAC data", handlers: [.update: Self.hmac]),
            PathSpec("hash/:urlalgorithm", fields: Self.hashFields, help: "Hash data", handlers: [.update: Self.hash]),
            PathSpec("hash", fields: Self.hashFields, help: "Hash data", handlers: [.update: Self.hash]),
            PathSpec("random/*rest", fields: Self.randomFields, help: "Random bytes", handlers: [.update: Self.random]),
            PathSpec("export/:type/:name/:version", fields: Self.fields(["type": FieldSpec(.string), "version": FieldSpec(.string)]),
                help: "Export key material", handlers: [.read: Self.export]),
            PathSpec("export/:type/:name", fields: Self.fields(["type": FieldSpec(.string), "version": FieldSpec(.string)]),
                help: "Export key material", handlers: [.read: Self.export]),
            PathSpec("backup/:name", fields: Self.fields([:]), help: "Back up a key", handlers: [.read: Self.backup]),
            PathSpec("restore/:name", fields: Self.fields(Self.restoreFields), help: "Restore a key", handlers: [.update: Self.restore]),
            PathSpec("restore", fields: Self.restoreFields, help: "Restore a key", handlers: [.update: Self.restore]),
        ]
    }
}
