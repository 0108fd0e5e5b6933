import CofferSDK

/// Group commit, for either storage: batches that arrive while a commit is under way wait and
/// then go to the database together, so many concurrent writers share one flush. Each batch
/// stays atomic: when a combined commit fails, the batches are retried one by one so that only
/// a faulty one fails.
actor GroupCommitQueue {
    /// Writes the batches as one atomic unit.
    private let commit: @Sendable ([[StorageWrite]]) async throws -> Void
    /// Told of each batch that is in storage, in commit order, before its writer hears of it.
    private let landed: @Sendable ([StorageWrite]) -> Void
    /// Told of each batch whose commit failed: it may have landed before the failure was seen.
    private let unknown: @Sendable ([StorageWrite]) -> Void
    /// Runs after each group, before the next one starts.
    private let between: @Sendable () async -> Void
    private var pending: [(batch: [StorageWrite], done: CheckedContinuation<Void, any Error>)] = []
    private var draining = false

    init(
        commit: @escaping @Sendable ([[StorageWrite]]) async throws -> Void, landed: @escaping @Sendable ([StorageWrite]) -> Void = { _ in },
        unknown: @escaping @Sendable ([StorageWrite]) -> Void = { _ in }, between: @escaping @Sendable () async -> Void = {}
    ) {
        self.commit = commit
        self.landed = landed
        self.unknown = unknown
        self.between = between
    }

    /// Returns once `batch` is in storage, or throws when it could not be written.
    func submit(_ batch: [StorageWrite]) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            pending.append((batch, done))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let group = pending
            pending = []
            do {
                try await commit(group.map(\.batch))
                for item in group { landed(item.batch) }
                for item in group { item.done.resume() }
            } catch {
                for item in group { unknown(item.batch) }
                if group.count == 1 {
                    group[0].done.resume(throwing: error)
                } else {
                    for item in group {
                        do {
                            try await commit([item.batch])
                            landed(item.batch)
                            item.done.resume()
                        } catch {
                            unknown(item.batch)
                            item.done.resume(throwing: error)
                        }
                    }
                }
            }
            await between()
        }
        draining = false
    }
}
