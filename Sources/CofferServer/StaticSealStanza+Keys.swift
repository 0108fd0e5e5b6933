import CofferCore
import CofferCrypto
import Foundation

/// Loading the keys a `seal "static"` stanza refers to; apart from the stanza so that the
/// configuration parser (and its fuzz target) needs no cryptography.
extension StaticSealStanza {
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
