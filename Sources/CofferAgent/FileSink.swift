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
            content = try DHEnvelope.seal(content, remotePublicKeyFile: dhPath, aad: config.aad ?? "", location: config.location)
        }
        try AtomicFile.replace(content, at: config.path, mode: config.mode, createDirectories: false)
    }
}

/// Vault Agent's encrypted sink format: an X25519 exchange with the reader's public key, the
/// shared secret as an AES-256-GCM key, and the envelope
/// `{"curve25519_public_key": …, "nonce": …, "payload": …}` (base64 fields).
enum DHEnvelope {
    static func seal(_ plaintext: [UInt8], remotePublicKeyFile: String, aad: String, location: String) throws -> [UInt8] {
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
        let nonce = SecureRandom.bytes(AESGCM.nonceLength)
        let sealed = try AESGCM.seal(plaintext, key: shared, nonce: nonce, associatedData: Array(aad.utf8))
        let envelope: JSONValue = [
            "curve25519_public_key": .string(Base64.encode(publicKey)), "nonce": .string(Base64.encode(nonce)), "payload": .string(Base64.encode(sealed)),
        ]
        return JSONWriter.encode(envelope)
    }
}
