import CofferCrypto
import CofferSDK
import CofferStorage

extension Core {
    /// A token's lease id: where it was created, and its hash.
    static func tokenLeaseID(_ record: TokenRecord) -> String { "\(record.path)/\(record.idHash)" }

    /// Stores a new token together with its lease (service tokens with a TTL), in one batch.
    func storeToken(_ template: TokenRecord, id: String? = nil, state: Active) async throws -> (String, TokenRecord) {
        let leases = state.leases
        let (token, record) = try await state.tokens.create(template, id: id) { record in
            guard record.type == .service, let expiry = record.expireTime else { return [] }
            return leases.registrationWrites(Self.tokenLease(record, expiry: expiry))
        }
        if let expiry = record.expireTime, record.type == .service { await leases.notify(expiry) }
        return (token, record)
    }

    static func tokenLease(_ record: TokenRecord, expiry: Double) -> LeaseRecord {
        LeaseRecord(
            id: tokenLeaseID(record), kind: .token, path: record.path, mountPath: "auth/token/", issueTime: record.creationTime,
            expireTime: expiry, renewable: record.renewable, maxTTL: record.maxTTL, tokenHash: record.idHash, internalData: [:]
        )
    }

    /// What revoking a lease means: a token's subtree, or the backend's own clean-up.
    func revokeLeaseTarget(_ lease: LeaseRecord) async throws {
        let started = ContinuousClock.now
        defer { telemetry.expireRevoke.recordMilliseconds(since: started) }
        let state = try unsealed()
        switch lease.kind {
        case .token:
            try await state.tokens.revokeTree(lease.tokenHash)
        case .secret:
            guard let route = state.router.mount(at: lease.mountPath) else { return }  // mount gone: nothing to undo
            let context = LeaseContext(
                leaseID: lease.id, path: String(lease.path.dropFirst(lease.mountPath.count)), internalData: lease.internalData,
                storage: StorageView(barrier, prefix: route.entry.storagePrefix), issueTime: lease.issueTime, increment: 0, now: now
            )
            try await route.backend.revoke(context)
        }
    }

    /// Plans revoking the tokens behind a page of expired token leases as one batch; the
    /// expiration manager commits it together with forgetting the leases themselves.
    func planTokenLeaseRevocation(_ leases: [LeaseRecord]) async throws -> ExpirationManager.Commit {
        let hashes = leases.map(\.tokenHash)
        return try await unsealed().tokens.planRevocation(hashes, leasesSettled: Set(hashes), priority: .background)
    }

    /// Registers the lease a backend's response asked for, capped by the mount and system TTLs.
    func registerSecretLease(_ response: inout LogicalResponse, path: String, mount: MountEntry, caller: TokenRecord?, state: Active) async throws {
        guard var secret = response.secret else { return }
        let systemMax = mount.maxLeaseTTL > 0 ? min(mount.maxLeaseTTL, options.maxLeaseTTL) : options.maxLeaseTTL
        let maxTTL = secret.maxTTL > 0 ? min(secret.maxTTL, systemMax) : systemMax
        let defaultTTL = mount.defaultLeaseTTL > 0 ? mount.defaultLeaseTTL : options.defaultLeaseTTL
        var ttl = secret.ttl > 0 ? secret.ttl : defaultTTL
        if ttl > maxTTL {
            response.warnings.append("TTL of \"\(ttl)s\" exceeded the effective max_ttl of \"\(maxTTL)s\"; TTL value is capped accordingly")
            ttl = maxTTL
        }
        secret.ttl = ttl
        let issued = now
        let id = path + "/" + OrderedID.make(at: issued)
        let record = LeaseRecord(
            id: id, kind: .secret, path: path, mountPath: mount.path, issueTime: issued, expireTime: issued + Double(ttl),
            renewable: secret.renewable, maxTTL: maxTTL, tokenHash: caller?.idHash ?? "", internalData: secret.internalData
        )
        try await state.leases.register(record)
        telemetry.leaseCreated(engine: mount.type, mountPoint: mount.path, ttl: ttl)
        response.secret = secret
        response.leaseID = id
    }

    /// `sys/leases/renew`: a token lease renews the token; a secret lease asks its backend.
    func renewLease(id: String, increment: Int64) async throws -> LogicalResponse {
        let state = try unsealed()
        guard let lease = try await state.leases.load(id), !lease.irrevocable else { throw CofferError.badRequest("lease not found") }
        guard lease.renewable else { throw CofferError.badRequest("lease is not renewable") }
        switch lease.kind {
        case .token:
            guard var record = try await state.tokens.live(lease.tokenHash, now: now) else { throw CofferError.badRequest("lease not found") }
            let ttl = try await extendToken(&record, increment: increment, state: state).ttl
            return LogicalResponse(secret: LeaseOptions(ttl: ttl, renewable: true), leaseIDResult: id)
        case .secret:
            guard let route = state.router.mount(at: lease.mountPath) else { throw CofferError.badRequest("lease not found") }
            let context = LeaseContext(
                leaseID: id, path: String(lease.path.dropFirst(lease.mountPath.count)), internalData: lease.internalData,
                storage: StorageView(barrier, prefix: route.entry.storagePrefix), issueTime: lease.issueTime, increment: increment, now: now
            )
            let options = try await route.backend.renew(context)
            var ttl = options.ttl > 0 ? options.ttl : (increment > 0 ? increment : Int64(lease.expireTime - lease.issueTime))
            var warnings = [String]()
            if lease.maxTTL > 0 {
                let limit = lease.issueTime + Double(lease.maxTTL)
                if now + Double(ttl) > limit {
                    ttl = max(0, Int64((limit - now).rounded(.down)))
                    warnings.append("TTL of the lease is capped by its max_ttl; \(ttl)s remain")
                }
            }
            guard ttl > 0 else { throw CofferError.badRequest("lease has reached its maximum lifetime and cannot be renewed") }
            try await state.leases.reschedule(id, to: now + Double(ttl), renewedAt: now)
            var response = LogicalResponse(secret: LeaseOptions(ttl: ttl, renewable: true), leaseIDResult: id)
            response.warnings = warnings
            return response
        }
    }

    /// Revokes every lease below `prefix` now; `force` forgets them even when revocation fails.
    /// Token leases go a thousand to a commit, as in an expiry wave; secret leases one by one,
    /// since each asks its backend to undo something outside storage.
    func revokePrefix(_ raw: String, force: Bool) async throws {
        let state = try unsealed()
        var prefix = raw
        while prefix.hasPrefix("/") { prefix.removeFirst() }
        if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
        var failures = 0
        var after: String?
        repeat {
            let (page, next) = try await state.leases.records(prefix: prefix, after: after, limit: 1000)
            after = next
            let tokens = page.filter { $0.kind == .token }
            if !tokens.isEmpty {
                try await planTokenLeaseRevocation(tokens)(state.leases.forgetWrites(tokens))
            }
            for lease in page where lease.kind == .secret {
                do {
                    try await state.leases.revokeNow(lease.id, force: force)
                } catch {
                    failures += 1
                    try? await state.leases.expireSoon(lease.id)
                }
            }
        } while after != nil
        if failures > 0 {
            throw CofferError.badRequest("failed to revoke \(failures) lease(s) under \"\(prefix)\"; they will be retried (use revoke-force to forget them)")
        }
    }
}

extension LogicalResponse {
    /// A renewal answer: the lease's id and new duration at the top of the envelope.
    init(secret: LeaseOptions, leaseIDResult: String) {
        self.init(secret: secret)
        leaseID = leaseIDResult
    }
}
