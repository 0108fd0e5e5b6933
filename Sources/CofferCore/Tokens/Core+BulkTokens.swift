import CofferSDK
import CofferStorage

extension Core {
    /// Stores `count` service tokens with the default policy, children of `parentToken`, that
    /// all expire at `expireAt`, a thousand to a commit. For the lease benchmark, which needs a
    /// million leases faster than requests can make them; each token and lease is stored
    /// exactly as `auth/token/create` stores it.
    @_spi(Benchmarks)
    public func seedTokens(count: Int, parentToken: String, expireAt: Double) async throws {
        let state = try unsealed()
        guard let parent = try await state.tokens.lookup(parentToken, now: now) else { throw CofferError.permissionDenied }
        let maxTTL = try tokenMountTTLs().max
        var committing: Task<Void, any Error>?
        for start in stride(from: 0, to: count, by: 1000) {
            let created = now
            let ttl = Int64(saturating: expireAt - created)
            guard ttl >= 1 else { throw CofferError.badRequest("seeding took longer than the time left before expiry") }
            var writes = [StorageWrite]()
            for _ in start..<min(start + 1000, count) {
                let template = TokenRecord(
                    idHash: "", accessor: "", parentHash: parent.idHash, policies: ["default"], meta: [:], displayName: "token",
                    numUses: 0, creationTime: created, creationTTL: ttl, expireTime: expireAt, explicitMaxTTL: 0, period: 0,
                    maxTTL: maxTTL, path: "auth/token/create", renewable: true, type: .service, roleName: "",
                    cubbyholeID: nil, boundCIDRs: []
                )
                let (_, record, tokenWrites) = state.tokens.prepare(template)
                writes += tokenWrites + state.leases.registrationWrites(Self.tokenLease(record, expiry: expireAt))
            }
            // The next thousand are prepared while these commit.
            try await committing?.value
            committing = Task { [barrier, writes] in try await barrier.write(writes) }
        }
        try await committing?.value
        await state.leases.notify(expireAt)
    }
}
