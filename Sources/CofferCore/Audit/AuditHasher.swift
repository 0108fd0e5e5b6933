import CofferCrypto
import CofferSDK

/// HMACs every string value in audit data with the device's salt, as Vault does, so the file
/// never holds a secret or token in the clear while an operator can still match a known value
/// (through `sys/audit-hash`).
struct AuditHasher: Sendable {
    let salt: SecureBytes
    let raw: Bool

    func hash(_ text: String) -> String {
        raw ? text : "hmac-sha256:" + Hex.encode(Digest.hmacSHA256(key: salt, Array(text.utf8)))
    }

    func hash(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): .string(hash(s))
        case .array(let items): .array(items.map(hash))
        case .object(let object): .object(object.mapValues(hash))
        default: value
        }
    }
}
