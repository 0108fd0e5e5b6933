import CofferCrypto
import CofferSDK
import CofferStorage
import Foundation
import Synchronization

/// Service tokens in the barrier, stored only under the salted hash of their id, with indexes
/// by accessor and by parent; batch tokens sealed into the token string itself. A copy of the
/// database reveals no usable token.
final class TokenStore: Sendable {
    static let saltPath = "core/token-salt"
    static let batchContext = "batch-token"

    private let storage: StorageView
    private let barrier: Barrier
    /// The token salt, prepared as an HMAC key: every authenticated request hashes its token.
    private let hmac: HMACKey
    /// Called for each token as its revocation is planned, inside the storage snapshot: returns
    /// the writes (relative to the barrier's root) that destroy its cubbyhole and settle its
    /// leases. The flag says the caller forgets the token's own lease itself.
    typealias RevocationHook = @Sendable (TokenRecord, any StorageReader, Bool) throws -> [StorageWrite]
    private let onRevoke: RevocationHook
    /// Called after each revocation commits: the secret leases it made due need the expiration
    /// manager awake.
    private let afterRevoke: @Sendable () async -> Void
    /// Service token records by hash: every authenticated request resolves its token, and
    /// reading it from the barrier each time (a read, an AEAD open, a JSON parse) is the
    /// largest per-request cost. Every change to a record goes through this type, which keeps
    /// the cache in step. Bounded, one eviction per insertion (see `TokenCache`). `forgets`
    /// counts removals: a record read from storage enters the cache only if none happened
    /// while it was read, so a lookup racing a revocation cannot put the revoked record back.
    private let cache = Mutex((records: TokenCache<TokenRecord>(limit: 50_000), forgets: 0))

    private init(
        storage: StorageView, barrier: Barrier, salt: SecureBytes, onRevoke: @escaping RevocationHook, afterRevoke: @escaping @Sendable () async -> Void
    ) {
        self.storage = storage
        self.barrier = barrier
        hmac = HMACKey(salt)
        self.onRevoke = onRevoke
        self.afterRevoke = afterRevoke
    }

    /// Loads the salt, creating it on first use.
    static func load(
        barrier: Barrier, onRevoke: @escaping RevocationHook, afterRevoke: @escaping @Sendable () async -> Void
    ) async throws -> TokenStore {
        let salt = try await StoredSalt.load(saltPath, from: barrier)
        return TokenStore(storage: StorageView(barrier, prefix: "sys/token/"), barrier: barrier, salt: salt, onRevoke: onRevoke, afterRevoke: afterRevoke)
    }

    /// The storage name of a token id or accessor: the time prefix an `OrderedID` carries, so
    /// that tokens made together are stored together, then the first 128 bits of its salted
    /// HMAC in hex. A token's name is written ten times over (its record, lease, index entries
    /// and their keys); the whole HMAC had made that a third of what a token stores.
    func hash(_ value: String) -> String { name(value, digits: 32) }

    /// The name of a token or accessor stored before names were shortened: the whole HMAC, 64
    /// digits. Such a token keeps its name, and every reader that starts from an id or accessor
    /// tries this one when the current one is not there.
    func legacyHash(_ value: String) -> String { name(value, digits: 64) }

    /// True for a name stored before names were shortened (at least 64 hex digits).
    static func isLegacy(_ name: String) -> Bool { name.utf8.count >= 64 }

    /// The time prefix and the first `digits` hex digits of the HMAC, written straight into the
    /// string: every request names its token, and every token create names two values.
    private func name(_ value: String, digits: Int) -> String {
        let locality = OrderedID.locality(of: value).utf8
        var text = value
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACKey.length) { digest in
            text.withUTF8 { hmac.mac(bytes: UnsafeRawBufferPointer($0), into: digest.baseAddress!) }
            return String(unsafeUninitializedCapacity: locality.count + digits) { out in
                var end = out.initialize(fromContentsOf: locality)
                let table: StaticString = "0123456789abcdef"
                for byte in digest.prefix(digits / 2) {
                    out[end] = table.utf8Start[Int(byte >> 4)]
                    out[end + 1] = table.utf8Start[Int(byte & 0x0F)]
                    end += 2
                }
                return end
            }
        }
    }

    /// The name the token `id` is stored under: its legacy name if only that exists, else the
    /// current one.
    func storedName(_ id: String) async throws -> String {
        let current = hash(id)
        if try await storage.get("id/" + current) != nil { return current }
        let legacy = legacyHash(id)
        return try await storage.get("id/" + legacy) != nil ? legacy : current
    }

    // MARK: Creating

    /// Stores a new token built from `template` and returns its id. The template's hash,
    /// accessor and cubbyhole are filled in here.
    /// `alsoWrite` adds writes (keys relative to the barrier's root) to the same atomic batch.
    func create(
        _ template: TokenRecord, id requestedID: String? = nil, alsoWrite: (TokenRecord) -> [StorageWrite] = { _ in [] }
    ) async throws -> (String, TokenRecord) {
        var record = template
        if record.type == .batch {
            record.name(idHash: "", accessor: "", cubbyholeID: nil)
            let sealed = try barrier.sealBlob(JSONWriter.encode(record.json()), context: Self.batchContext)
            let id = "hvb." + Base64URL.encode(sealed)
            record.idHash = hash(id)
            return (id, record)
        }
        let (id, prepared, writes) = prepare(record, id: requestedID)
        var taken = try await storage.get("id/" + prepared.idHash) != nil
        // A chosen id may name a token stored under its legacy name.
        if !taken, let requestedID { taken = try await storage.get("id/" + legacyHash(requestedID)) != nil }
        guard !taken else { throw CofferError.badRequest("a token with that id already exists") }
        try await barrier.write(writes + alsoWrite(prepared))
        return (id, prepared)
    }

    /// A new service token's id, its completed record, and the writes (keys relative to the
    /// barrier's root) that store it with its accessor and parent indexes.
    func prepare(_ template: TokenRecord, id requestedID: String? = nil) -> (String, TokenRecord, [StorageWrite]) {
        var record = template
        // The random parts of id, accessor and cubbyhole id in one draw from the system.
        let random = SecureRandom.base62Strings(3, length: OrderedID.randomLength)
        let time = OrderedID.timePrefix(record.creationTime)
        let id = requestedID ?? ("hvs." + time + random[0])
        record.name(idHash: hash(id), accessor: time + random[1], cubbyholeID: random[2])
        var writes: [StorageWrite] = [
            .put("id/" + record.idHash, record.encoded()),
            .put("accessor/" + hash(record.accessor), JSONWriter.encode(sortedMembers: [("accessor", .string(record.accessor)), ("id_hash", .string(record.idHash))])),
        ]
        if let parent = record.parentHash { writes.append(.put("parent/\(parent)/\(record.idHash)", [])) }
        return (id, record, storage.absolute(writes))
    }

    /// Stores the first root token at init (a random `hvs.` id unless dev mode names one).
    func createRoot(id: String? = nil, now: Double) async throws -> String {
        let template = TokenRecord(
            idHash: "", accessor: "", parentHash: nil, policies: ["root"], meta: [:], displayName: "root", numUses: 0,
            creationTime: now, creationTTL: 0, expireTime: nil, explicitMaxTTL: 0, period: 0, maxTTL: 0,
            path: "auth/token/root", renewable: false, type: .service, roleName: "", cubbyholeID: nil, boundCIDRs: []
        )
        return try await create(template, id: id).0
    }

    // MARK: Reading

    /// The live record for `id`: nil when unknown, expired, or (batch) its parent is gone.
    func lookup(_ id: String, now: Double) async throws -> TokenRecord? {
        guard !id.isEmpty else { return nil }
        if id.hasPrefix("hvb.") { return try await lookupBatch(id, now: now) }
        if let record = try await live(hash(id), now: now) { return record }
        return try await live(legacyHash(id), now: now)
    }

    /// The cached record, and the removal count to pass to `remember(_:unlessForgotten:)` when
    /// there is none and the record is read from storage.
    private func cached(_ idHash: String) -> (record: TokenRecord?, forgets: Int) {
        cache.withLock { ($0.records.get(idHash), $0.forgets) }
    }

    /// Caches a record this store has just written (it holds the record's latest state).
    private func remember(_ record: TokenRecord) {
        guard record.type == .service else { return }
        cache.withLock { $0.records.set(record.idHash, record) }
    }

    /// Caches a record read from storage, unless a removal happened since `forgets` was read.
    private func remember(_ record: TokenRecord, unlessForgotten forgets: Int) {
        guard record.type == .service else { return }
        cache.withLock { if $0.forgets == forgets { $0.records.set(record.idHash, record) } }
    }

    private func forget(_ idHash: String) {
        cache.withLock {
            $0.records.remove(idHash)
            $0.forgets &+= 1
        }
    }

    /// The live record stored under `idHash`, revoking it on the spot if it has expired.
    func live(_ idHash: String, now: Double) async throws -> TokenRecord? {
        var (found, forgets) = cached(idHash)
        if found == nil, let json = try await storage.getJSON("id/" + idHash), let loaded = TokenRecord(json: json) {
            remember(loaded, unlessForgotten: forgets)
            found = loaded
        }
        guard var record = found else { return nil }
        if record.isExpired(at: now) {
            try await revokeTree(idHash)
            return nil
        }
        // A negative use count marks a token whose last use is spent: it is as good as revoked,
        // except to the requests that spent its uses, whose handlers may look their caller up
        // again (lookup-self, a child token's parent). The last of them revokes it once it is
        // done, so a request refused meanwhile must not revoke it under them.
        let spending = record.numUses < 0 && Self.useInFlight == idHash
        if record.numUses < 0 && !spending { return nil }
        if spending { record.numUses = 0 }
        return record
    }

    /// The limited-use token the current request has spent a use of.
    @TaskLocal static var useInFlight: String?

    private func lookupBatch(_ id: String, now: Double) async throws -> TokenRecord? {
        guard let sealed = Base64URL.decode(String(id.dropFirst(4))),
            let plain = try barrier.openBlob(sealed, context: Self.batchContext),
            let json = try? JSONParser.parse(plain), var record = TokenRecord(json: json)
        else { return nil }
        if record.isExpired(at: now) { return nil }
        if let parent = record.parentHash, try await live(parent, now: now) == nil { return nil }
        record.idHash = hash(id)
        return record
    }

    func lookupAccessor(_ accessor: String, now: Double) async throws -> TokenRecord? {
        guard !accessor.isEmpty else { return nil }
        var found = try await storage.getJSON("accessor/" + hash(accessor))
        if found == nil { found = try await storage.getJSON("accessor/" + legacyHash(accessor)) }
        guard let idHash = found?.objectValue?["id_hash"]?.stringValue else { return nil }
        return try await live(idHash, now: now)
    }

    /// Every accessor, for `LIST auth/token/accessors`.
    func accessors() async throws -> [String] {
        var out = [String]()
        for key in try await storage.list(prefix: "accessor/") {
            if let accessor = try await storage.getJSON("accessor/" + key)?.objectValue?["accessor"]?.stringValue { out.append(accessor) }
        }
        return out.sorted()
    }

    // MARK: Changing

    func save(_ record: TokenRecord) async throws {
        guard record.type == .service else { return }
        try await storage.putJSON("id/" + record.idHash, record.json())
        remember(record)
    }

    /// Counts one use of a limited-use token; true when that was its last.
    func use(_ record: TokenRecord) async throws -> Bool {
        guard record.spendsUses else { return false }
        return try await KeyedLock.shared.withLock("token-use/" + record.idHash) {
            guard let json = try await storage.getJSON("id/" + record.idHash), var current = TokenRecord(json: json) else {
                throw CofferError.permissionDenied
            }
            // Spent by a request that got here first (they race between lookup and here):
            // this one may not run, or a token with N uses would serve N+1 requests.
            guard current.numUses > 0 else { throw CofferError.permissionDenied }
            current.numUses -= 1
            if current.numUses == 0 {
                // Keep the record for the request in flight; it is revoked right after.
                current.numUses = -1
            }
            try await storage.putJSON("id/" + current.idHash, current.json())
            remember(current)
            return current.numUses == -1
        }
    }

    /// Revokes a token and every token below it.
    func revokeTree(_ idHash: String) async throws {
        try await planRevocation([idHash], leasesSettled: [])([])
    }

    /// Reads everything revoking `roots` and their subtrees changes from one snapshot, and
    /// returns the commit that applies it in one batch, with extra writes (keys relative to the
    /// barrier's root): a page of expiring tokens costs one read hop and one commit, not several
    /// of each per token. `leasesSettled` names tokens whose own lease the caller forgets itself;
    /// `priority` says whether a request waits for the plan.
    func planRevocation(_ roots: [String], leasesSettled: Set<String>, priority: ReadPriority = .request) async throws -> ExpirationManager.Commit {
        // Forgotten before and after the commit, so a lookup racing the revocation cannot
        // put a record back into the cache.
        roots.forEach(forget)
        let (writes, revoked) = try await barrier.read(priority) { [self] root in
            try self.revocationWrites(roots, root: root, leasesSettled: leasesSettled)
        }
        return { [self] alsoWrite in
            try await barrier.write(writes + alsoWrite)
            revoked.forEach(forget)
            await afterRevoke()
        }
    }

    private func revocationWrites(_ roots: [String], root: any StorageReader, leasesSettled: Set<String>) throws -> ([StorageWrite], [String]) {
        let reader = root.below(storage.prefix)
        var local = [StorageWrite]()
        var external = [StorageWrite]()
        var revoked = [String]()
        var seen = Set<String>()
        var pending = roots
        while let idHash = pending.popLast() {
            guard seen.insert(idHash).inserted else { continue }
            for link in try reader.keys(below: "parent/\(idHash)/") {
                local.append(.delete(link))
                pending.append(String(link.dropFirst("parent/\(idHash)/".count)))
            }
            guard let json = try reader.getJSON("id/" + idHash), let record = TokenRecord(json: json) else { continue }
            external += try onRevoke(record, root, leasesSettled.contains(idHash))
            local.append(.delete("id/" + idHash))
            if !record.accessor.isEmpty {
                // A token and its accessor were named by the same scheme.
                local.append(.delete("accessor/" + (Self.isLegacy(idHash) ? legacyHash(record.accessor) : hash(record.accessor))))
            }
            if let parent = record.parentHash { local.append(.delete("parent/\(parent)/\(idHash)")) }
            revoked.append(idHash)
        }
        return (storage.absolute(local) + external, revoked)
    }

    /// Revokes a token but keeps its children, which become orphans.
    func revokeOrphan(_ idHash: String) async throws {
        for child in try await storage.list(prefix: "parent/\(idHash)/") {
            if let json = try await storage.getJSON("id/" + child), var record = TokenRecord(json: json) {
                record.parentHash = nil
                try await storage.write([.put("id/" + child, JSONWriter.encode(record.json())), .delete("parent/\(idHash)/\(child)")])
                remember(record)
            } else {
                try await storage.delete("parent/\(idHash)/\(child)")
            }
        }
        try await revokeTree(idHash)
    }

    /// Removes index entries that point at nothing and revokes tokens whose parent is gone.
    func tidy(now: Double) async throws -> Int {
        var cleaned = 0
        for key in try await storage.list(prefix: "accessor/") {
            guard let idHash = try await storage.getJSON("accessor/" + key)?.objectValue?["id_hash"]?.stringValue else { continue }
            if try await live(idHash, now: now) == nil {
                try await storage.delete("accessor/" + key)
                cleaned += 1
            }
        }
        for parentFolder in try await storage.list(prefix: "parent/") {
            let parent = String(parentFolder.dropLast())
            let parentAlive = try await live(parent, now: now) != nil
            for child in try await storage.list(prefix: "parent/" + parentFolder) {
                if !parentAlive {
                    try await revokeTree(child)
                    try await storage.delete("parent/\(parent)/\(child)")
                    cleaned += 1
                } else if try await storage.get("id/" + child) == nil {
                    try await storage.delete("parent/\(parent)/\(child)")
                    cleaned += 1
                }
            }
        }
        return cleaned
    }
}
