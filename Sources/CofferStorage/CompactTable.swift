#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The in-memory store's keys and values, laid out for memory: every entry is one record of
/// bytes in a shared slab (no object, no `String`, no array per key or value), found through an
/// open-addressing table of 8-byte slots and kept in key order by chunks of 8-byte locators.
/// A dictionary of `String` to `[UInt8]` with a sorted copy of the keys cost about 900 bytes per
/// KV v2 secret, two thirds of it object headers, allocator rounding and half-empty buckets.
///
/// Keys share their first two path segments (`logical/<mount uuid>/`, `sys/token/`): those are
/// stored once, in a prefix table, and each record holds only the prefix's number and the rest.
///
/// A copy of this struct is a consistent snapshot: slabs are append-only (bytes, once written,
/// never change while a copy can still point at them, and a slab lives while any copy holds
/// it), and the slot table and the key order are copy-on-write arrays.
struct CompactTable: Sendable {
    /// Record layout: prefix number (UInt16), rest-of-key length (UInt32), value length
    /// (UInt32), then the rest of the key and the value.
    private static let headerSize = 10
    /// Most records share slabs of this size; a larger one gets a slab of its own. Small slabs
    /// keep the pause of compacting one short.
    private static let slabSize = 64 * 1024
    private static let chunkLimit = 1024
    private static let maxPrefixes = 4096

    /// Number 0 is never used, so that no locator is 0.
    private var slabs: [Slab?] = [nil]
    private var freeSlabs: [Int] = []
    private var tail = -1
    /// Slabs that stopped being the tail since the last write finished: their garbage, made
    /// while they were the tail, is only looked at then.
    private var retired: [Int] = []
    /// Slot: 0 when empty; else the top 28 bits of the key's hash over a 36-bit locator (slab
    /// number, 20 bits; offset, 16 bits). A slot's home is the top bits of its hash, so the
    /// table grows without reading a key or hashing again: growing under the store's lock
    /// had been a pause of tens of milliseconds at a few hundred thousand keys.
    private var slots = [UInt64](repeating: 0, count: 16)
    private var slotBits = 4
    /// Locators in key order, in chunks of bounded size: an insert or a removal moves at most
    /// one chunk's elements.
    private var chunks: [[UInt64]] = []
    /// Interned leading segments; number 0 is the empty prefix.
    private var prefixes: [[UInt8]] = [[]]
    private var prefixNumbers: [Int: UInt16] = [:]

    /// How many keys are held.
    private(set) var count = 0

    // MARK: Public operations

    /// The value stored at `key`.
    func get(_ key: String) -> [UInt8]? {
        Self.withBytes(key) { get(bytes: $0) }
    }

    /// The value stored at the key whose UTF-8 bytes are `key`. The store's lock calls this with
    /// the bytes in hand, so that no closure holds the table: a closure that captures it may
    /// copy it, and a copy retains and releases each of its arrays, whose counts every request
    /// thread writes to.
    func get(bytes key: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let slot = find(parts(of: key)) else { return nil }
        return value(at: Self.locator(slots[slot]))
    }

    /// Stores `value` at `key`; true when the key is new.
    @discardableResult
    mutating func put(_ key: String, _ value: [UInt8]) -> Bool {
        let added = Self.withBytes(key) { keyBytes in
            value.withUnsafeBytes { bytes in
                let length = Self.prefixLength(keyBytes)
                let number = intern(UnsafeRawBufferPointer(rebasing: keyBytes[..<length]))
                let parts = Parts(number: number, suffix: number == 0 ? keyBytes : UnsafeRawBufferPointer(rebasing: keyBytes[length...]))
                let hash = Self.hash(parts.number, parts.suffix)
                let fresh = append(parts.number, parts.suffix, bytes)
                if let slot = find(parts, hash: hash) {
                    let old = Self.locator(slots[slot])
                    slots[slot] = Self.slot(fresh, hash: hash)
                    replaceInOrder(keyBytes, parts, with: fresh)
                    release(old)
                    return false
                }
                insertSlot(Self.slot(fresh, hash: hash))
                insertInOrder(keyBytes, parts, fresh)
                count += 1
                return true
            }
        }
        compactRetired()
        return added
    }

    /// Removes `key`; true when it was present.
    @discardableResult
    mutating func remove(_ key: String) -> Bool {
        let removed = Self.withBytes(key) { keyBytes in
            let keyParts = parts(of: keyBytes)
            guard let slot = find(keyParts) else { return false }
            let old = Self.locator(slots[slot])
            deleteSlot(slot)
            removeFromOrder(keyBytes, keyParts)
            count -= 1
            release(old)
            return true
        }
        guard removed else { return false }
        compactRetired()
        return true
    }

    /// Up to `limit` keys that start with `prefix` and sort after `after` (all when nil), in
    /// byte order.
    func scan(prefix: String, after: String?, limit: Int) -> [String] {
        guard !chunks.isEmpty, limit > 0 else { return [] }
        let prefixBytes = Array(prefix.utf8)
        let afterBytes = after.map { Array($0.utf8) }
        let exclusive = afterBytes.map { Self.compareBytes($0, prefixBytes) >= 0 } ?? false
        let start = exclusive ? afterBytes! : prefixBytes
        var (c, i) = start.withUnsafeBytes { position(of: $0) }
        if exclusive, c < chunks.count, i < chunks[c].count, start.withUnsafeBytes({ compare(chunks[c][i], $0) }) == 0 { i += 1 }
        var out = [String]()
        while c < chunks.count {
            let chunk = chunks[c]
            while i < chunk.count {
                guard hasPrefix(chunk[i], prefixBytes) else { return out }
                out.append(key(at: chunk[i]))
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
        let prefixBytes = Array(prefix.utf8)
        var (c, i) = prefixBytes.withUnsafeBytes { position(of: $0) }
        var total = 0
        while c < chunks.count {
            let chunk = chunks[c]
            if i == 0, hasPrefix(chunk[chunk.count - 1], prefixBytes), hasPrefix(chunk[0], prefixBytes) {
                total += chunk.count
            } else {
                while i < chunk.count {
                    guard hasPrefix(chunk[i], prefixBytes) else { return total }
                    total += 1
                    i += 1
                }
            }
            c += 1
            i = 0
        }
        return total
    }

    /// Every key and value in key order, for tests.
    func all() -> [(String, [UInt8])] {
        chunks.flatMap { $0.map { (key(at: $0), value(at: $0)) } }
    }

    // MARK: Records

    private struct Parts {
        var number: UInt16
        var suffix: UnsafeRawBufferPointer
    }

    /// `key`'s UTF-8 bytes, in place: a read hashes and compares the caller's bytes, with no
    /// copy of the key (a `String` view of bytes is many times slower per byte).
    static func withBytes<T>(_ key: String, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var key = key
        return try key.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    /// Where the first two path segments end, or 0 when the key has fewer than two.
    private static func prefixLength(_ key: UnsafeRawBufferPointer) -> Int {
        var slashes = 0
        for index in key.indices where key[index] == UInt8(ascii: "/") {
            slashes += 1
            if slashes == 2 { return index + 1 }
        }
        return 0
    }

    /// The key as the table holds it: its prefix's number (0 when that prefix was never
    /// interned, and then the whole key is the rest) and the rest. A read never interns.
    private func parts(of key: UnsafeRawBufferPointer) -> Parts {
        let length = Self.prefixLength(key)
        let number = number(of: UnsafeRawBufferPointer(rebasing: key[..<length]))
        return Parts(number: number, suffix: number == 0 ? key : UnsafeRawBufferPointer(rebasing: key[length...]))
    }

    private static func prefixHash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        return hasher.finalize()
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    private func isPrefix(_ number: UInt16, _ bytes: UnsafeRawBufferPointer) -> Bool {
        prefixes[Int(number)].withUnsafeBytes { Self.equal($0, bytes) }
    }

    /// The prefix's number, adding it when there is room; 0 (the whole key is the rest) when
    /// the table is full. A prefix never leaves the table, so every key keeps one split.
    private mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        if bytes.isEmpty { return 0 }
        let hash = Self.prefixHash(bytes)
        if let number = prefixNumbers[hash] { return isPrefix(number, bytes) ? number : 0 }
        guard prefixes.count < Self.maxPrefixes else { return 0 }
        prefixes.append(Array(bytes))
        prefixNumbers[hash] = UInt16(prefixes.count - 1)
        return UInt16(prefixes.count - 1)
    }

    /// The number of `bytes` as a prefix, or 0 when it is not one.
    private func number(of bytes: UnsafeRawBufferPointer) -> UInt16 {
        if bytes.isEmpty { return 0 }
        if let number = prefixNumbers[Self.prefixHash(bytes)], isPrefix(number, bytes) { return number }
        return 0
    }

    private static func hash(_ number: UInt16, _ suffix: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(number)
        hasher.combine(bytes: suffix)
        return hasher.finalize()
    }

    /// Appends a record to the tail slab (a new one when it does not fit) and returns its locator.
    private mutating func append(_ number: UInt16, _ suffix: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> UInt64 {
        let size = Self.headerSize + suffix.count + value.count
        if tail < 0 || slabs[tail]!.capacity - slabs[tail]!.used < size {
            if tail >= 0 { retired.append(tail) }
            precondition(!freeSlabs.isEmpty || slabs.count < 1 << 20, "the in-memory store holds at most 2^20 slabs")
            let slab = Slab(capacity: max(Self.slabSize, size))
            if let reused = freeSlabs.popLast() {
                slabs[reused] = slab
                tail = reused
            } else {
                slabs.append(slab)
                tail = slabs.count - 1
            }
        }
        let slab = slabs[tail]!
        let offset = slab.used
        let at = slab.base + offset
        at.storeBytes(of: number, toByteOffset: 0, as: UInt16.self)
        at.storeBytes(of: UInt32(suffix.count), toByteOffset: 2, as: UInt32.self)
        at.storeBytes(of: UInt32(value.count), toByteOffset: 6, as: UInt32.self)
        if let source = suffix.baseAddress { (at + Self.headerSize).copyMemory(from: source, byteCount: suffix.count) }
        if let source = value.baseAddress { (at + Self.headerSize + suffix.count).copyMemory(from: source, byteCount: value.count) }
        slab.used += size
        slab.live += size
        return UInt64(tail) << 16 | UInt64(offset)
    }

    private struct Record {
        var number: UInt16
        var suffix: UnsafeRawBufferPointer
        var value: UnsafeRawBufferPointer
        var size: Int { CompactTable.headerSize + suffix.count + value.count }
    }

    private func record(at locator: UInt64) -> Record {
        record(in: slabs[Int(locator >> 16)]!, offset: Int(locator & 0xFFFF))
    }

    private func record(in slab: Slab, offset: Int) -> Record {
        let at = UnsafeRawPointer(slab.base + offset)
        let suffixLength = Int(at.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let valueLength = Int(at.loadUnaligned(fromByteOffset: 6, as: UInt32.self))
        return Record(
            number: at.loadUnaligned(fromByteOffset: 0, as: UInt16.self),
            suffix: UnsafeRawBufferPointer(start: at + Self.headerSize, count: suffixLength),
            value: UnsafeRawBufferPointer(start: at + Self.headerSize + suffixLength, count: valueLength)
        )
    }

    private func value(at locator: UInt64) -> [UInt8] { Array(record(at: locator).value) }

    private func key(at locator: UInt64) -> String {
        let r = record(at: locator)
        var bytes = prefixes[Int(r.number)]
        bytes.append(contentsOf: r.suffix)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A record's bytes are garbage now.
    private mutating func release(_ locator: UInt64) {
        let index = Int(locator >> 16)
        slabs[index]!.live -= record(at: locator).size
        compactIfSparse(index)
    }

    private mutating func compactRetired() {
        while let index = retired.popLast() { compactIfSparse(index) }
    }

    /// A slab left mostly garbage has its live records moved to the tail and is freed, so
    /// overwrites do not grow memory without bound; the pause is one small slab's worth.
    private mutating func compactIfSparse(_ index: Int) {
        guard index != tail, let slab = slabs[index], slab.live * 2 < slab.used else { return }
        var offset = 0
        while slab.live > 0, offset < slab.used {
            let r = record(in: slab, offset: offset)
            let old = UInt64(index) << 16 | UInt64(offset)
            offset += r.size
            let hash = Self.hash(r.number, r.suffix)
            guard let slot = find(Parts(number: r.number, suffix: r.suffix), hash: hash), Self.locator(slots[slot]) == old else { continue }
            let moved = append(r.number, r.suffix, r.value)
            slab.live -= r.size
            slots[slot] = Self.slot(moved, hash: hash)
            (prefixes[Int(r.number)] + Array(r.suffix)).withUnsafeBytes { replaceInOrder($0, Parts(number: r.number, suffix: r.suffix), with: moved) }
        }
        slabs[index] = nil
        freeSlabs.append(index)
    }

    // MARK: Slot table

    private static func locator(_ slot: UInt64) -> UInt64 { slot & 0xF_FFFF_FFFF }
    private static func bits(_ hash: Int) -> UInt64 { UInt64(UInt(bitPattern: hash)) >> 36 }
    private static func slot(_ locator: UInt64, hash: Int) -> UInt64 { bits(hash) << 36 | locator }
    private func home(_ bits: UInt64) -> Int { Int(bits >> (28 - UInt64(slotBits))) }

    private func find(_ parts: Parts) -> Int? { find(parts, hash: Self.hash(parts.number, parts.suffix)) }

    private func find(_ parts: Parts, hash: Int) -> Int? {
        let mask = slots.count - 1
        let bits = Self.bits(hash)
        var i = home(bits)
        while slots[i] != 0 {
            if slots[i] >> 36 == bits {
                let r = record(at: Self.locator(slots[i]))
                if r.number == parts.number, Self.equal(r.suffix, parts.suffix) { return i }
            }
            i = (i + 1) & mask
        }
        return nil
    }

    private mutating func insertSlot(_ slot: UInt64) {
        if (count + 1) * 5 > slots.count * 4 { grow() }
        place(slot)
    }

    private mutating func place(_ slot: UInt64) {
        let mask = slots.count - 1
        var i = home(slot >> 36)
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        precondition(slotBits < 28, "the in-memory store holds at most 2^27 keys")
        let old = slots
        slotBits += 1
        slots = [UInt64](repeating: 0, count: 1 << slotBits)
        for slot in old where slot != 0 { place(slot) }
    }

    /// Linear probing's deletion without tombstones: later slots of the same run move back
    /// when their home allows it.
    private mutating func deleteSlot(_ removed: Int) {
        let mask = slots.count - 1
        var hole = removed
        var i = (removed + 1) & mask
        while slots[i] != 0 {
            let home = home(slots[i] >> 36)
            // Moves back unless its home lies cyclically in (hole, i].
            let distanceToHome = (i - home) & mask
            let distanceToHole = (i - hole) & mask
            if distanceToHome >= distanceToHole {
                slots[hole] = slots[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        slots[hole] = 0
    }

    // MARK: Key order

    /// -1, 0 or 1 as the record's key sorts before, equal to or after `key`, by bytes.
    /// `parts` is the key as the table splits it, when known: a record with the same prefix
    /// number has the same leading bytes, so its suffix decides, one `memcmp` without looking
    /// the prefix up. Nearly every comparison of an insertion is such a neighbour.
    private func compare(_ locator: UInt64, _ other: UnsafeRawBufferPointer, _ parts: Parts? = nil) -> Int {
        let r = record(at: locator)
        if let parts, parts.number == r.number { return Self.compareRaw(r.suffix, parts.suffix) }
        return prefixes[Int(r.number)].withUnsafeBytes { head in
            let n = min(head.count, other.count)
            let first = Self.compareRaw(UnsafeRawBufferPointer(rebasing: head[..<n]), UnsafeRawBufferPointer(rebasing: other[..<n]))
            if first != 0 { return first }
            if head.count > other.count { return 1 }
            return Self.compareRaw(r.suffix, UnsafeRawBufferPointer(rebasing: other[head.count...]))
        }
    }

    private func hasPrefix(_ locator: UInt64, _ prefix: [UInt8]) -> Bool {
        let r = record(at: locator)
        let head = prefixes[Int(r.number)]
        if head.count >= prefix.count { return head.starts(with: prefix) }
        return head.elementsEqual(prefix[..<head.count]) && r.suffix.starts(with: prefix[head.count...])
    }

    /// memcmp order, shorter first on a tie.
    private static func compareRaw(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    private static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in compareRaw(x, y) } }
    }

    /// The chunk and index of the first key at or after `key` (split as `parts`, when known).
    private func position(of key: UnsafeRawBufferPointer, _ parts: Parts? = nil) -> (Int, Int) {
        let c = chunkIndex(for: key, parts)
        return (c, lowerBound(chunks[c], key, parts))
    }

    private func chunkIndex(for key: UnsafeRawBufferPointer, _ parts: Parts?) -> Int {
        var low = 0
        var high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if compare(chunks[mid][0], key, parts) <= 0 { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

    private func lowerBound(_ chunk: [UInt64], _ key: UnsafeRawBufferPointer, _ parts: Parts?) -> Int {
        var low = 0
        var high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if compare(chunk[mid], key, parts) < 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func insertInOrder(_ key: UnsafeRawBufferPointer, _ parts: Parts, _ locator: UInt64) {
        guard !chunks.isEmpty else {
            chunks = [[locator]]
            return
        }
        let (c, i) = position(of: key, parts)
        chunks[c].insert(locator, at: i)
        if chunks[c].count > Self.chunkLimit {
            let upper = Array(chunks[c][(Self.chunkLimit / 2)...])
            chunks[c].removeSubrange((Self.chunkLimit / 2)...)
            chunks.insert(upper, at: c + 1)
        }
    }

    /// `key` is held: its place in key order gets the record `fresh`.
    private mutating func replaceInOrder(_ key: UnsafeRawBufferPointer, _ parts: Parts, with fresh: UInt64) {
        let (c, i) = position(of: key, parts)
        chunks[c][i] = fresh
    }

    private mutating func removeFromOrder(_ key: UnsafeRawBufferPointer, _ parts: Parts) {
        let (c, i) = position(of: key, parts)
        chunks[c].remove(at: i)
        if chunks[c].isEmpty { chunks.remove(at: c) }
    }
}

/// Bytes of records, appended under the store's lock and never changed once written: a
/// snapshot may read the bytes it knows about while the writer appends after them.
private final class Slab: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    /// Bytes appended so far; only the writer, under the store's lock, reads or changes it.
    var used = 0
    /// Bytes of records the newest table still points at; the writer's, like `used`.
    var live = 0

    init(capacity: Int) {
        base = .allocate(byteCount: capacity, alignment: 8)
        self.capacity = capacity
    }

    deinit { base.deallocate() }
}
