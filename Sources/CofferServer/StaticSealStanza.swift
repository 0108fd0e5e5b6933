import CofferCore
import CofferCrypto
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

    /// Reads the keys. Errors name the reference, never the key.
    public func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> StaticSealKeys {
        let current = try Self.key(id: currentKeyID, reference: currentKey, field: "current_key", environment: environment)
        var previous: StaticSealKeys.Key?
        if let previousKeyID, let previousKey {
            previous = try Self.key(id: previousKeyID, reference: previousKey, field: "previous_key", environment: environment)
        }
        return StaticSealKeys(current: current, previous: previous)
    }

    private static func key(id: String, reference: String, field: String, environment: [String: String]) throws(ConfigError) -> StaticSealKeys.Key {
        let bytes: [UInt8]
        var rawAllowed = false
        if reference.hasPrefix("env://") {
            let name = String(reference.dropFirst(6))
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigError(description: "seal \"static\": \(field) refers to the environment variable \(name), which is not set")
            }
            bytes = Array(value.utf8)
        } else if reference.hasPrefix("file://") {
            let path = String(reference.dropFirst(7))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(description: "seal \"static\": \(field) refers to the file \(path), which cannot be read")
            }
            bytes = Array(data)
            rawAllowed = true
        } else {
            bytes = Array(reference.utf8)
        }
        guard let material = decode(bytes, rawAllowed: rawAllowed), let key = StaticSealKeys.Key(id: id, material: material) else {
            throw ConfigError(description: "seal \"static\": \(field) must be a 32-byte key, given in hex or base64\(rawAllowed ? " or as 32 raw bytes" : "")")
        }
        return key
    }

    private static func decode(_ bytes: [UInt8], rawAllowed: Bool) -> SecureBytes? {
        if rawAllowed, bytes.count == AEAD.keyLength { return SecureBytes(copying: bytes) }
        guard let text = String(bytes: bytes, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        if text.count == 2 * AEAD.keyLength, let hex = Hex.decode(text) { return SecureBytes(copying: hex) }
        if let decoded = Base64.decode(text), decoded.count == AEAD.keyLength { return SecureBytes(copying: decoded) }
        return nil
    }
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
