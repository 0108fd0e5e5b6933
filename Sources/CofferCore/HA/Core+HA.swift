import CofferSDK
import CofferStorage
import Logging
import Synchronization

/// What `sys/leader`, `sys/health` and the HTTP layer's forwarding need to know about HA.
public struct HAStatus: Sendable, Equatable {
    /// True when the storage elects an active node.
    public var enabled: Bool
    /// True when this node is the active one.
    public var isSelf: Bool
    /// True when this node is unsealed and standing by.
    public var isStandby: Bool
    /// The active node's `api_addr`, when known.
    public var leaderAddress: String
    /// When this node became active (seconds since 1970), or nil.
    public var activeSince: Double?
}

extension Core {
    /// Makes the HA coordinator when the storage holds a lock and HA is on.
    static func makeHA(_ physical: any PhysicalStorage, options: CoreOptions, logger: Logger) -> HACoordinator? {
        guard let postgres = physical as? PostgresStorage, postgres.settings.haEnabled else { return nil }
        return HACoordinator(backend: postgres, advertise: options.haAdvertiseAddress, logger: logger, now: options.clock)
    }

    /// The node's HA standing; `enabled` is false without HA storage.
    public var haStatus: HAStatus {
        guard let ha else {
            return HAStatus(enabled: false, isSelf: false, isStandby: false, leaderAddress: "", activeSince: nil)
        }
        let role = ha.role
        var since: Double?
        if case .active(let at) = role { since = at }
        return HAStatus(enabled: true, isSelf: since != nil, isStandby: role == .standby, leaderAddress: ha.leader?.value ?? "", activeSince: since)
    }

    /// Becomes the active node: reopens the keyring (the old active node may have rotated it)
    /// and loads mounts, policies and tokens from storage afresh, so nothing a previous role
    /// cached survives; the lease manager and scheduled work start only now.
    func takeOver() async throws {
        try await seals.reloadKeyring()
        try await activate(asLeader: true)
    }

    /// Stops being the active node but stays unsealed: the lease manager, scheduled work and
    /// audit devices stop, and every cache goes with the active state.
    func standDown() async {
        let previous = active.withLock { state -> Active? in
            defer { state = nil }
            return state
        }
        previous?.periodic.stop()
        await previous?.leases.stop()
        await previous?.audit.shutdown()
    }

    /// `sys/step-down`: the active node gives the lock up and stays out of the election for a
    /// moment, so that a standby takes over.
    func stepDown() async throws {
        guard let ha else { return }
        ha.stepDown()
    }
}
