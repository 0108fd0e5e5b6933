import CofferCrypto
import CofferSDK
import CoreMetrics
import Synchronization

/// The encryption layer between the core and physical storage: every value is sealed with
/// XChaCha20-Poly1305 under the keyring's active term, with its storage key as associated data,
/// so a value copied to another key no longer opens.
///
/// The keyring itself is stored at `core/keyring`, sealed by the root key that Shamir's scheme
/// splits. Values are laid out as: version byte, term (4 bytes, big-endian), nonce ‖ ciphertext ‖ tag.
public final class Barrier: Storage {
    /// Where the sealed keyring lives in physical storage.
    public static let keyringPath = "core/keyring"
    private static let version: UInt8 = 1

    private let physical: any PhysicalStorage
    private let keyring = Mutex<Keyring?>(nil)
    private let clock: @Sendable () -> UInt64
    /// `vault.barrier.*`: each operation, encryption included.
    private let timers: StorageTimers?
    /// `vault.<storage type>.*`: the physical store's part of it.
    private let physicalTimers: StorageTimers?

    /// Creates a sealed barrier over `physical`; with a metrics factory it times every operation.
    public init(physical: any PhysicalStorage, clock: @escaping @Sendable () -> UInt64, metrics: (any MetricsFactory)? = nil) {
        self.physical = physical
        self.clock = clock
        timers = metrics.map { StorageTimers(prefix: "vault.barrier", factory: $0) }
        // Memory is never what is slow: the dev server's store is not timed on its own.
        // Vault's own names: vault.postgres.get for its PostgreSQL backend.
        let name = physical.typeName == "postgresql" ? "postgres" : physical.typeName
        physicalTimers = physical.typeName == "inmem" ? nil : metrics.map { StorageTimers(prefix: "vault." + name, factory: $0) }
    }

    /// `body`, timed when metrics are on.
    @inline(__always)
    private func timed<T>(_ recorder: Recorder?, _ body: () async throws -> T) async rethrows -> T {
        guard let recorder else { return try await body() }
        return try await recorder.time(body)
    }

    /// True once `initialize` has stored a keyring.
    public func isInitialized() async throws -> Bool {
        try await physical.get(Self.keyringPath) != nil
    }

    /// True while no keyring is loaded.
    public var isSealed: Bool { keyring.withLock { $0 == nil } }

    /// Creates the first keyring, sealed by `rootKey`, and leaves the barrier unsealed.
    public func initialize(rootKey: SecureBytes) async throws {
        guard try await !isInitialized() else { throw CofferError(.alreadyInitialized, "Vault is already initialized") }
        let fresh = Keyring.fresh(now: clock())
        try await persist(fresh, rootKey: rootKey)
        keyring.withLock { $0 = fresh }
    }

    /// Opens the keyring with `rootKey`; false when the key is wrong.
    public func unseal(rootKey: SecureBytes) async throws -> Bool {
        guard let sealed = try await physical.get(Self.keyringPath) else {
            throw CofferError(.notInitialized, "Vault is not initialized")
        }
        guard rootKey.count == AEAD.keyLength,
            let plain = AEAD.openSecure(sealed, key: rootKey, associatedData: Array(Self.keyringPath.utf8)),
            let loaded = Keyring.deserialize(plain)
        else { return false }
        keyring.withLock { $0 = loaded }
        return true
    }

    /// Forgets the keyring; storage is unreadable until the next unseal.
    public func seal() {
        keyring.withLock { $0 = nil }
    }

    /// Adds a new term that encrypts from now on; older terms still decrypt. Needs the root key
    /// to re-seal the keyring.
    public func rotate(rootKey: SecureBytes) async throws -> (term: UInt32, installTime: UInt64) {
        let current = try loaded()
        let next = current.rotated(now: clock())
        try await persist(next, rootKey: rootKey)
        keyring.withLock { $0 = next }
        return (next.activeTerm, next.active.installTime)
    }

    /// Re-seals the keyring under `newRootKey` in the same commit as `alongside` (the new
    /// share configuration), so a crash leaves either the old root key and shares or the new.
    public func rekey(newRootKey: SecureBytes, alongside: [StorageWrite]) async throws {
        let current = try loaded()
        let sealed = AEAD.seal(secure: current.serialized(), key: newRootKey, associatedData: Array(Self.keyringPath.utf8))
        try await physical.write([.put(Self.keyringPath, sealed)] + alongside)
    }

    /// The active term and when it was installed.
    public func keyStatus() throws -> (term: UInt32, installTime: UInt64) {
        let current = try loaded()
        return (current.activeTerm, current.active.installTime)
    }

    private func persist(_ ring: Keyring, rootKey: SecureBytes) async throws {
        let sealed = AEAD.seal(secure: ring.serialized(), key: rootKey, associatedData: Array(Self.keyringPath.utf8))
        try await physical.put(Self.keyringPath, sealed)
    }

    private func loaded() throws -> Keyring {
        guard let current = keyring.withLock({ $0 }) else { throw CofferError.sealed }
        return current
    }

    func encrypt(_ key: String, _ value: [UInt8]) throws -> [UInt8] {
        let term = try loaded().active
        var out = [Self.version]
        out += Keyring.be32(term.number)
        out += AEAD.seal(value, key: term.key, associatedData: Array(key.utf8))
        return out
    }

    func decrypt(_ key: String, _ stored: [UInt8]) throws -> [UInt8] {
        let ring = try loaded()
        guard stored.count > 5, stored[0] == Self.version else {
            throw CofferError(.internalError, "stored entry has an unknown format")
        }
        let number = Keyring.readBE32(stored, 1)
        guard let term = ring.terms[number],
            let plain = AEAD.open(stored[5...], key: term.key, associatedData: Array(key.utf8))
        else { throw CofferError(.internalError, "stored entry failed authentication") }
        return plain
    }

    private func checkUserKey(_ key: String) throws {
        if key == Self.keyringPath { throw CofferError.permissionDenied }
    }

    /// Timed as `timed` would, but without its closures: each was an async frame of its own on
    /// the hottest path, and with the event-loop executor preference every such frame costs a
    /// look-up of the task's preferred executor, under a lock, on entry and return.
    public func get(_ key: String) async throws -> [UInt8]? {
        try checkUserKey(key)
        _ = try loaded()
        let started: ContinuousClock.Instant? = timers == nil ? nil : .now
        defer { if let started { timers?.get.recordMilliseconds(since: started) } }
        let physicalStarted: ContinuousClock.Instant? = physicalTimers == nil ? nil : .now
        let stored: [UInt8]?
        do {
            stored = try await physical.get(key)
        } catch {
            if let physicalStarted { physicalTimers?.get.recordMilliseconds(since: physicalStarted) }
            throw error
        }
        if let physicalStarted { physicalTimers?.get.recordMilliseconds(since: physicalStarted) }
        guard let stored else { return nil }
        return try decrypt(key, stored)
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        try checkUserKey(key)
        try await timed(timers?.put) {
            let sealed = try encrypt(key, value)
            try await timed(physicalTimers?.put) { try await physical.put(key, sealed) }
        }
    }

    public func delete(_ key: String) async throws {
        try checkUserKey(key)
        _ = try loaded()
        try await timed(timers?.delete) {
            try await timed(physicalTimers?.delete) { try await physical.delete(key) }
        }
    }

    public func list(prefix: String) async throws -> [String] {
        _ = try loaded()
        return try await timed(timers?.list) {
            try await timed(physicalTimers?.list) { try await physical.list(prefix: prefix) }
        }
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        _ = try loaded()
        return try await physical.scan(prefix: prefix, after: after, limit: limit)
    }

    public func count(prefix: String) async throws -> Int {
        _ = try loaded()
        return try await physical.count(prefix: prefix)
    }

    public func read<T: Sendable>(_ priority: ReadPriority, _ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T {
        _ = try loaded()
        return try await physical.read(priority) { reader in try body(OpeningReader(physical: reader, barrier: self)) }
    }

    /// A batch is timed as one `put`: Vault's transactions are too.
    public func write(_ batch: [StorageWrite]) async throws {
        try await timed(timers?.put) {
            var sealed = [StorageWrite]()
            sealed.reserveCapacity(batch.count)
            for change in batch {
                try checkUserKey(change.key)
                switch change {
                case .put(let key, let value): sealed.append(.put(key, try encrypt(key, value)))
                case .delete(let key): sealed.append(.delete(key))
                }
            }
            try await timed(physicalTimers?.put) { try await physical.write(sealed) }
        }
    }
}

/// Reads through the barrier inside a snapshot: values come back decrypted.
private struct OpeningReader: StorageReader {
    let physical: any StorageReader
    let barrier: Barrier

    func get(_ key: String) throws -> [UInt8]? {
        if key == Barrier.keyringPath { throw CofferError.permissionDenied }
        return try physical.get(key).map { try barrier.decrypt(key, $0) }
    }

    func scan(prefix: String, after: String?, limit: Int) throws -> [String] {
        try physical.scan(prefix: prefix, after: after, limit: limit)
    }
}

extension Barrier {
    /// Seals a value that lives outside storage (a batch token) under the active keyring term;
    /// `context` binds it to its use, so a blob made for one purpose cannot serve another.
    public func sealBlob(_ plaintext: [UInt8], context: String) throws -> [UInt8] {
        try encrypt("blob/" + context, plaintext)
    }

    /// Opens a blob from `sealBlob`; nil when it was forged, altered, or made for another context.
    public func openBlob(_ sealed: [UInt8], context: String) throws -> [UInt8]? {
        do {
            return try decrypt("blob/" + context, sealed)
        } catch let error as CofferError where error.code == .sealed {
            throw error
        } catch {
            return nil
        }
    }
}
