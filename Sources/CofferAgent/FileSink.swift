import CofferCrypto
import CofferSDK
import Foundation

/// `sink "file"`: writes the token (no trailing newline) to a file with the configured mode,
/// atomically so readers never see half a token. With `wrap_ttl` the file holds the wrapping
/// information instead of the token; with `dh_type = "curve25519"` its content is encrypted for
/// the holder of the private key matching `dh_path`'s public key.
struct FileSink: Sendable {
    let config: AgentConfig.Sink

    func write(_ token: String, http: AgentHTTP) async throws {
        var content = Array(token.utf8)
        if let wrapTTL = config.wrapTTL {
            let response = try await http.call("POST", "sys/wrapping/wrap", token: token, body: ["token": .string(token)], wrapTTL: wrapTTL)
            guard let wrapInfo = response["wrap_info"], !wrapInfo.isNull else {
                throw AuthFailure(description: "\(config.location): the server did not wrap the token for the sink")
            }
            content = JSONWriter.encode(wrapInfo)
        }
        if config.dhType != nil, let dhPath = config.dhPath {
            content = try DHEnvelope.seal(content, remotePublicKeyFile: dhPath, aad: config.aad ?? "", deriveKey: config.deriveKey, location: config.location)
        }
        try AtomicFile.replace(content, at: config.path, mode: config.mode, createDirectories: false)
    }
}

/// Vault Agent's encrypted sink format (its `dhutil`): an X25519 exchange with the reader's
/// public key; the shared secret is the AES-256-GCM key, or with `derive_key` the key is
/// HKDF-SHA256 of it with the lower public key (bytewise) as salt and the higher as info, so
/// both sides arrive at it; the envelope is
/// `{"curve25519_public_key": …, "nonce": …, "encrypted_payload": …}` (base64 fields).
enum DHEnvelope {
    /// The AES key both sides compute.
    static func key(shared: SecureBytes, ourPublic: [UInt8], theirPublic: [UInt8], derive: Bool) throws -> SecureBytes {
        guard derive else { return shared }
        guard ourPublic != theirPublic else { throw AuthFailure(description: "the same public key was supplied for both sides") }
        let (low, high) = ourPublic.lexicographicallyPrecedes(theirPublic) ? (ourPublic, theirPublic) : (theirPublic, ourPublic)
        return SecureBytes(copying: HKDF.sha256(secret: shared, salt: low, info: high, length: 32))
    }

    static func seal(_ plaintext: [UInt8], remotePublicKeyFile: String, aad: String, deriveKey: Bool, location: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: remotePublicKeyFile), data.count <= 64 * 1024 else {
            throw AuthFailure(description: "\(location): dh_path \(remotePublicKeyFile): no such file or unreadable")
        }
        guard let info = try? JSONParser.parse(Array(data)), let encoded = info.objectValue?["curve25519_public_key"]?.stringValue,
            let remote = Base64.decode(encoded), remote.count == Curve25519.keyLength
        else {
            throw AuthFailure(description: "\(location): dh_path \(remotePublicKeyFile) must hold {\"curve25519_public_key\": \"<base64 of 32 bytes>\"}")
        }
        let (privateKey, publicKey) = Curve25519.generateKeyPair()
        let shared = try Curve25519.sharedSecret(privateKey: privateKey, publicKey: remote)
        let key = try key(shared: shared, ourPublic: publicKey, theirPublic: remote, derive: deriveKey)
        let nonce = SecureRandom.bytes(AESGCM.nonceLength)
        let sealed = try AESGCM.seal(plaintext, key: key, nonce: nonce, associatedData: Array(aad.utf8))
        let envelope: JSONValue = [
            "curve25519_public_key": .string(Base64.encode(publicKey)), "nonce": .string(Base64.encode(nonce)),
            "encrypted_payload": .string(Base64.encode(sealed)),
        ]
        return JSONWriter.encode(envelope)
    }
}
