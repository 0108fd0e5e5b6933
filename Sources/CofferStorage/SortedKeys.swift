/// A set of keys kept in order, in chunks of bounded size: an insert or a removal moves at
/// most one chunk's elements, and a range scan starts with two binary searches. The in-memory
/// store needs ordered prefix scans (the lease index pages through them), and swift-collections
/// has no released sorted set.
struct SortedKeys: Sendable {
    private var chunks: [[String]] = []
    private static let chunkLimit = 1024

    /// How many keys are held.
    private(set) var count = 0

    /// Adds `key`; a key already present is left alone.
    mutating func insert(_ key: String) {
        guard !chunks.isEmpty else {
            chunks = [[key]]
            count = 1
            return
        }
        let c = chunkIndex(for: key)
        let i = Self.lowerBound(chunks[c], key)
        if i < chunks[c].count, chunks[c][i] == key { return }
        chunks[c].insert(key, at: i)
        count += 1
        if chunks[c].count > Self.chunkLimit {
            let upper = Array(chunks[c][(Self.chunkLimit / 2)...])
            chunks[c].removeSubrange((Self.chunkLimit / 2)...)
            chunks.insert(upper, at: c + 1)
        }
    }

    /// Removes `key` if present.
    mutating func remove(_ key: String) {
        guard !chunks.isEmpty else { return }
        let c = chunkIndex(for: key)
        let i = Self.lowerBound(chunks[c], key)
        guard i < chunks[c].count, chunks[c][i] == key else { return }
        chunks[c].remove(at: i)
        count -= 1
        if chunks[c].isEmpty { chunks.remove(at: c) }
    }

    /// Up to `limit` keys that start with `prefix` and sort after `after` (all when nil), in order.
    func scan(prefix: String, after: String?, limit: Int) -> [String] {
        guard !chunks.isEmpty, limit > 0 else { return [] }
        let exclusive = after.map { $0 >= prefix } ?? false
        let start = exclusive ? after! : prefix
        var c = chunkIndex(for: start)
        var i = Self.lowerBound(chunks[c], start)
        if exclusive, i < chunks[c].count, chunks[c][i] == start { i += 1 }
        var out = [String]()
        while c < chunks.count {
            let chunk = chunks[c]
            while i < chunk.count {
                let key = chunk[i]
                guard key.hasPrefix(prefix) else { return out }
                out.append(key)
                if out.count == limit { return out }
                i += 1
            }
            c += 1
            i = 0
        }
        return out
    }

    /// How many keys start with `prefix`; chunks wholly inside the range count without a walk.
    func count(prefix: String) -> Int {
        guard !chunks.isEmpty else { return 0 }
        var c = chunkIndex(for: prefix)
        var i = Self.lowerBound(chunks[c], prefix)
        var total = 0
        while c < chunks.count {
            let chunk = chunks[c]
            if i == 0, chunk[chunk.count - 1].hasPrefix(prefix), chunk[0].hasPrefix(prefix) {
                total += chunk.count
            } else {
                while i < chunk.count {
                    guard chunk[i].hasPrefix(prefix) else { return total }
                    total += 1
                    i += 1
                }
            }
            c += 1
            i = 0
        }
        return total
    }

    /// The last chunk whose first key sorts at or before `key` (the first chunk when none does).
    private func chunkIndex(for key: String) -> Int {
        var low = 0
        var high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if chunks[mid][0] <= key { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

    /// The first position in `chunk` whose key sorts at or after `key`.
    private static func lowerBound(_ chunk: [String], _ key: String) -> Int {
        var low = 0
        var high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if chunk[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
