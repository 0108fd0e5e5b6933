import CofferSDK

/// Loading, saving and locking Transit keys in the mount's storage.
///
/// Automatic rotation runs on the core's schedule (`rotateDue`, once a minute); every load for
/// use also checks `auto_rotate_period` against the latest version's creation time and rotates
/// first when it is due, so no use in the minute between sees an overdue version. Because the
/// check reads stored times, it holds across restarts.
enum TransitKeyStore {
    static func load(_ ctx: HandlerContext, _ name: String) async throws -> TransitKey? {
        let cache = TransitKeyCache.current
        var loaded = cache?.takeChecked(request: ctx.request.id, name: ctx.storage.prefix + name)
        if loaded == nil { loaded = try await fetch(ctx, name) }
        guard let key = loaded else { return nil }
        guard key.rotationDue(now: ctx.now) else { return key }
        return try await locked(ctx, name) {
            // Someone may have rotated (or deleted) it while we waited for the lock.
            guard var current = try await fetch(ctx, name) else { return nil }
            if current.rotationDue(now: ctx.now) {
                try current.rotate(now: ctx.now)
                try await save(ctx, current)
            }
            return current
        }
    }

    /// The existence check of `encrypt/:name` (create or update, for the ACL). The key it read
    /// is held for the same request's `load`, which would otherwise read and open the same
    /// stored document again a moment later. Throws only what reading storage throws, as the
    /// plain presence check did: a key that does not parse is the handler's error to report.
    static func exists(_ ctx: HandlerContext, _ name: String) async throws -> Bool {
        guard let bytes = try await ctx.storage.get(TransitKey.storagePrefix + name) else { return false }
        if let cache = TransitKeyCache.current, let key = try? cache.key(ctx.storage.prefix + name, stored: bytes) {
            cache.holdChecked(key, request: ctx.request.id, name: ctx.storage.prefix + name)
        }
        return true
    }

    /// The key as stored, without the rotation check: for callers that already hold its lock.
    static func fetch(_ ctx: HandlerContext, _ name: String) async throws -> TransitKey? {
        guard let bytes = try await ctx.storage.get(TransitKey.storagePrefix + name) else { return nil }
        if let cache = TransitKeyCache.current { return try cache.key(ctx.storage.prefix + name, stored: bytes) }
        return try TransitKeyCache.parse(bytes)
    }

    static func save(_ ctx: HandlerContext, _ key: TransitKey) async throws {
        try await ctx.storage.putJSON(key.storageKey, .object(key.stored()))
    }

    /// Runs a read-modify-write on one key while holding its lock.
    static func locked<T: Sendable>(_ ctx: HandlerContext, _ name: String, _ body: () async throws -> T) async throws -> T {
        try await KeyedLock.shared.withLock(ctx.storage.prefix + TransitKey.storagePrefix + name, body)
    }

    /// Loads, changes and saves a key under its lock; 400 `message` when it does not exist.
    static func update(_ ctx: HandlerContext, _ name: String, missing message: String, _ change: (inout TransitKey) throws -> Void) async throws -> TransitKey {
        try await locked(ctx, name) {
            guard var key = try await fetch(ctx, name) else { throw CofferError.badRequest(message) }
            try change(&key)
            try await save(ctx, key)
            return key
        }
    }

    /// The scheduled pass: every key whose period has passed gets a new version, used or not.
    static func rotateDue(_ context: PeriodicContext) async throws {
        var failures = [String]()
        for name in try await context.storage.list(prefix: TransitKey.storagePrefix) where !name.hasSuffix("/") {
            do {
                try await KeyedLock.shared.withLock(context.storage.prefix + TransitKey.storagePrefix + name) {
                    guard let bytes = try await context.storage.get(TransitKey.storagePrefix + name) else { return }
                    var key = try TransitKeyCache.parse(bytes)
                    guard key.rotationDue(now: context.now) else { return }
                    try key.rotate(now: context.now)
                    try await context.storage.putJSON(key.storageKey, .object(key.stored()))
                }
            } catch {
                // One key that cannot rotate must not hold back the others.
                failures.append(name)
            }
        }
        if !failures.isEmpty {
            throw CofferError(.internalError, "transit keys could not be auto-rotated: \(failures.joined(separator: ", "))")
        }
    }

    /// The key name from the path.
    static func name(_ ctx: HandlerContext) throws -> String {
        guard let name = ctx.fields.string("name"), !name.isEmpty else { throw CofferError.badRequest("missing key name") }
        return name
    }
}
