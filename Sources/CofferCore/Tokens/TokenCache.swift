/// A bounded cache that evicts one entry per insertion, oldest first: each operation costs
/// the same, whatever the cache holds. An entry read when it is already half-way to eviction
/// is moved to the back, so tokens in use stay.
///
/// The token store's cache used to be one dictionary dropped whole at its bound: freeing
/// 50,000 records took about 30 ms of CPU under the lock that every request takes, while
/// every request waited, and every token then missed at once. Handing a whole generation to
/// be freed outside the lock would still have stalled one of the two request threads for
/// 20 ms. The dictionary is also sized for its bound at once, so that it never rehashes
/// while it fills.
struct TokenCache<Value: Sendable>: Sendable {
    private var entries: [String: (value: Value, stamp: Int)]
    /// Insertion order, a ring once it has `limit` slots (it grows to that as the cache fills,
    /// so an idle server does not hold it): the slot `next` points at holds the oldest
    /// insertion. A slot whose stamp no longer matches its entry's (replaced, moved up or
    /// removed since) evicts nothing.
    private var order: [(key: String, stamp: Int)] = []
    private var next = 0
    private var stamp = 0
    private let limit: Int

    /// A cache holding at most `limit` entries.
    init(limit: Int) {
        self.limit = max(2, limit)
        entries = .init(minimumCapacity: self.limit)
    }

    /// How many entries are held.
    var count: Int { entries.count }

    /// The value for `key`.
    mutating func get(_ key: String) -> Value? {
        guard let entry = entries[key] else { return nil }
        if stamp - entry.stamp > limit / 2 { set(key, entry.value) }
        return entry.value
    }

    /// Stores `value`, evicting the oldest entry when the cache is full.
    mutating func set(_ key: String, _ value: Value) {
        stamp += 1
        if order.count < limit {
            order.append((key, stamp))
        } else {
            let oldest = order[next]
            if entries[oldest.key]?.stamp == oldest.stamp { entries.removeValue(forKey: oldest.key) }
            order[next] = (key, stamp)
            next = (next + 1) % limit
        }
        entries[key] = (value, stamp)
    }

    /// Forgets `key`.
    mutating func remove(_ key: String) {
        entries.removeValue(forKey: key)
    }
}
