import CofferCrypto
import CofferSDK
import CofferStorage

/// Serialises every seal transition (init, unseal, seal, rotate) and holds the root key while
/// unsealed, in locked memory. Requests never wait on it: they read the core's snapshot.
actor SealManager {
    let physical: any PhysicalStorage
    let barrier: Barrier
    var progress = UnsealProgress()
    var rootKey: SecureBytes?
    /// Under a static seal, the key the recovery shares reconstruct; they authorise root
    /// generation and unsealing after `sys/seal`, as the unseal shares do under Shamir.
    var recoveryKey: SecureBytes?
    /// A rekey under way: its shares so far, and the split it will make.
    var rekeyAttempt: (operation: KeyHolderOperation, shares: Int, threshold: Int, verify: Bool)?
    /// A root token generation under way, and the one-time pad its token will be sent under.
    var rootAttempt: (operation: KeyHolderOperation, otp: String)?
    /// New shares handed out by a rekey that asked for verification: they take effect only
    /// once a threshold of them comes back.
    var rekeyVerification: (operation: KeyHolderOperation, root: SecureBytes, shares: Int, threshold: Int)?

    init(physical: any PhysicalStorage, barrier: Barrier) {
        self.physical = physical
        self.barrier = barrier
    }

    func config() async throws -> SealConfig? {
        guard let bytes = try await physical.get(SealConfig.path) else { return nil }
        guard let config = SealConfig.decode(bytes) else { throw CofferError(.internalError, "seal configuration is corrupt") }
        return config
    }

    var progressCount: Int { progress.count }
    var nonce: String { progress.nonce }

    /// Creates the keyring and splits a fresh root key; leaves the barrier unsealed so the caller
    /// can write the first entries, then the caller seals (or, in dev mode, keeps it open).
    func initialize(shares: Int, threshold: Int) async throws -> [[UInt8]] {
        guard try await config() == nil, try await !barrier.isInitialized() else {
            throw CofferError(.alreadyInitialized, "Vault is already initialized")
        }
        let root = SecureBytes(randomCount: AEAD.keyLength)
        let parts = try Self.split(root, shares: shares, threshold: threshold)
        try await barrier.initialize(rootKey: root)
        try await physical.put(SealConfig.path, SealConfig(shares: shares, threshold: threshold).encoded())
        rootKey = root
        return parts
    }

    /// Adds `share` to the unseal in progress, with Vault's messages for a share of the wrong
    /// length or one already given; shared by the Shamir and the recovery-share unseal.
    func offer(_ share: [UInt8], threshold: Int) throws(CofferError) -> UnsealProgress.Action {
        do {
            return try progress.offer(share, threshold: threshold, newNonce: SecureRandom.uuid)
        } catch {
            switch error {
            case .wrongLength: throw CofferError.badRequest("invalid key: the share has the wrong length")
            case .duplicate: throw CofferError.badRequest("invalid key: this share was already provided")
            }
        }
    }

    /// Offers one share; true when this share completed the unseal.
    func submit(_ share: [UInt8]) async throws -> Bool {
        guard let config = try await config() else { throw CofferError(.badRequest, "Vault is not initialized") }
        if !barrier.isSealed { return true }
        guard config.kind == .shamir else {
            throw CofferError.badRequest("storage is sealed with a static key: configure the seal \"static\" stanza to unseal it")
        }
        let action = try offer(share, threshold: config.threshold)
        guard case .combine(let shares) = action else { return false }
        let candidate: SecureBytes
        do {
            candidate = try Shamir.combine(shares)
        } catch {
            throw CofferError.badRequest("invalid key: the shares could not be combined")
        }
        guard try await barrier.unseal(rootKey: candidate) else {
            throw CofferError.badRequest("invalid key: the shares do not reconstruct the root key; unseal progress was reset")
        }
        rootKey = candidate
        return true
    }

    func resetProgress() { progress.reset() }

    /// Reopens the stored keyring with the root key held since unseal: a node taking over
    /// from another must see the terms that node added.
    func reloadKeyring() async throws {
        guard let rootKey else { throw CofferError.sealed }
        guard try await barrier.unseal(rootKey: rootKey) else { throw CofferError(.internalError, "the stored keyring no longer opens with this node's root key") }
    }

    func seal() {
        barrier.seal()
        rootKey = nil
        recoveryKey = nil
        progress.reset()
        rekeyAttempt = nil
        rootAttempt = nil
        rekeyVerification = nil
    }

    /// True when `shares` reconstruct the key holders' key: the root key this server is unsealed
    /// with, or under a static seal the recovery key.
    func reconstructsRootKey(_ shares: [[UInt8]]) -> Bool {
        guard let expected = recoveryKey ?? rootKey, let candidate = try? Shamir.combine(shares) else { return false }
        return candidate.constantTimeEquals(expected)
    }

    /// A fresh root key and its split, not yet in use.
    func newSplit(shares: Int, threshold: Int) throws -> (root: SecureBytes, parts: [[UInt8]]) {
        let fresh = SecureBytes(randomCount: AEAD.keyLength)
        return (fresh, try Self.split(fresh, shares: shares, threshold: threshold))
    }

    /// Makes `root` the root key: the keyring is re-sealed under it and the share configuration
    /// stored in one commit.
    func install(root: SecureBytes, shares: Int, threshold: Int) async throws {
        await acquireKeyring()
        defer { releaseKeyring() }
        guard rootKey != nil, !barrier.isSealed else { throw CofferError.sealed }
        try await barrier.rekey(newRootKey: root, alongside: [.put(SealConfig.path, SealConfig(shares: shares, threshold: threshold).encoded())])
        // A seal that came in during the write keeps the server sealed and keyless.
        if !barrier.isSealed { rootKey = root }
    }

    /// Held across every change to the persisted keyring (rotate, rekey): the actor alone
    /// would let one interleave with the other at their storage writes. Handed from one
    /// holder to the next waiter, so no newcomer can slip in between.
    private var keyringBusy = false
    private var keyringWaiters: [CheckedContinuation<Void, Never>] = []

    private func acquireKeyring() async {
        if keyringBusy {
            await withCheckedContinuation { keyringWaiters.append($0) }
        } else {
            keyringBusy = true
        }
    }

    private func releaseKeyring() {
        if keyringWaiters.isEmpty {
            keyringBusy = false
        } else {
            keyringWaiters.removeFirst().resume()
        }
    }

    func rotate() async throws -> (term: UInt32, installTime: UInt64) {
        await acquireKeyring()
        defer { releaseKeyring() }
        // Read under the lock: a rekey that finished while this waited changed it.
        guard let rootKey, !barrier.isSealed else { throw CofferError.sealed }
        return try await barrier.rotate(rootKey: rootKey)
    }
}
