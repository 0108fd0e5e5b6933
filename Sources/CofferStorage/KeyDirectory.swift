import CofferSDK
import Synchronization

/// Which keys may exist, for the process that writes its storage: a read of a key that certainly
/// does not exist (a KV write to a new path reads its metadata first) is answered without
/// touching the database. A Bloom filter: a few bits a key and no false "absent"; deleted keys
/// stay "maybe", which costs only a read. Loaded once when the node starts writing, fed every
/// committed put, and rebuilt from storage when too many keys have been added since.
final class KeyDirectory: Sendable {
    private enum Phase {
        case off
        /// Hashes of the keys put since the load began, added to what the load read.
        case loading(epoch: UInt64, since: [Int])
        case ready(BloomFilter)
    }

    private struct State {
        var phase: Phase = .off
        var epoch: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Reads the `hashValue` of every key in storage.
    private let loader: @Sendable () async throws -> [Int]
    private let onFailure: @Sendable (any Error) -> Void

    init(loader: @escaping @Sendable () async throws -> [Int], onFailure: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.loader = loader
        self.onFailure = onFailure
    }

    /// Loads the keys in the background and answers once they are in; until then every read goes
    /// to storage. Called when this process becomes the one that writes.
    func start() {
        let epoch = begin()
        Task {
            do {
                install(try await loader(), epoch: epoch)
            } catch {
                install(nil, epoch: epoch)
                onFailure(error)
            }
        }
    }

    /// True only when `key` is certainly not in storage.
    func absent(_ key: String) -> Bool {
        let hash = key.hashValue
        return state.withLock { state in
            if case .ready(let filter) = state.phase { return !filter.mayContain(hash) }
            return false
        }
    }

    /// Starts a load whose result `install` keeps only if no other start or stop came in between.
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

    /// The hashes of the keys a load read; nil when it failed, and the directory stays off.
    func install(_ loaded: [Int]?, epoch: UInt64) {
        state.withLock { state in
            guard case .loading(let current, let since) = state.phase, current == epoch else { return }
            guard let loaded else {
                state.phase = .off
                return
            }
            var filter = BloomFilter(expected: loaded.count + since.count)
            for hash in loaded { filter.insert(hash) }
            for hash in since { filter.insert(hash) }
            state.phase = .ready(filter)
        }
    }

    /// After a commit: its puts may exist now.
    func wrote(_ batch: [StorageWrite]) {
        added(batch.compactMap { change -> Int? in
            if case .put(let key, _) = change { return key.hashValue }
            return nil
        })
    }

    /// Writes whose outcome is unknown: their keys may exist.
    func unsure(_ keys: [String]) {
        added(keys.map(\.hashValue))
    }

    /// A filter that has taken more keys than it was sized for is loaded again.
    private func added(_ hashes: [Int]) {
        guard !hashes.isEmpty else { return }
        let full = state.withLock { state in
            switch state.phase {
            case .off:
                return false
            case .loading(let epoch, var since):
                state.phase = .off
                since.append(contentsOf: hashes)
                state.phase = .loading(epoch: epoch, since: since)
                return false
            case .ready(var filter):
                state.phase = .off
                for hash in hashes { filter.insert(hash) }
                let full = filter.isFull
                state.phase = .ready(filter)
                return full
            }
        }
        if full { start() }
    }

    /// True while it answers.
    var isReady: Bool {
        state.withLock { state in
            if case .ready = state.phase { return true }
            return false
        }
    }
}

/// A Bloom filter over hashes: ten bits and seven probes a key, about 1 % false "maybe" at its
/// capacity, sized for twice the keys it starts with.
struct BloomFilter: Sendable {
    private var words: [UInt64]
    private let mask: Int
    /// Keys it was sized for; past that the false "maybe" rate climbs and it asks to be rebuilt.
    let capacity: Int
    private(set) var inserted = 0
    private static let probes = 7

    init(expected: Int) {
        capacity = max(2 * expected, 65_536)
        var bits = 64
        while bits < capacity * 10 { bits <<= 1 }
        words = [UInt64](repeating: 0, count: bits / 64)
        mask = bits - 1
    }

    var isFull: Bool { inserted > capacity }

    mutating func insert(_ hash: Int) {
        inserted += 1
        var (index, step) = Self.start(hash)
        for _ in 0..<Self.probes {
            let bit = index & mask
            words[bit >> 6] |= 1 << UInt64(bit & 63)
            index &+= step
        }
    }

    func mayContain(_ hash: Int) -> Bool {
        var (index, step) = Self.start(hash)
        for _ in 0..<Self.probes {
            let bit = index & mask
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            index &+= step
        }
        return true
    }

    /// Double hashing from the two halves of one hash; an odd step visits distinct bits.
    private static func start(_ hash: Int) -> (Int, Int) {
        let bits = UInt64(bitPattern: Int64(hash))
        return (Int(truncatingIfNeeded: bits & 0xFFFF_FFFF), Int(truncatingIfNeeded: (bits >> 32) | 1))
    }
}
