import CofferSDK
import Synchronization

/// Every key the table holds, known to the node that writes, so that reading a key that does not
/// exist (a KV write to a new path reads its metadata first) needs no round trip. Loaded once when
/// the node starts writing, kept current by the committer in commit order, and never trusted
/// while loading, after a write of unknown fate made it unsure, or above `limit` keys.
final class PostgresKeyDirectory: Sendable {
    private enum Phase {
        case off
        /// Changes committed since the load began, replayed over what the load read.
        case loading(epoch: UInt64, since: [(key: String, present: Bool)])
        case ready(Set<String>)
    }

    private struct State {
        var phase: Phase = .off
        var epoch: UInt64 = 0
    }

    /// Above this many keys the directory gives up (about 100 bytes a key) and every miss reads.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// True only when `key` is certainly not in the table.
    func absent(_ key: String) -> Bool {
        state.withLock { state in
            if case .ready(let keys) = state.phase { return !keys.contains(key) }
            return false
        }
    }

    /// Starts a load: the returned epoch goes to `install`, which keeps the result only if no
    /// other start or stop came in between.
    func begin() -> UInt64 {
        state.withLock { state in
            state.epoch &+= 1
            state.phase = .loading(epoch: state.epoch, since: [])
            return state.epoch
        }
    }

    /// Stops answering until the next `begin`.
    func stop() {
        state.withLock { state in
            state.epoch &+= 1
            state.phase = .off
        }
    }

    /// The keys a load read (nil: more than `limit`, or the load failed).
    func install(_ loaded: Set<String>?, epoch: UInt64) {
        state.withLock { state in
            guard case .loading(let current, let since) = state.phase, current == epoch else { return }
            guard var keys = loaded else {
                state.phase = .off
                return
            }
            Self.apply(since, to: &keys)
            state.phase = keys.count > limit ? .off : .ready(keys)
        }
    }

    /// After a commit: what storage now holds.
    func wrote(_ batch: [StorageWrite]) {
        state.withLock { state in
            switch state.phase {
            case .off:
                return
            case .loading(let epoch, var since):
                state.phase = .off
                since.append(contentsOf: batch.map(Self.presence))
                state.phase = .loading(epoch: epoch, since: since)
            case .ready(var keys):
                state.phase = .off
                Self.apply(batch.map(Self.presence), to: &keys)
                state.phase = keys.count > limit ? .off : .ready(keys)
            }
        }
    }

    /// Writes whose outcome is unknown: the keys may exist now.
    func unsure(_ keys: [String]) {
        wrote(keys.map { .put($0, []) })
    }

    var count: Int? {
        state.withLock { state in
            if case .ready(let keys) = state.phase { return keys.count }
            return nil
        }
    }

    private static func presence(_ change: StorageWrite) -> (key: String, present: Bool) {
        switch change {
        case .put(let key, _): (key, true)
        case .delete(let key): (key, false)
        }
    }

    private static func apply(_ changes: [(key: String, present: Bool)], to keys: inout Set<String>) {
        for change in changes {
            if change.present { keys.insert(change.key) } else { keys.remove(change.key) }
        }
    }
}
