import CofferCrypto
import CofferSDK

extension TransitKey {
    static let missingContext =
        "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key"

    /// The encryption key of `version` for `context`, plus the nonce HMAC key of convergent
    /// version 3; derived keys come from HKDF-SHA256 over the version's key, as Vault's do.
    func symmetricKey(version: Int, context: [UInt8], withNonceKey: Bool) throws -> (key: SecureBytes, nonceKey: [UInt8]?) {
        let entry = try self.version(version)
        guard derived else { return (entry.material, nil) }
        guard !context.isEmpty else { throw CofferError.badRequest(Self.missingContext) }
        let length = type.symmetricKeyLength
        let extra = withNonceKey ? 32 : 0
        let bytes = HKDF.sha256(secret: entry.material, info: context, length: length + extra)
        return (SecureBytes(copying: bytes.prefix(length)), withNonceKey ? Array(bytes.suffix(extra)) : nil)
    }

    /// Encrypts `plaintext` and returns `vault:vN:` + base64(nonce ‖ ciphertext ‖ tag).
    func encrypt(_ plaintext: [UInt8], version requested: Int64, context: [UInt8], associatedData: [UInt8]) throws -> (String, Int) {
        guard type.supportsEncryption else {
            throw CofferError.badRequest("message encryption not supported for key type \(type.rawValue)")
        }
        let number = try versionForWriting(requested, operation: "encryption")
        let entry = try version(number)
        if type.isRSA {
            guard associatedData.isEmpty else { throw CofferError.badRequest("key type \(type.rawValue) does not support associated_data") }
            do {
                let sealed = try entry.asymmetric().encryptOAEP(plaintext)
                return (TransitCiphertext.format(version: number, Base64.encode(sealed)), number)
            } catch let failure as CryptoFailure {
                throw CofferError.badRequest("failed to RSA encrypt the plaintext: \(failure.reason)")
            }
        }
        let convergentVersion = convergent ? entry.convergentVersion : 0
        let (key, nonceKey) = try symmetricKey(version: number, context: context, withNonceKey: convergentVersion >= 3)
        let nonce: [UInt8]
        switch convergentVersion {
        case 0: nonce = SecureRandom.publicBytes(12)  // published with the ciphertext; pooled, no system call each
        case 2: nonce = Array(HashAlgorithm.sha2_256.hmac(key: context, plaintext).prefix(12))
        default: nonce = Array(HashAlgorithm.sha2_256.hmac(key: nonceKey ?? [], plaintext).prefix(12))
        }
        let sealed: [UInt8]
        do {
            sealed = type == .chacha20
                ? try ChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
                : try AESGCM.seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
        } catch {
            throw CofferError(.internalError, "encryption failed")
        }
        return (TransitCiphertext.format(version: number, Base64.encode(nonce + sealed)), number)
    }

    /// Decrypts a `vault:vN:` ciphertext; returns the plaintext and the version it was under.
    func decrypt(_ ciphertext: String, context: [UInt8], associatedData: [UInt8]) throws -> ([UInt8], Int) {
        guard type.supportsEncryption else {
            throw CofferError.badRequest("message decryption not supported for key type \(type.rawValue)")
        }
        let (number, encoded) = try TransitCiphertext.parse(ciphertext, key: self, noun: "ciphertext")
        guard let decoded = Base64.decode(String(encoded)) else {
            throw CofferError.badRequest("invalid ciphertext: could not decode base64")
        }
        let entry = try version(number)
        if type.isRSA {
            guard associatedData.isEmpty else { throw CofferError.badRequest("key type \(type.rawValue) does not support associated_data") }
            do {
                return (try entry.asymmetric().decryptOAEP(decoded), number)
            } catch let failure as CryptoFailure {
                throw CofferError.badRequest("failed to RSA decrypt the ciphertext: \(failure.reason)")
            }
        }
        let (key, _) = try symmetricKey(version: number, context: context, withNonceKey: false)
        guard decoded.count >= 12 else { throw CofferError.badRequest("invalid ciphertext length") }
        let nonce = Array(decoded.prefix(12))
        let body = Array(decoded.dropFirst(12))
        let opened = type == .chacha20
            ? ChaCha20Poly1305.open(body, key: key, nonce: nonce, associatedData: associatedData)
            : AESGCM.open(body, key: key, nonce: nonce, associatedData: associatedData)
        guard let opened else {
            throw CofferError.badRequest(type == .chacha20 ? "chacha20poly1305: message authentication failed" : "cipher: message authentication failed")
        }
        return (opened, number)
    }
}
