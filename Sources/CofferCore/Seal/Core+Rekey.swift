import CofferCrypto
import CofferSDK
import Logging

/// `sys/rekey/*`: the key holders replace the root key and its shares, for a new split or
/// after a holder left; the old shares stop working. Vault's flow: init (the new split), then
/// a threshold of current shares, each naming the attempt's nonce.
extension Core {
    /// `GET sys/rekey/init`.
    public func rekeyStatus() async throws -> JSONObject {
        guard let config = try await seals.config() else { throw CofferError.badRequest("Vault is not initialized") }
        _ = try unsealed()
        guard let attempt = await seals.rekeyAttempt else {
            return Self.rekeyJSON(nonce: "", started: false, shares: 0, threshold: 0, progress: 0, required: config.threshold, verify: false)
        }
        return Self.rekeyJSON(
            nonce: attempt.operation.nonce, started: true, shares: attempt.shares, threshold: attempt.threshold,
            progress: attempt.operation.count, required: config.threshold, verify: attempt.verify
        )
    }

    /// `PUT sys/rekey/init`: starts an attempt for a new split, to be verified with the new
    /// shares before it takes effect when `verify` is set.
    public func startRekey(shares: Int, threshold: Int, verify: Bool = false) async throws -> JSONObject {
        guard try await seals.config() != nil else { throw CofferError.badRequest("Vault is not initialized") }
        if options.staticSeal != nil {
            throw CofferError.badRequest("rekeying the root key is not supported with seal type static: the configured key protects it")
        }
        _ = try unsealed()
        guard await seals.rekeyAttempt == nil else { throw CofferError.badRequest("rekey already in progress") }
        guard (1...255).contains(shares) else { throw CofferError.badRequest("invalid seal configuration: secret_shares must be between 1 and 255") }
        guard (1...shares).contains(threshold), threshold > 1 || shares == 1 else {
            throw CofferError.badRequest("invalid seal configuration: secret_threshold must be between 2 and secret_shares (or 1 with a single share)")
        }
        await seals.setRekey((KeyHolderOperation(nonce: SecureRandom.uuid()), shares, threshold, verify))
        return try await rekeyStatus()
    }

    /// `DELETE sys/rekey/init`.
    public func cancelRekey() async throws {
        _ = try unsealed()
        await seals.setRekey(nil)
    }

    /// `PUT sys/rekey/update`: one current share; with the threshold reached and verified, the
    /// root key is replaced and the new shares returned, once.
    public func submitRekeyShare(key: String?, nonce: String?) async throws -> JSONObject {
        guard let config = try await seals.config() else { throw CofferError.badRequest("Vault is not initialized") }
        _ = try unsealed()
        guard let key, !key.isEmpty, let share = Self.decodeShare(key) else {
            throw CofferError.badRequest("'key' must be a valid hex or base64 string")
        }
        let (attempt, shares) = try await seals.offerToRekey(share, nonce: nonce, threshold: config.threshold)
        guard let shares else { return try await rekeyStatus() }
        guard await seals.reconstructsRootKey(shares) else {
            throw CofferError.badRequest("the shares given do not reconstruct the root key; the rekey attempt was cancelled")
        }
        let (root, parts) = try await seals.newSplit(shares: attempt.shares, threshold: attempt.threshold)
        var verificationNonce = ""
        if attempt.verify {
            verificationNonce = SecureRandom.uuid()
            await seals.setVerification((KeyHolderOperation(nonce: verificationNonce), root, attempt.shares, attempt.threshold))
        } else {
            try await seals.install(root: root, shares: attempt.shares, threshold: attempt.threshold)
            logger.info("root key replaced by a rekey", metadata: ["shares": "\(attempt.shares)", "threshold": "\(attempt.threshold)"])
        }
        return [
            "nonce": .string(attempt.operation.nonce), "complete": true,
            "keys": .strings(parts.map { Hex.encode($0) }), "keys_base64": .strings(parts.map { Base64.encode($0) }),
            "pgp_fingerprints": .null, "backup": false, "verification_required": .bool(attempt.verify),
            "verification_nonce": .string(verificationNonce),
        ]
    }

    /// `GET sys/rekey/verify`.
    public func rekeyVerificationStatus() async throws -> JSONObject {
        _ = try unsealed()
        guard let pending = await seals.rekeyVerification else { throw CofferError.badRequest("no rekey verification in progress") }
        return Self.verificationJSON(pending.operation, shares: pending.shares, threshold: pending.threshold)
    }

    /// `DELETE sys/rekey/verify`: starts the verification over, under a new nonce.
    public func restartRekeyVerification() async throws -> JSONObject {
        _ = try unsealed()
        guard var pending = await seals.rekeyVerification else { throw CofferError.badRequest("no rekey verification in progress") }
        pending.operation = KeyHolderOperation(nonce: SecureRandom.uuid())
        await seals.setVerification(pending)
        return Self.verificationJSON(pending.operation, shares: pending.shares, threshold: pending.threshold)
    }

    /// `PUT sys/rekey/verify`: one of the new shares; a threshold of them that reconstructs the
    /// new root key puts it in use.
    public func submitRekeyVerification(key: String?, nonce: String?) async throws -> JSONObject {
        _ = try unsealed()
        guard let key, !key.isEmpty, let share = Self.decodeShare(key) else {
            throw CofferError.badRequest("'key' must be a valid hex or base64 string")
        }
        let (pending, shares) = try await seals.offerToVerification(share, nonce: nonce)
        guard let shares else { return Self.verificationJSON(pending.operation, shares: pending.shares, threshold: pending.threshold) }
        guard let candidate = try? Shamir.combine(shares), candidate.constantTimeEquals(pending.root) else {
            await seals.setVerification((KeyHolderOperation(nonce: SecureRandom.uuid()), pending.root, pending.shares, pending.threshold))
            throw CofferError.badRequest("the shares given do not reconstruct the new root key; verification starts over")
        }
        try await seals.install(root: pending.root, shares: pending.shares, threshold: pending.threshold)
        logger.info("root key replaced by a verified rekey", metadata: ["shares": "\(pending.shares)", "threshold": "\(pending.threshold)"])
        return ["nonce": .string(pending.operation.nonce), "complete": true]
    }

    static func verificationJSON(_ operation: KeyHolderOperation, shares: Int, threshold: Int) -> JSONObject {
        ["nonce": .string(operation.nonce), "started": true, "t": .int(Int64(threshold)), "n": .int(Int64(shares)), "progress": .int(Int64(operation.count))]
    }

    /// Adds a share to a key-holder operation, as a 400 naming what was wrong.
    static func offer(_ share: [UInt8], nonce: String?, to operation: inout KeyHolderOperation, threshold: Int) throws -> [[UInt8]]? {
        do {
            return try operation.offer(share, nonce: nonce ?? "", threshold: threshold)
        } catch {
            switch error {
            case .wrongNonce: throw CofferError.badRequest("nonce must be provided and match the attempt in progress")
            case .wrongLength: throw CofferError.badRequest("invalid key: the share has the wrong length")
            case .duplicate: throw CofferError.badRequest("invalid key: this share was already provided")
            }
        }
    }

    static func rekeyJSON(nonce: String, started: Bool, shares: Int, threshold: Int, progress: Int, required: Int, verify: Bool) -> JSONObject {
        [
            "nonce": .string(nonce), "started": .bool(started), "t": .int(Int64(threshold)), "n": .int(Int64(shares)),
            "progress": .int(Int64(progress)), "required": .int(Int64(required)), "pgp_fingerprints": .null, "backup": false,
            "verification_required": .bool(verify),
        ]
    }
}

extension SealManager {
    func setRekey(_ attempt: (operation: KeyHolderOperation, shares: Int, threshold: Int, verify: Bool)?) { rekeyAttempt = attempt }
    func setVerification(_ pending: (operation: KeyHolderOperation, root: SecureBytes, shares: Int, threshold: Int)?) { rekeyVerification = pending }

    /// Adds one of the new shares to the verification under way, with the new threshold.
    func offerToVerification(_ share: [UInt8], nonce: String?) throws -> ((operation: KeyHolderOperation, root: SecureBytes, shares: Int, threshold: Int), [[UInt8]]?) {
        guard var pending = rekeyVerification else { throw CofferError.badRequest("no rekey verification in progress") }
        let shares = try Core.offer(share, nonce: nonce, to: &pending.operation, threshold: pending.threshold)
        rekeyVerification = shares == nil ? pending : nil
        return (pending, shares)
    }
    func setRootAttempt(_ attempt: (operation: KeyHolderOperation, otp: String)?) { rootAttempt = attempt }

    /// Adds a share to the rekey under way, inside the actor so concurrent shares all count;
    /// once the threshold is in, the attempt ends and its shares are returned.
    func offerToRekey(_ share: [UInt8], nonce: String?, threshold: Int) throws -> ((operation: KeyHolderOperation, shares: Int, threshold: Int, verify: Bool), [[UInt8]]?) {
        guard var attempt = rekeyAttempt else { throw CofferError.badRequest("no rekey in progress") }
        let shares = try Core.offer(share, nonce: nonce, to: &attempt.operation, threshold: threshold)
        rekeyAttempt = shares == nil ? attempt : nil
        return (attempt, shares)
    }

    /// The same for a root token generation.
    func offerToRootGeneration(_ share: [UInt8], nonce: String?, threshold: Int) throws -> ((operation: KeyHolderOperation, otp: String), [[UInt8]]?) {
        guard var attempt = rootAttempt else { throw CofferError.badRequest("no root generation in progress") }
        let shares = try Core.offer(share, nonce: nonce, to: &attempt.operation, threshold: threshold)
        rootAttempt = shares == nil ? attempt : nil
        return (attempt, shares)
    }
}
