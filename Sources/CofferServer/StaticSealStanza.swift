import CofferHCL
import Foundation

/// `seal "static" { current_key_id, current_key, previous_key_id, previous_key }`, as OpenBao
/// documents it. Keys are references: `env://NAME`, `file://PATH`, or the key itself in hex or
/// base64; a file may also hold the 32 raw bytes `openssl rand -out FILE 32` writes.
public struct StaticSealStanza: Sendable, Equatable {
    /// The current key's permanent name.
    public var currentKeyID: String
    /// Where the current key comes from.
    public var currentKey: String
    /// The key storage may still be sealed with, during a rotation.
    public var previousKeyID: String?
    /// See `previousKeyID`.
    public var previousKey: String?
}

extension ConfigDecoder {
    func seal(_ item: HCLItem) throws(ConfigError) -> StaticSealStanza {
        let blocks = try labelled(item)
        guard blocks.count == 1 else { throw fail(item, "only one seal type may be given") }
        let (type, body, at) = blocks[0]
        guard type == "static" else {
            throw fail(at, "unsupported seal type \"\(type)\"; coffer supports \"static\" (or no seal stanza, for Shamir unseal keys)")
        }
        var fields = [String: String]()
        for field in body.items {
            switch field.key {
            case "current_key_id", "current_key", "previous_key_id", "previous_key": fields[field.key] = try string(field)
            case "disabled":
                if try bool(field) { throw fail(field, "seal migration is not supported: a disabled seal cannot be used") }
            default: throw fail(field, "unknown static seal option \"\(field.key)\"")
            }
        }
        guard let currentID = fields["current_key_id"], !currentID.isEmpty, let current = fields["current_key"], !current.isEmpty else {
            throw fail(at, "seal \"static\" needs current_key_id and current_key")
        }
        if (fields["previous_key"] == nil) != (fields["previous_key_id"] == nil) {
            throw fail(at, "seal \"static\": previous_key and previous_key_id go together")
        }
        if fields["previous_key_id"] == currentID { throw fail(at, "seal \"static\": previous_key_id must differ from current_key_id") }
        return StaticSealStanza(currentKeyID: currentID, currentKey: current, previousKeyID: fields["previous_key_id"], previousKey: fields["previous_key"])
    }
}
