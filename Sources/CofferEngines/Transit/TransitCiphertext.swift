import CofferSDK

/// Vault's `vault:v<N>:<base64>` framing of ciphertexts, signatures and HMACs.
enum TransitCiphertext {
    static func format(version: Int, _ encoded: String) -> String {
        "vault:v\(version):" + encoded
    }

    /// The version and the encoded part, after Vault's checks in Vault's order and words.
    /// `noun` is "ciphertext" or "signature".
    static func parse(_ value: String, key: TransitKey, noun: String) throws -> (version: Int, encoded: Substring) {
        guard value.hasPrefix("vault:v") else { throw CofferError.badRequest("invalid \(noun): no prefix") }
        let rest = value.dropFirst("vault:v".count)
        guard let colon = rest.firstIndex(of: ":") else { throw CofferError.badRequest("invalid \(noun): wrong number of fields") }
        let digits = rest[..<colon]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), var version = Int(digits) else {
            throw CofferError.badRequest("invalid \(noun): version number could not be decoded")
        }
        // Vault's first keys started at zero; v0 means version 1.
        if version == 0 { version = 1 }
        if version > key.latestVersion { throw CofferError.badRequest("invalid \(noun): version is too new") }
        if version < key.minDecryptionVersion {
            throw CofferError.badRequest("ciphertext or signature version is disallowed by policy (too old)")
        }
        return (version, rest[rest.index(after: colon)...])
    }
}
