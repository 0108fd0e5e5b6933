import CofferCrypto
import CofferSDK

/// One version of a Transit key: its material, a separate HMAC key, and when it was made.
///
/// `material` is the symmetric key, the HMAC key of an `hmac` key, the 64-byte Ed25519 private
/// key, or the DER private key of RSA and ECDSA keys.
struct TransitKeyVersion: Sendable {
    var material: SecureBytes
    var hmacKey: SecureBytes
    var created: Double
    /// PEM for RSA and ECDSA, base64 for Ed25519, empty otherwise.
    var publicKey: String
    /// For convergent keys, the scheme that derives the nonce (3: HMAC under a derived key).
    var convergentVersion: Int

    /// Generates a fresh version of `type`.
    static func generate(_ type: TransitKeyType, keySize: Int, convergent: Bool, now: Double) throws -> TransitKeyVersion {
        let material: SecureBytes
        var publicKey = ""
        switch type {
        case .aes128, .aes256, .chacha20:
            material = SecureBytes(randomCount: type.symmetricKeyLength)
        case .hmac:
            material = SecureBytes(randomCount: keySize)
        case .ed25519:
            material = Ed25519.generate()
            publicKey = Base64.encode(try Ed25519.publicKey(of: material))
        case .ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa2048, .rsa3072, .rsa4096:
            let kind = type.curve.map { AsymmetricKey.Kind.ec($0) } ?? AsymmetricKey.Kind.rsa(bits: type.rsaBits ?? 2048)
            let pair = try AsymmetricKey.generate(kind)
            material = try pair.privateKeyDER()
            publicKey = PEM.encode(try pair.publicKeyDER(), label: "PUBLIC KEY")
        }
        return TransitKeyVersion(
            material: material, hmacKey: SecureBytes(randomCount: 32), created: now, publicKey: publicKey,
            convergentVersion: convergent ? 3 : 0
        )
    }

    func stored() -> JSONObject {
        [
            "key": .string(Base64.encode(material.exportBytes())), "hmac_key": .string(Base64.encode(hmacKey.exportBytes())),
            "time": .double(created), "public_key": .string(publicKey), "convergent_version": .int(Int64(convergentVersion)),
        ]
    }

    init(material: SecureBytes, hmacKey: SecureBytes, created: Double, publicKey: String, convergentVersion: Int) {
        self.material = material
        self.hmacKey = hmacKey
        self.created = created
        self.publicKey = publicKey
        self.convergentVersion = convergentVersion
    }

    init(stored: JSONObject) throws {
        guard let key = stored["key"]?.stringValue.flatMap(Base64.decode), !key.isEmpty,
            let hmac = stored["hmac_key"]?.stringValue.flatMap(Base64.decode), !hmac.isEmpty,
            let created = stored["time"]?.doubleValue
        else { throw CofferError(.internalError, "stored key is corrupt") }
        material = SecureBytes(copying: key)
        hmacKey = SecureBytes(copying: hmac)
        self.created = created
        publicKey = stored["public_key"]?.stringValue ?? ""
        convergentVersion = Int(clamping: stored["convergent_version"]?.intValue ?? 0)
    }

    /// True when the material has the shape `type` needs: restored backups are outside input.
    func isValid(for type: TransitKeyType, keySize: Int) -> Bool {
        switch type {
        case .aes128, .aes256, .chacha20: return material.count == type.symmetricKeyLength
        case .hmac: return material.count == keySize && TransitKey.hmacKeySizes.contains(keySize)
        case .ed25519: return material.count == Ed25519.privateKeyLength
        default:
            guard let pair = try? AsymmetricKey(privateKeyDER: material) else { return false }
            return type.rsaBits.map { pair.bits == $0 } ?? true
        }
    }

    /// The RSA or ECDSA key pair.
    func asymmetric() throws -> AsymmetricKey {
        do {
            return try AsymmetricKey(privateKeyDER: material)
        } catch {
            throw CofferError(.internalError, "stored key is corrupt")
        }
    }
}
