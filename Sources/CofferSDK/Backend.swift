/// What a handler is given: the request, its checked fields, and the backend's own storage.
public struct HandlerContext: Sendable {
    /// The request, with a mount-relative path.
    public var request: LogicalRequest
    /// Fields parsed against the path's schema, path captures included.
    public var fields: FieldData
    /// The backend's storage view.
    public var storage: StorageView
    /// The mount this backend serves.
    public var mount: MountInfo
    /// Seconds since 1970, from the core's clock (tests drive it).
    public var now: Double
    /// Salted hashing and random ids for this mount.
    public var crypto: any BackendCrypto

    /// Creates a context.
    public init(request: LogicalRequest, fields: FieldData, storage: StorageView, mount: MountInfo, now: Double, crypto: any BackendCrypto) {
        self.request = request
        self.fields = fields
        self.storage = storage
        self.mount = mount
        self.now = now
        self.crypto = crypto
    }
}

/// The facts about its mount a backend may read.
public struct MountInfo: Sendable, Hashable {
    /// Where it is mounted, with a trailing slash (`secret/`).
    public var path: String
    /// The engine type (`kv`, `cubbyhole`, …).
    public var type: String
    /// The mount's options (`version` for KV).
    public var options: [String: String]

    /// Creates mount facts.
    public init(path: String, type: String, options: [String: String] = [:]) {
        self.path = path
        self.type = type
        self.options = options
    }
}

/// A handler for one operation on one path; nil means 204 No Content.
public typealias Handler = @Sendable (HandlerContext) async throws -> LogicalResponse?

/// Says whether the addressed entry exists, so that the ACL can tell `create` from `update`.
public typealias ExistenceCheck = @Sendable (HandlerContext) async throws -> Bool

/// One route of a backend: a pattern, typed fields, and a handler per operation.
public struct PathSpec: Sendable {
    /// Shared (`SharedValue`): routing hands every request its matched route.
    private struct Members: Sendable {
        var pattern: PathPattern
        var fields: [String: FieldSpec]
        var handlers: [Operation: Handler]
        var existenceCheck: ExistenceCheck?
        var acceptsAnyField: Bool
        var help: String
        var withoutEffects: Set<Operation>
    }

    private var members: SharedValue<Members>

    /// The route.
    public var pattern: PathPattern {
        get { members.value.pattern }
        set { members.change { $0.pattern = newValue } }
    }
    /// Declared fields.
    public var fields: [String: FieldSpec] {
        get { members.value.fields }
        set { members.change { $0.fields = newValue } }
    }
    /// Handlers by operation.
    public var handlers: [Operation: Handler] {
        get { members.value.handlers }
        set { members.change { $0.handlers = newValue } }
    }
    /// Create-versus-update decision for writes; without it every write is an update.
    public var existenceCheck: ExistenceCheck? {
        get { members.value.existenceCheck }
        set { members.change { $0.existenceCheck = newValue } }
    }
    /// True where any key is a valid field (KV v1, cubbyhole): no unknown-field warnings.
    public var acceptsAnyField: Bool {
        get { members.value.acceptsAnyField }
        set { members.change { $0.acceptsAnyField = newValue } }
    }
    /// One line of help.
    public var help: String {
        get { members.value.help }
        set { members.change { $0.help = newValue } }
    }
    /// Operations that change nothing and create nothing (a plain read): with audit devices
    /// enabled, their request entry is written together with the response entry, in one
    /// append, before the answer leaves. Any other operation's request entry is written before
    /// its handler runs.
    public var withoutEffects: Set<Operation> {
        get { members.value.withoutEffects }
        set { members.change { $0.withoutEffects = newValue } }
    }

    /// Declares a route.
    public init(
        _ pattern: String, fields: [String: FieldSpec] = [:], acceptsAnyField: Bool = false,
        existenceCheck: ExistenceCheck? = nil, help: String = "", withoutEffects: Set<Operation> = [], handlers: [Operation: Handler]
    ) {
        members = SharedValue(Members(
            pattern: PathPattern(pattern), fields: fields, handlers: handlers, existenceCheck: existenceCheck,
            acceptsAnyField: acceptsAnyField, help: help, withoutEffects: withoutEffects
        ))
    }
}

/// An auth method or secret engine: data the core routes to, plus its lifecycle hooks.
public protocol Backend: Sendable {
    /// The routes, tried in order; the first match wins.
    var paths: [PathSpec] { get }
    /// Paths that need no token, or need `sudo`.
    var specialPaths: SpecialPaths { get }
    /// Revokes what a lease stands for (drops a database user, say). Throwing makes the
    /// expiration manager retry with backoff.
    func revoke(_ lease: LeaseContext) async throws
    /// Extends a lease; returns the new options (the core caps the TTL).
    func renew(_ lease: LeaseContext) async throws -> LeaseOptions
    /// Seconds between runs of `periodic`; nil for a backend with no scheduled work.
    var periodicInterval: Double? { get }
    /// Scheduled work (key rotation, static credential rotation), run by the core on the active
    /// node only, while unsealed; a throw is logged and the next run comes as scheduled.
    func periodic(_ context: PeriodicContext) async throws
}

/// What a backend's scheduled work is given.
public struct PeriodicContext: Sendable {
    /// The backend's storage.
    public var storage: StorageView
    /// The mount it serves.
    public var mount: MountInfo
    /// Now, from the core's clock.
    public var now: Double

    /// Creates a context.
    public init(storage: StorageView, mount: MountInfo, now: Double) {
        self.storage = storage
        self.mount = mount
        self.now = now
    }
}

/// A lease as its backend sees it at renewal or revocation.
public struct LeaseContext: Sendable {
    /// The lease id.
    public var leaseID: String
    /// The mount-relative path of the request that created it.
    public var path: String
    /// The backend's own data for it.
    public var internalData: JSONObject
    /// The backend's storage.
    public var storage: StorageView
    /// When it was issued (seconds since 1970).
    public var issueTime: Double
    /// The increment a renewal asked for, in seconds (0 for the original TTL).
    public var increment: Int64
    /// Now, from the core's clock.
    public var now: Double

    /// Creates a lease context.
    public init(leaseID: String, path: String, internalData: JSONObject, storage: StorageView, issueTime: Double, increment: Int64, now: Double) {
        self.leaseID = leaseID
        self.path = path
        self.internalData = internalData
        self.storage = storage
        self.issueTime = issueTime
        self.increment = increment
        self.now = now
    }
}

extension Backend {
    /// Nothing to undo unless the backend says so.
    public func revoke(_ lease: LeaseContext) async throws {}
    /// No scheduled work unless the backend says so.
    public var periodicInterval: Double? { nil }
    /// Nothing to do unless the backend says so.
    public func periodic(_ context: PeriodicContext) async throws {}
    /// Not renewable unless the backend says so.
    public func renew(_ lease: LeaseContext) async throws -> LeaseOptions {
        throw CofferError.badRequest("lease is not renewable")
    }
}

/// Makes a backend for a mount (nil when its options are unsupported); the registry maps engine type names to these.
public typealias BackendFactory = @Sendable (MountInfo) -> (any Backend)?
