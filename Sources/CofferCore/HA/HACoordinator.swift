import CofferCrypto
import CofferStorage
import Logging
import Synchronization

/// Active/standby election through a lease-based lock in shared storage, as Vault's HA does.
/// While unsealed a node campaigns: a standby tries to take the lock every second and, once it
/// has it, the core takes over; the active node renews the lock and stands down when it can
/// no longer renew it before it expires, or when asked to step down. One loop owns the role,
/// so a step-down or a lost lock can never race a takeover.
final class HACoordinator: Sendable {
    /// What this node is.
    enum Role: Sendable, Equatable {
        case sealed
        case standby
        case active(since: Double)
    }

    /// The lock every node of a cluster competes for.
    static let lockKey = "core/lock"
    /// How long a taken lock lasts without renewal: a killed node's lock passes on after this.
    static let ttl: Duration = .seconds(15)
    /// How often the active node renews; a third of the TTL leaves two tries before it lapses.
    static let renewEvery: Duration = .seconds(5)
    /// How often a standby tries to take the lock.
    static let retryEvery: Duration = .seconds(1)
    /// How long a node that stepped down stays out of the election (Vault: 10 s).
    static let stepDownPause: Duration = .seconds(10)
    /// The loop's granularity.
    private static let tick: Duration = .milliseconds(100)

    private struct State {
        var role = Role.sealed
        var loop: Task<Void, Never>?
        var leader: HALockHolder?
        var stepDownRequested = false
    }

    let backend: any HALockBackend
    /// This node's identity, new on every start.
    let identity = SecureRandom.uuid()
    /// The address clients are sent or forwarded to when this node is active.
    let advertise: String
    private let logger: Logger
    private let now: @Sendable () -> Double
    private let state = Mutex(State())

    init(backend: any HALockBackend, advertise: String, logger: Logger, now: @escaping @Sendable () -> Double) {
        self.backend = backend
        self.advertise = advertise
        self.logger = logger
        self.now = now
    }

    /// The current role.
    var role: Role { state.withLock { $0.role } }
    /// True while unsealed and not the active node.
    var isStandby: Bool { role == .standby }
    /// The last holder of the lock this node saw (itself when active).
    var leader: HALockHolder? {
        state.withLock { $0.role == .standby ? $0.leader : nil } ?? (isActive ? HALockHolder(identity: identity, value: advertise) : nil)
    }
    private var isActive: Bool { if case .active = role { true } else { false } }

    /// Starts campaigning, once unsealed; a second call while campaigning does nothing.
    func campaign(_ core: Core) {
        state.withLock { state in
            guard state.loop == nil else { return }
            state.role = .standby
            state.loop = Task { [weak core] in
                guard let core else { return }
                await self.run(core)
            }
        }
    }

    /// Stops campaigning and gives the lock up: sealing or shutting down. Waits for the loop,
    /// so no takeover finishes afterwards; the caller then drops the active state.
    func resign() async {
        let loop = state.withLock { state -> Task<Void, Never>? in
            defer { state.loop = nil }
            return state.loop
        }
        guard let loop else { return }
        loop.cancel()
        await loop.value
        state.withLock { $0.role = .sealed }
        backend.setCaching(false)
        try? await backend.unlock(Self.lockKey, identity: identity)
    }

    /// Asks the active node to stand down and give the lock up. Returns at once, as Vault
    /// does: the request that asked is answered (and audited) before the audit devices close.
    func stepDown() {
        guard isActive else { return }
        state.withLock { $0.stepDownRequested = true }
    }

    private func run(_ core: Core) async {
        let clock = ContinuousClock()
        var lastAttempt: ContinuousClock.Instant?
        var lastRenewed = clock.now
        var pausedUntil = clock.now
        while !Task.isCancelled {
            if isActive {
                if state.withLock({ $0.stepDownRequested }) {
                    // A moment for the step-down request itself to be answered and audited.
                    try? await Task.sleep(for: .milliseconds(200))
                    logger.info("stepping down from active duty")
                    await standDown(core)
                    pausedUntil = clock.now.advanced(by: Self.stepDownPause)
                    continue
                }
                if lastAttempt.map({ clock.now - $0 >= Self.renewEvery }) ?? true {
                    lastAttempt = clock.now
                    let held = try? await backend.tryLock(Self.lockKey, holder: HALockHolder(identity: identity, value: advertise), ttl: Self.ttl)
                    if held == true {
                        lastRenewed = clock.now
                    } else if held == false || clock.now - lastRenewed >= Self.ttl - Self.renewEvery {
                        // Another node may take the lock once it lapses: stop serving before then.
                        logger.warning("the HA lock could not be renewed; standing down")
                        await standDown(core)
                        continue
                    }
                }
            } else {
                state.withLock { $0.stepDownRequested = false }
                if lastAttempt.map({ clock.now - $0 >= Self.retryEvery }) ?? true {
                    lastAttempt = clock.now
                    if clock.now >= pausedUntil {
                        await tryTakeOver(core, renewedAt: &lastRenewed, clock: clock)
                        if isActive { lastAttempt = clock.now }
                    } else {
                        // Out of the election for now, but still able to say who leads.
                        let current = try? await backend.lockHolder(Self.lockKey)
                        state.withLock { $0.leader = current }
                    }
                }
            }
            try? await Task.sleep(for: Self.tick)
        }
    }

    private func tryTakeOver(_ core: Core, renewedAt: inout ContinuousClock.Instant, clock: ContinuousClock) async {
        let holder = HALockHolder(identity: identity, value: advertise)
        do {
            guard try await backend.tryLock(Self.lockKey, holder: holder, ttl: Self.ttl) else {
                let current = try await backend.lockHolder(Self.lockKey)
                state.withLock { $0.leader = current }
                return
            }
        } catch {
            logger.warning("cannot reach the HA lock", metadata: ["error": "\(error)"])
            state.withLock { $0.leader = nil }
            return
        }
        renewedAt = clock.now
        logger.info("acquired the HA lock; taking over as the active node")
        do {
            // Whatever this node read as a standby may be stale: start the cache afresh.
            backend.setCaching(true)
            try await core.takeOver()
            state.withLock {
                $0.role = .active(since: now())
                $0.leader = nil
            }
            logger.info("this node is now the active node", metadata: ["api_addr": "\(advertise)"])
        } catch {
            logger.error("taking over failed; giving the lock up", metadata: ["error": "\(error)"])
            backend.setCaching(false)
            await core.standDown()
            try? await backend.unlock(Self.lockKey, identity: identity)
        }
    }

    private func standDown(_ core: Core) async {
        state.withLock {
            $0.role = .standby
            $0.stepDownRequested = false
            $0.leader = nil
        }
        backend.setCaching(false)
        await core.standDown()
        try? await backend.unlock(Self.lockKey, identity: identity)
    }
}
