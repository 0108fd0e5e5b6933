import CofferCrypto
import CofferSDK

/// HMACs every string value in audit data with the device's salt, as Vault does, so the file
/// never holds a secret or token in the clear while an operator can still match a known value
/// (through `sys/audit-hash`).
struct AuditHasher: Sendable {
    let key: HMACKey
    let raw: Bool
    /// The device's rendered `auth` members of recent callers.
    let callers = AuditCallerCache()

    init(salt: SecureBytes, raw: Bool) {
        key = HMACKey(salt)
        self.raw = raw
    }

    func hash(_ text: String) -> String {
        raw ? text : "hmac-sha256:" + Hex.encode(key.mac(text))
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
