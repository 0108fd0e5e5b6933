import CofferCrypto
import CofferSDK
import CofferStorage
import CoreMetrics
import Logging
import Synchronization

/// Settings the core needs from the server configuration.
public struct CoreOptions: Sendable {
    /// System-wide default lease TTL in seconds (Vault: 32 days).
    public var defaultLeaseTTL: Int64 = 32 * 24 * 3600
    /// System-wide maximum lease TTL in seconds (Vault: 32 days).
    public var maxLeaseTTL: Int64 = 32 * 24 * 3600
    /// Seconds since 1970; tests drive it.
    public var clock: @Sendable () -> Double
    /// Backoff for failed revocations.
    var revocationRetry = RevocationRetry()
    /// False in tests that drive the expiration manager's ticks themselves.
    public var runExpirationLoop = true
    /// Directories audit files may not be written into (where storage lives).
    public var protectedDirectories: [String] = []
    /// The `seal "static"` keys, or nil for Shamir shares held by people.
    public var staticSeal: StaticSealKeys?
    /// Where request, audit, token, lease and storage metrics go; nil records nothing.
    public var metrics: (any MetricsFactory)?
    /// The address this node advertises as the active node (`api_addr`), with HA storage.
    public var haAdvertiseAddress = ""

    /// Creates options.
    public init(defaultLeaseTTL: Int64? = nil, maxLeaseTTL: Int64? = nil, clock: @escaping @Sendable () -> Double) {
        if let defaultLeaseTTL { self.defaultLeaseTTL = defaultLeaseTTL }
        if let maxLeaseTTL { self.maxLeaseTTL = maxLeaseTTL }
        self.clock = clock
    }
}

/// What `sys/init` hands back: the shares and the first root token, shown once.
public struct InitResult: Sendable {
    /// The unseal key shares.
    public var keys: [[UInt8]]
    /// The initial root token.
    public var rootToken: String
}

/// The heart of the server: seal state, the mount table and the request pipeline
/// (token ▸ ACL ▸ audit ▸ route ▸ lease ▸ wrap ▸ audit). Transport-free: the HTTP adapter turns
/// requests into `LogicalRequest`s and renders what comes back.
public final class Core: Sendable {
    /// Everything that exists only while unsealed, swapped as a whole. A class: every request
    /// takes the current one, and a struct's copy retained and released each of its members on
    /// counts that all request threads share.
    final class Active: Sendable {
        let router: Router
        let tokens: TokenStore
        let policies: PolicyStore
        let leases: ExpirationManager
        let audit: AuditBroker
        let clusterID: String
        let periodic: PeriodicRunner

        init(
            router: Router, tokens: TokenStore, policies: PolicyStore, leases: ExpirationManager, audit: AuditBroker,
            clusterID: String, periodic: PeriodicRunner
        ) {
            self.router = router
            self.tokens = tokens
            self.policies = policies
            self.leases = leases
            self.audit = audit
            self.clusterID = clusterID
            self.periodic = periodic
        }

        /// The same state over another mount table.
        func with(router: Router) -> Active {
            Active(router: router, tokens: tokens, policies: policies, leases: leases, audit: audit, clusterID: clusterID, periodic: periodic)
        }
    }

    let physical: any PhysicalStorage
    let barrier: Barrier
    let seals: SealManager
    let registry: BackendRegistry
    let authRegistry: BackendRegistry
    /// Outcomes of `sys/remount`, by migration id, for `sys/remount/status`.
    let migrations = Mutex<[String: JSONValue]>([:])
    let active = Mutex<Active?>(nil)
    let mountChanges = MountChangeQueue()
    let salts = SaltCache()
    let logger: Logger
    /// Active/standby election, when the storage is shared and HA is on.
    let ha: HACoordinator?
    /// The configuration it was built with.
    public let options: CoreOptions
    let telemetry: CoreTelemetry

    /// Creates a sealed core over `physical`.
    public init(
        physical: any PhysicalStorage, options: CoreOptions, logger: Logger, registry: BackendRegistry = .builtIn,
        authRegistry: BackendRegistry = .builtInAuth
    ) {
        self.authRegistry = authRegistry
        self.physical = physical
        let clock = options.clock
        self.barrier = Barrier(physical: physical, clock: { UInt64(clock()) }, metrics: options.metrics)
        self.telemetry = CoreTelemetry(factory: options.metrics ?? NOOPMetricsHandler.instance)
        self.seals = SealManager(physical: physical, barrier: barrier)
        self.registry = registry
        self.options = options
        self.logger = logger
        self.ha = Self.makeHA(physical, options: options, logger: logger)
    }

    /// Now, from the injected clock.
    var now: Double { options.clock() }

    // MARK: Seal lifecycle

    /// Seal state for `sys/seal-status`, `sys/unseal` and `sys/health`.
    public func sealStatus() async throws -> SealStatus {
        let config = try await seals.config()
        let current = active.withLock { $0 }
        return SealStatus(
            initialized: config != nil, sealed: current == nil && ha?.isStandby != true, threshold: config?.threshold ?? 0,
            shares: config?.shares ?? 0, progress: await seals.progressCount, nonce: await seals.nonce,
            storageType: physical.typeName, clusterName: "coffer-cluster", clusterID: current?.clusterID ?? "",
            sealType: options.staticSeal == nil ? "shamir" : "static"
        )
    }

    /// Initialises storage: a keyring, the default mounts and a root token; leaves it sealed.
    public func initialize(shares: Int, threshold: Int, rootTokenID: String? = nil, keepUnsealed: Bool = false) async throws -> InitResult {
        if options.staticSeal != nil {
            throw CofferError.badRequest("parameters secret_shares,secret_threshold not applicable to seal type static")
        }
        let keys = try await seals.initialize(shares: shares, threshold: threshold)
        let root = try await writeFirstEntries(rootTokenID: rootTokenID)
        if keepUnsealed {
            try await activate()
        } else {
            await seals.seal()
        }
        logger.info("storage initialized", metadata: ["shares": "\(shares)", "threshold": "\(threshold)"])
        return InitResult(keys: keys, rootToken: root)
    }

    /// What every new storage starts with, written through the freshly unsealed barrier: the
    /// default mounts, a cluster id and the first root token, which it returns.
    func writeFirstEntries(rootTokenID: String?) async throws -> String {
        try await MountTable.save(MountTable.defaults(), to: barrier)
        try await barrier.put("core/cluster", JSONWriter.encode(["id": .string(SecureRandom.uuid())]))
        let tokens = try await loadTokenStore()
        return try await tokens.createRoot(id: rootTokenID, now: now)
    }

    /// Offers one unseal share (hex or base64); `reset` discards the shares given so far.
    public func unseal(key: String?, reset: Bool) async throws -> SealStatus {
        guard try await seals.config() != nil else { throw CofferError.badRequest("Vault is not initialized") }
        if reset {
            await seals.resetProgress()
            return try await sealStatus()
        }
        guard let key, !key.isEmpty else { throw CofferError.badRequest("'key' must be specified in request body as JSON, or 'reset' set to true") }
        guard let share = Self.decodeShare(key) else {
            throw CofferError.badRequest("'key' must be a valid hex or base64 string")
        }
        if active.withLock({ $0 == nil }) {
            // Under a static seal the shares are recovery shares: they authorise, the key unseals.
            let completed = if let keys = options.staticSeal {
                try await seals.submitRecoveryShare(share, keys: keys)
            } else {
                try await seals.submit(share)
            }
            if completed {
                try await activate()
                logger.info("vault is unsealed")
            }
        }
        return try await sealStatus()
    }

    /// Seals: drops the keyring and every unsealed structure; requests get 503 until unsealed.
    public func seal() async {
        await ha?.resign()
        let previous = active.withLock { state -> Active? in
            let old = state
            state = nil
            return old
        }
        previous?.periodic.stop()
        await previous?.leases.stop()
        await previous?.audit.shutdown()
        await seals.seal()
        logger.info("vault is sealed")
    }

    /// Loads what the unsealed core needs, from storage.
    func activate(asLeader: Bool = false) async throws {
        // With HA the node first stands by; the election calls back here once it wins.
        if let ha, !asLeader {
            ha.campaign(self)
            return
        }
        var entries = try await MountTable.load(barrier) ?? MountTable.defaults()
        for required in MountTable.defaults() where !entries.contains(where: { $0.path == required.path }) {
            entries.append(required)
            try await MountTable.save(entries, to: barrier)
        }
        let cluster = try await barrier.get("core/cluster").flatMap { try? JSONParser.parse($0).objectValue?["id"]?.stringValue } ?? ""
        let tokens = try await loadTokenStore()
        let policies = PolicyStore(storage: StorageView(barrier, prefix: "sys/policy/"))
        try await policies.ensureDefault()
        let router = try buildRouter(entries)
        let leases = ExpirationManager(
            storage: StorageView(barrier, prefix: "sys/expire/"), clock: options.clock, logger: logger, retry: options.revocationRetry,
            revokers: ExpirationManager.Revokers(
                one: { [weak self] lease in try await self?.revokeLeaseTarget(lease) },
                tokens: { [weak self] leases in
                    guard let self else { throw CofferError.sealed }
                    return try await self.planTokenLeaseRevocation(leases)
                }
            )
        )
        let audit = AuditBroker(storage: barrier, logger: logger)
        try await audit.load()
        let periodic = PeriodicRunner()
        active.withLock {
            $0 = Active(router: router, tokens: tokens, policies: policies, leases: leases, audit: audit, clusterID: cluster, periodic: periodic)
        }
        if options.runExpirationLoop {
            await leases.start()
            periodic.start(now: options.clock, barrier: barrier, logger: logger) { [weak self] in self?.active.withLock { $0?.router } }
        }
    }

    private func loadTokenStore() async throws -> TokenStore {
        try await TokenStore.load(
            barrier: barrier,
            onRevoke: { [weak self] record, reader, leaseSettled in
                try self?.tokenRevocationWrites(record, reader: reader, leaseSettled: leaseSettled) ?? []
            },
            afterRevoke: { [weak self] in
                guard let self, let leases = self.active.withLock({ $0?.leases }) else { return }
                await leases.notify(self.now)
            }
        )
    }

    /// What a revoked token takes with it, planned inside the revocation's storage snapshot: its
    /// cubbyhole and its own lease go, and the secrets it asked for become due now, so the
    /// expiration manager revokes them (with retries) right after.
    private func tokenRevocationWrites(_ record: TokenRecord, reader: any StorageReader, leaseSettled: Bool) throws -> [StorageWrite] {
        guard let state = active.withLock({ $0 }) else { return [] }
        var writes = [StorageWrite]()
        if let id = record.cubbyholeID, let cubbyholes = state.router.cubbyholePrefix {
            writes += try reader.keys(below: cubbyholes + id + "/").map { .delete($0) }
        }
        writes += try state.leases.tokenRevocationWrites(
            tokenHash: record.idHash, ownLease: leaseSettled ? nil : Self.tokenLeaseID(record), reader: reader, now: now
        )
        return writes
    }

    func buildRouter(_ entries: [MountEntry]) throws -> Router {
        var routes = [Router.Route]()
        for entry in entries {
            let backend: any Backend
            if entry.type == "system" {
                backend = SystemBackend(core: self)
            } else if entry.type == "token" {
                backend = TokenBackend(core: self)
            } else if let made = entry.isAuth ? authRegistry.make(entry.info) : registry.make(entry.info) {
                backend = made
            } else {
                logger.error("mount has an unknown type and was skipped", metadata: ["path": "\(entry.path)", "type": "\(entry.type)"])
                continue
            }
            routes.append(Router.Route(entry: entry, backend: backend))
        }
        return Router(routes: routes)
    }

    static func decodeShare(_ text: String) -> [UInt8]? {
        if let hex = Hex.decode(text), !hex.isEmpty { return hex }
        return Base64.decode(text)
    }

    /// The active state, or 503 while sealed.
    func unsealed() throws(CofferError) -> Active {
        guard let current = active.withLock({ $0 }) else { throw CofferError.sealed }
        return current
    }

    /// Flushes audit chain heads and closes devices: call at shutdown.
    public func shutdown() async {
        await seal()
    }

    /// Rotates the barrier's encryption key: a new term for new writes.
    func rotate() async throws {
        _ = try await seals.rotate()
    }

    /// The barrier's active term and install time.
    func keyStatus() throws -> (term: UInt32, installTime: UInt64) {
        try barrier.keyStatus()
    }
}

/// Serialises mount-table changes so two concurrent enables cannot both pass the overlap check.
actor MountChangeQueue {
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await body()
    }
}
