import CofferCrypto
import CofferSDK
import CofferStorage

/// The static seal: the root key (and the recovery key, when there is one) are kept in storage
/// wrapped by the configured key, outside the barrier, since they must be read while sealed.
extension SealManager {
    static let wrappedRootKeyPath = "core/static-seal/root-key"
    static let wrappedRecoveryKeyPath = "core/static-seal/recovery-key"

    /// Creates the keyring under a fresh root key wrapped by `keys`, and splits a recovery key
    /// into `recoveryShares` (none when 0). Leaves the barrier unsealed.
    func initializeStatic(keys: StaticSealKeys, recoveryShares: Int, recoveryThreshold: Int) async throws -> [[UInt8]] {
        guard try await config() == nil, try await !barrier.isInitialized() else {
            throw CofferError(.alreadyInitialized, "Vault is already initialized")
        }
        var parts = [[UInt8]]()
        var recovery: SecureBytes?
        if recoveryShares > 0 {
            let fresh = SecureBytes(randomCount: AEAD.keyLength)
            parts = try Self.split(fresh, shares: recoveryShares, threshold: recoveryThreshold)
            recovery = fresh
        }
        let root = SecureBytes(randomCount: AEAD.keyLength)
        // The wrapped keys go first: a crash before the keyring exists leaves storage that
        // `sys/init` simply initialises again.
        var writes: [StorageWrite] = [.put(Self.wrappedRootKeyPath, keys.wrap(root, purpose: "root-key"))]
        if let recovery { writes.append(.put(Self.wrappedRecoveryKeyPath, keys.wrap(recovery, purpose: "recovery-key"))) }
        try await physical.write(writes)
        try await barrier.initialize(rootKey: root)
        try await physical.put(SealConfig.path, SealConfig(kind: .static, shares: recoveryShares, threshold: recoveryThreshold).encoded())
        rootKey = root
        recoveryKey = recovery
        return parts
    }

    /// Opens the barrier with the root key the static key unwraps. A root key still wrapped by
    /// the previous key is rewrapped under the current one, completing a key rotation.
    func unsealStatic(keys: StaticSealKeys) async throws {
        guard let config = try await config() else { throw CofferError.badRequest("Vault is not initialized") }
        if !barrier.isSealed { return }
        guard config.kind == .static else {
            throw CofferError.badRequest(
                "storage was initialized with Shamir unseal keys, but the configuration has a seal \"static\" stanza; seal migration is not supported"
            )
        }
        guard let wrappedRoot = try await physical.get(Self.wrappedRootKeyPath) else {
            throw CofferError(.internalError, "static seal: the wrapped root key is missing from storage")
        }
        let (root, rootUnderPrevious) = try Self.unwrap(wrappedRoot, keys: keys, purpose: "root-key")
        var recovery: (value: SecureBytes, underPrevious: Bool)?
        if config.shares > 0 {
            guard let wrapped = try await physical.get(Self.wrappedRecoveryKeyPath) else {
                throw CofferError(.internalError, "static seal: the wrapped recovery key is missing from storage")
            }
            recovery = try Self.unwrap(wrapped, keys: keys, purpose: "recovery-key")
        }
        guard try await barrier.unseal(rootKey: root) else {
            throw CofferError(.internalError, "static seal: the unwrapped root key does not open the keyring")
        }
        if rootUnderPrevious || recovery?.underPrevious == true {
            var writes: [StorageWrite] = [.put(Self.wrappedRootKeyPath, keys.wrap(root, purpose: "root-key"))]
            if let recovery { writes.append(.put(Self.wrappedRecoveryKeyPath, keys.wrap(recovery.value, purpose: "recovery-key"))) }
            try await physical.write(writes)
        }
        rootKey = root
        recoveryKey = recovery?.value
        progress.reset()
    }

    /// Offers one recovery share; with the threshold reached and the recovery key rebuilt, the
    /// static key unseals. True when this share completed the unseal.
    func submitRecoveryShare(_ share: [UInt8], keys: StaticSealKeys) async throws -> Bool {
        guard let config = try await config() else { throw CofferError.badRequest("Vault is not initialized") }
        if !barrier.isSealed { return true }
        guard config.kind == .static, config.threshold > 0 else {
            throw CofferError.badRequest("this server was initialized without recovery keys: restart it to unseal with its static key")
        }
        let action = try offer(share, threshold: config.threshold)
        guard case .combine(let shares) = action else { return false }
        guard let wrapped = try await physical.get(Self.wrappedRecoveryKeyPath) else {
            throw CofferError(.internalError, "static seal: the wrapped recovery key is missing from storage")
        }
        let expected = try Self.unwrap(wrapped, keys: keys, purpose: "recovery-key").value
        guard let candidate = try? Shamir.combine(shares), candidate.constantTimeEquals(expected) else {
            throw CofferError.badRequest("invalid key: the shares do not reconstruct the recovery key; unseal progress was reset")
        }
        try await unsealStatic(keys: keys)
        return true
    }

    private static func unwrap(_ record: [UInt8], keys: StaticSealKeys, purpose: String) throws(CofferError) -> (value: SecureBytes, underPrevious: Bool) {
        do {
            return try keys.unwrap(record, purpose: purpose)
        } catch {
            switch error {
            case .unknownKeyID(let id):
                throw CofferError(
                    .internalError, "static seal: storage is sealed with key id \"\(id)\", which is neither current_key_id nor previous_key_id")
            case .wrongKey(let id):
                throw CofferError(.internalError, "static seal: the key configured as \"\(id)\" does not open the root key; it is not the key storage was sealed with")
            case .corrupt:
                throw CofferError(.internalError, "static seal: the wrapped \(purpose) in storage is corrupt")
            }
        }
    }

    static func split(_ secret: SecureBytes, shares: Int, threshold: Int) throws -> [[UInt8]] {
        do {
            return try Shamir.split(secret, parts: shares, threshold: threshold)
        } catch {
            switch error {
            case .invalidParameters(let message), .invalidShares(let message): throw CofferError.badRequest(message)
            }
        }
    }
}
