import CofferSDK
import Synchronization

/// Vault's physical read cache, for PostgreSQL: values this node read or wrote, so that the
/// reads a request makes (a KV secret's metadata and version, a mount's config) need no round
/// trip. Only one node writes (the active one, or the only one), so what it cached stays true;
/// a standby serves nothing from it, and the cache is emptied whenever the node's role changes.
final class PostgresReadCache: Sendable {
    /// Entries kept; older ones are dropped one per insertion, first in first out.
    let capacity: Int
    /// A fill is kept only if no write to a key of the same stripe finished while the value was
    /// being fetched: a value read before a commit never overwrites the one the commit wrote.
    private static let stripes = 256

    private struct State {
        var enabled: Bool
        var values: [String: [UInt8]?] = [:]
        var ring: [String] = []
        var next = 0
        var generations = [UInt64](repeating: 0, count: PostgresReadCache.stripes)
    }

    private let state: Mutex<State>

    init(capacity: Int, enabled: Bool) {
        self.capacity = max(1, capacity)
        state = Mutex(State(enabled: enabled))
    }

    private static func stripe(_ key: String) -> Int {
        var hasher = Hasher()
        hasher.combine(key)
        return Int(UInt(bitPattern: hasher.finalize()) % UInt(stripes))
    }

    /// The cached value (`.some(nil)` for a key known to be absent), or nil on a miss; with the
    /// generation a later `fill` must present.
    func lookup(_ key: String) -> (hit: [UInt8]??, generation: UInt64?) {
        state.withLock { state in
            guard state.enabled else { return (nil, nil) }
            if let value = state.values[key] { return (.some(value), nil) }
            return (nil, state.generations[Self.stripe(key)])
        }
    }

    /// Keeps what a read fetched, unless a write to its stripe finished meanwhile.
    func fill(_ key: String, _ value: [UInt8]?, generation: UInt64) {
        state.withLock { state in
            guard state.enabled, state.generations[Self.stripe(key)] == generation, state.values[key] == nil else { return }
            Self.insert(key, value, into: &state, capacity: capacity)
        }
    }

    /// After a commit: the written values are what storage now holds.
    func wrote(_ batch: [StorageWrite]) {
        state.withLock { state in
            guard state.enabled else { return }
            for change in batch {
                let stripe = Self.stripe(change.key)
                state.generations[stripe] &+= 1
                switch change {
                case .put(let key, let value):
                    if state.values[key] != nil { state.values[key] = .some(value) } else { Self.insert(key, value, into: &state, capacity: capacity) }
                case .delete(let key):
                    if state.values[key] != nil { state.values[key] = .some(nil) } else { Self.insert(key, nil, into: &state, capacity: capacity) }
                }
            }
        }
    }

    /// Drops `keys`, and keeps reads that were under way from filling them.
    func forget(_ keys: [String]) {
        state.withLock { state in
            for key in keys {
                state.generations[Self.stripe(key)] &+= 1
                // The ring keeps the slot; the entry fills again on the next read.
                state.values[key] = nil
            }
        }
    }

    /// Turns the cache on (this node is the one that writes) or off, emptying it either way.
    func setEnabled(_ enabled: Bool) {
        state.withLock { state in
            state = State(enabled: enabled)
        }
    }

    var count: Int { state.withLock { $0.values.count } }

    private static func insert(_ key: String, _ value: [UInt8]?, into state: inout State, capacity: Int) {
        if state.ring.count < capacity {
            state.ring.append(key)
        } else {
            state.values[state.ring[state.next]] = nil
            state.ring[state.next] = key
            state.next = (state.next + 1) % capacity
        }
        state.values[key] = .some(value)
    }
}
