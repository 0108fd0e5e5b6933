import CofferSDK
import Logging

/// Revokes leases on time. Deadlines live in a time-ordered index in storage, so the manager
/// holds at most one page of them in memory and unsealing costs one small read however many
/// leases exist; a lease that expired while the server was down is revoked on the first pass.
actor ExpirationManager {
    /// How leases are revoked, supplied by the core.
    struct Revokers: Sendable {
        /// One lease: a backend's clean-up, or a token's tree.
        let one: @Sendable (LeaseRecord) async throws -> Void
        /// Plans revoking many token leases at once, from one storage snapshot; the plan it
        /// returns commits in one batch together with the given writes (keys relative to the
        /// barrier's root).
        let tokens: @Sendable ([LeaseRecord]) async throws -> Commit
    }

    /// A planned batch of changes, committed together with extra writes.
    typealias Commit = @Sendable ([StorageWrite]) async throws -> Void

    private let storage: StorageView
    private let clock: @Sendable () -> Double
    private let logger: Logger
    private let revokers: Revokers
    let retry: RevocationRetry
    private let pageSize: Int
    private let parallelism: Int

    private var loop: Task<Void, Never>?
    private var sleeper: Task<Void, Never>?
    private var nextWake = Double.infinity

    init(storage: StorageView, clock: @escaping @Sendable () -> Double, logger: Logger, retry: RevocationRetry = RevocationRetry(),
         pageSize: Int = 1000, parallelism: Int = 16, revokers: Revokers) {
        self.storage = storage
        self.clock = clock
        self.logger = logger
        self.retry = retry
        self.pageSize = pageSize
        self.parallelism = parallelism
        self.revokers = revokers
    }

    // MARK: Running

    /// Starts the background loop (at unseal).
    func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    /// Stops it (at seal or shutdown); leases stay in storage for the next start.
    func stop() {
        loop?.cancel()
        sleeper?.cancel()
        loop = nil
    }

    private func run() async {
        while !Task.isCancelled {
            await tick()
            let now = clock()
            let next = (try? await earliestDeadline()) ?? nil
            let delay = min(60, max(0.01, (next ?? now + 60) - now))
            nextWake = now + delay
            let sleeping = Task { _ = try? await Task.sleep(for: .milliseconds(Int64(saturating: delay * 1000))) }
            sleeper = sleeping
            await sleeping.value
        }
    }

    /// Wakes the loop early when a deadline sooner than the planned wake-up appears.
    private func scheduled(_ deadline: Double) {
        if deadline < nextWake { sleeper?.cancel() }
    }

    private func earliestDeadline() async throws -> Double? {
        try await storage.scan(prefix: "time/", after: nil, limit: 1).first.flatMap(LeaseRecord.parseIndexKey)?.deadline
    }

    private typealias DueLease = (key: String, id: String, record: LeaseRecord?)
    private struct DuePage: Sendable {
        let leases: [DueLease]
        /// The page was full: more may be due after it.
        let full: Bool
    }

    /// The index keys due at `now` after `after`, a page of them, with their records, read from
    /// one snapshot: one read hop per page.
    private nonisolated func duePage(after: String?, now: Double) async throws -> DuePage {
        try await storage.read(.background) { [pageSize] reader in
            let keys = try reader.scan(prefix: "time/", after: after, limit: pageSize)
            let due = try keys.compactMap { key -> DueLease? in
                guard let (deadline, id) = LeaseRecord.parseIndexKey(key), deadline <= now else { return nil }
                return (key, id, try reader.getJSON("id/" + id).flatMap(LeaseRecord.init(json:)))
            }
            return DuePage(leases: due, full: due.count == pageSize)
        }
    }

    /// Revokes everything due now, page by page, a bounded number at a time; returns how many
    /// leases were revoked. Tests call it directly with a manual clock.
    @discardableResult
    func tick() async -> Int {
        var revoked = 0
        let now = clock()
        // The commit of the previous page of token revocations, still under way while the next
        // page is read and planned: reading and writing overlap, and at most one commit waits.
        var committing: Task<Bool, Never>?
        var committingCount = 0
        // The next page's read is queued while this one is planned: the background lane never
        // waits for this loop's bookkeeping between the two.
        var reading: Task<DuePage, any Error>? = Task { [self] in try await duePage(after: nil, now: now) }
        defer { reading?.cancel() }
        while !Task.isCancelled, let current = reading {
            let due: [DueLease]
            do {
                let page = try await current.value
                due = page.leases
                reading = page.full ? Task { [self, after = due.last?.key] in try await duePage(after: after, now: now) } : nil
            } catch {
                logger.error("cannot read the lease index", metadata: ["error": "\(error)"])
                break
            }
            if due.isEmpty { break }
            // Index entries without a record are dropped with the page's other writes.
            var forget: [StorageWrite] = due.filter { $0.record == nil }.map { .delete($0.key) }
            let tokens = due.compactMap { $0.record?.kind == .token ? $0 : nil }
            var individually = due.compactMap { $0.record?.kind == .secret ? $0 : nil }
            if !tokens.isEmpty {
                // Token leases have nothing outside storage to undo, so the whole page of them is
                // revoked from one snapshot in one commit, together with forgetting their leases.
                do {
                    let commit = try await revokers.tokens(tokens.map { $0.record! })
                    let writes = storage.absolute(forget + tokens.flatMap { [StorageWrite.delete($0.key), .delete("id/" + $0.id)] })
                    forget = []
                    if let previous = committing {
                        guard await previous.value else { return revoked }
                        revoked += committingCount
                    }
                    let logger = self.logger
                    committing = Task {
                        do {
                            try await commit(writes)
                            return true
                        } catch {
                            logger.error("cannot commit a page of token revocations; it will be retried", metadata: ["error": "\(error)"])
                            return false
                        }
                    }
                    committingCount = tokens.count
                } catch {
                    // One at a time instead, so a single bad token gets its retries and backoff.
                    logger.warning("batch token revocation failed; revoking one by one", metadata: ["error": "\(error)"])
                    individually += tokens
                }
            }
            // Successful revocations are forgotten in one storage batch per page: one commit,
            // not one per lease. A crash before it only means those leases are revoked again.
            for start in stride(from: 0, to: individually.count, by: parallelism) {
                let batch = individually[start..<min(start + parallelism, individually.count)]
                let done = await withTaskGroup(of: [StorageWrite]?.self) { group in
                    for lease in batch {
                        group.addTask { await self.expire(indexKey: lease.key, record: lease.record!, now: now) }
                    }
                    var writes = [[StorageWrite]]()
                    for await result in group { if let result { writes.append(result) } }
                    return writes
                }
                revoked += done.count
                forget += done.flatMap { $0 }
                // Let request handling run between batches of a large wave.
                await Task.yield()
            }
            do {
                if !forget.isEmpty { try await storage.write(forget) }
            } catch {
                logger.error("cannot remove revoked leases from storage; they will be revoked again", metadata: ["error": "\(error)"])
                break
            }
            await Task.yield()
        }
        if let last = committing, await last.value { revoked += committingCount }
        return revoked
    }

    /// Revokes one due lease and returns the writes that forget it; on failure, reschedules it
    /// with backoff and returns nil. After `maxAttempts` the lease is marked irrevocable, as
    /// Vault marks it, for operators to see in `sys/leases`; unlike Vault, coffer still tries
    /// again every `maxDelay`, so a database user outlives an outage only until the outage ends.
    private func expire(indexKey: String, record loaded: LeaseRecord, now: Double) async -> [StorageWrite]? {
        var record = loaded
        let id = record.id
        do {
            do {
                try await revokers.one(record)
                return [.delete(indexKey), .delete("id/" + id), .delete(Self.irrevocableKey(id))] + tokenIndexDeletes(record)
            } catch {
                record.attempts += 1
                record.lastError = (error as? CofferError)?.description ?? "\(type(of: error))"
                switch retry.next(afterFailures: record.attempts) {
                case .retry(let delay):
                    record.expireTime = now + delay
                    try await storage.write([
                        .delete(indexKey), .put("id/" + id, JSONWriter.encode(record.json())),
                        .put(LeaseRecord.indexKey(record.expireTime, id), []),
                    ])
                    logger.warning("lease revocation failed; will retry", metadata: ["lease_id": "\(id)", "attempt": "\(record.attempts)", "retry_in_seconds": "\(delay)"])
                case .giveUp:
                    let first = !record.irrevocable
                    record.irrevocable = true
                    record.expireTime = now + retry.maxDelay
                    try await storage.write([
                        .delete(indexKey), .put("id/" + id, JSONWriter.encode(record.json())),
                        .put(LeaseRecord.indexKey(record.expireTime, id), []), .put(Self.irrevocableKey(id), []),
                    ])
                    if first {
                        logger.error(
                            "lease is irrevocable after repeated failures; revocation is still tried every \(Int(retry.maxDelay)) s",
                            metadata: ["lease_id": "\(id)", "attempts": "\(record.attempts)", "error": "\(record.lastError ?? "")"]
                        )
                    }
                }
                return nil
            }
        } catch {
            logger.error("lease bookkeeping failed", metadata: ["lease_id": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    // MARK: Bookkeeping

    func load(_ id: String) async throws -> LeaseRecord? {
        try await storage.getJSON("id/" + id).flatMap(LeaseRecord.init(json:))
    }

    private nonisolated func tokenIndexDeletes(_ record: LeaseRecord) -> [StorageWrite] {
        record.kind == .secret && !record.tokenHash.isEmpty ? [.delete("token/\(record.tokenHash)/\(record.id)")] : []
    }

    /// The writes that register `record`, with keys relative to the barrier's root, for callers
    /// that store it in one batch together with other data.
    nonisolated func registrationWrites(_ record: LeaseRecord) -> [StorageWrite] {
        storage.absolute(localWrites(record))
    }

    private nonisolated func localWrites(_ record: LeaseRecord) -> [StorageWrite] {
        var writes: [StorageWrite] = [
            .put("id/" + record.id, record.encoded()), .put(LeaseRecord.indexKey(record.expireTime, record.id), []),
        ]
        if record.kind == .secret, !record.tokenHash.isEmpty { writes.append(.put("token/\(record.tokenHash)/\(record.id)", [])) }
        return writes
    }

    /// Registers a lease on its own.
    func register(_ record: LeaseRecord) async throws {
        try await storage.write(localWrites(record))
        scheduled(record.expireTime)
    }

    /// Tells the loop about a deadline stored by someone else (with `registrationWrites`).
    func notify(_ deadline: Double) {
        scheduled(deadline)
    }

    /// Moves a lease's deadline (a renewal).
    func reschedule(_ id: String, to deadline: Double, renewedAt now: Double) async throws {
        guard var record = try await load(id) else { return }
        try await storage.write(Self.rescheduleWrites(&record, to: deadline, renewedAt: now))
        scheduled(deadline)
    }

    private static func rescheduleWrites(_ record: inout LeaseRecord, to deadline: Double, renewedAt now: Double?) -> [StorageWrite] {
        let oldKey = LeaseRecord.indexKey(record.expireTime, record.id)
        record.expireTime = deadline
        if let now { record.lastRenewal = now }
        return [.delete(oldKey), .put("id/" + record.id, record.encoded()), .put(LeaseRecord.indexKey(deadline, record.id), [])]
    }

    /// Inside a snapshot of the barrier's root, for a token being revoked: the writes (relative
    /// to that root) that forget its own lease, unless `ownLease` is nil, and make the secret
    /// leases it asked for due `now`, so the loop revokes them with the usual retries.
    nonisolated func tokenRevocationWrites(tokenHash: String, ownLease: String?, reader root: any StorageReader, now: Double) throws -> [StorageWrite] {
        let reader = root.below(storage.prefix)
        var writes = [StorageWrite]()
        if let ownLease, let json = try reader.getJSON("id/" + ownLease), let record = LeaseRecord(json: json) {
            writes += forgetWrites(record)
        }
        let prefix = "token/\(tokenHash)/"
        for key in try reader.keys(below: prefix) {
            guard let json = try reader.getJSON("id/" + key.dropFirst(prefix.count)), var record = LeaseRecord(json: json) else {
                writes.append(.delete(key))
                continue
            }
            writes += Self.rescheduleWrites(&record, to: now, renewedAt: nil)
        }
        return storage.absolute(writes)
    }

    /// Revokes a lease now. Throws when the backend refuses; `force` forgets it regardless.
    func revokeNow(_ id: String, force: Bool = false) async throws {
        guard let record = try await load(id) else { return }
        if !force { try await revokers.one(record) }
        try await storage.write(forgetWrites(record))
    }

    private nonisolated func forgetWrites(_ record: LeaseRecord) -> [StorageWrite] {
        var writes: [StorageWrite] = [.delete("id/" + record.id), .delete(LeaseRecord.indexKey(record.expireTime, record.id))]
        if record.irrevocable { writes.append(.delete(Self.irrevocableKey(record.id))) }
        return writes + tokenIndexDeletes(record)
    }

    /// Marks an irrevocable lease, so counting them reads keys alone.
    nonisolated static func irrevocableKey(_ id: String) -> String { "irrevocable/" + id }

    /// Marks a lease due now, so the loop revokes it (with retries) shortly.
    func expireSoon(_ id: String) async throws {
        guard var record = try await load(id) else { return }
        let now = clock()
        try await storage.write(Self.rescheduleWrites(&record, to: now, renewedAt: nil))
        scheduled(now)
    }

    /// The leases among the next `limit` ids below `prefix` after `after`, read from one
    /// snapshot, and the id to continue after (nil at the end).
    nonisolated func records(prefix: String, after: String?, limit: Int) async throws -> (records: [LeaseRecord], next: String?) {
        try await storage.read { reader in
            let keys = try reader.scan(prefix: "id/" + prefix, after: after.map { "id/" + $0 }, limit: limit)
            let records = try keys.compactMap { try reader.getJSON($0).flatMap(LeaseRecord.init(json:)) }
            return (records, keys.count == limit ? keys.last.map { String($0.dropFirst(3)) } : nil)
        }
    }

    /// The writes (relative to the barrier's root) that forget `records` without revoking them.
    nonisolated func forgetWrites(_ records: [LeaseRecord]) -> [StorageWrite] {
        storage.absolute(records.flatMap(forgetWrites))
    }

    /// Counts for `sys/leases/count`, from keys alone: every lease has an `id/` entry and each
    /// irrevocable one an `irrevocable/` marker, so no record is read or decrypted.
    nonisolated func counts() async throws -> (total: Int, irrevocable: Int) {
        let total = try await storage.count(prefix: "id/")
        let irrevocable = try await storage.count(prefix: "irrevocable/")
        return (total, irrevocable)
    }
}

extension ExpirationManager {
    /// The next level of lease ids below `prefix` (folders with a trailing slash).
    func children(of prefix: String) async throws -> [String] {
        try await storage.list(prefix: "id/" + prefix)
    }

    /// Drops index entries without a lease, and token leases whose token is gone; returns the count.
    func tidy() async throws -> Int {
        var cleaned = 0
        var after: String?
        while true {
            let page = try await storage.scan(prefix: "time/", after: after, limit: 1000)
            for key in page {
                guard let (_, id) = LeaseRecord.parseIndexKey(key) else { continue }
                if try await load(id) == nil {
                    try await storage.delete(key)
                    cleaned += 1
                }
            }
            guard page.count == 1000 else { break }
            after = page.last
        }
        return cleaned
    }
}
