import CofferCrypto

/// The key types Transit offers, by Vault's names, and what each can do.
enum TransitKeyType: String, Sendable, CaseIterable {
    case aes128 = "aes128-gcm96"
    case aes256 = "aes256-gcm96"
    case chacha20 = "chacha20-poly1305"
    case ed25519 = "ed25519"
    case ecdsaP256 = "ecdsa-p256"
    case ecdsaP384 = "ecdsa-p384"
    case ecdsaP521 = "ecdsa-p521"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"
    case rsa4096 = "rsa-4096"
    case hmac = "hmac"

    var isSymmetricAEAD: Bool { self == .aes128 || self == .aes256 || self == .chacha20 }
    var isRSA: Bool { self == .rsa2048 || self == .rsa3072 || self == .rsa4096 }
    var isECDSA: Bool { curve != nil }

    var supportsEncryption: Bool { isSymmetricAEAD || isRSA }
    var supportsSigning: Bool { isRSA || isECDSA || self == .ed25519 }
    var supportsDerivation: Bool { isSymmetricAEAD || self == .ed25519 }

    /// Length of a symmetric key in bytes.
    var symmetricKeyLength: Int { self == .aes128 ? 16 : 32 }

    var curve: AsymmetricKey.Curve? {
        switch self {
        case .ecdsaP256: .p256
        case .ecdsaP384: .p384
        case .ecdsaP521: .p521
        default: nil
        }
    }

    var rsaBits: Int? {
        switch self {
        case .rsa2048: 2048
        case .rsa3072: 3072
        case .rsa4096: 4096
        default: nil
        }
    }

    /// The `name` Vault shows for an asymmetric key version.
    var displayName: String { curve?.rawValue ?? rawValue }
}
