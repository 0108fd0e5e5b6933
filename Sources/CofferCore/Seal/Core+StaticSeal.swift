import CofferSDK
import Logging
import Synchronization

/// Starting without key holders: with a `seal "static"` stanza the server initialises with
/// recovery shares instead of unseal shares, and unseals itself whenever it starts.
extension Core {
    /// `sys/init` under a static seal: the recovery shares (none when 0) and the root token; the
    /// server stays unsealed.
    public func initializeStatic(recoveryShares: Int, recoveryThreshold: Int, rootTokenID: String? = nil) async throws -> InitResult {
        guard let keys = options.staticSeal else {
            throw CofferError.badRequest("parameters recovery_shares,recovery_threshold not applicable to seal type shamir")
        }
        guard (0...255).contains(recoveryShares), recoveryShares == 0 ? recoveryThreshold == 0 : (1...recoveryShares).contains(recoveryThreshold) else {
            throw CofferError.badRequest("invalid recovery configuration: recovery_threshold must be between 1 and recovery_shares (both 0 for no recovery keys)")
        }
        let parts = try await seals.initializeStatic(keys: keys, recoveryShares: recoveryShares, recoveryThreshold: recoveryThreshold)
        let root = try await writeFirstEntries(rootTokenID: rootTokenID)
        try await activate()
        logger.info("storage initialized with a static seal", metadata: ["recovery_shares": "\(recoveryShares)", "key_id": "\(keys.current.id)"])
        return InitResult(keys: parts, rootToken: root)
    }

    /// At start: unseals with the static key when storage is initialised. A key that does not
    /// open it leaves the server sealed, and says why in the log; false then.
    @discardableResult
    public func autoUnseal() async -> Bool {
        guard let keys = options.staticSeal else { return false }
        do {
            guard try await seals.config() != nil else {
                logger.info("storage is not initialized; waiting for sys/init (or the initialize stanza)")
                return false
            }
            try await seals.unsealStatic(keys: keys)
            if active.withLock({ $0 == nil }) { try await activate() }
            logger.info("vault is unsealed by the static seal", metadata: ["key_id": "\(keys.current.id)"])
            return true
        } catch let error as CofferError {
            logger.error("the static seal could not unseal storage; the server stays sealed", metadata: ["reason": "\(error.messages.joined(separator: "; "))"])
            return false
        } catch {
            logger.error("the static seal could not unseal storage; the server stays sealed", metadata: ["error_type": "\(type(of: error))"])
            return false
        }
    }
}
