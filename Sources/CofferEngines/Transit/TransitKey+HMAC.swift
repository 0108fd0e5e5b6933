import CofferCrypto
import CofferSDK

extension TransitKey {
    /// The HMAC key of `version`: the key itself for `hmac` keys, else the version's own HMAC key.
    func hmacKey(_ version: Int) throws -> SecureBytes {
        let entry = try self.version(version)
        return type == .hmac ? entry.material : entry.hmacKey
    }

    /// `vault:vN:` + base64(HMAC(input)).
    func hmac(_ input: [UInt8], version requested: Int64, algorithm: HashAlgorithm) throws -> String {
        var number = latestVersion
        if requested != 0 {
            guard requested > 0, requested <= Int64(latestVersion) else {
                throw CofferError.badRequest("key version does not exist; latest key version is \(latestVersion)")
            }
            number = Int(requested)
        }
        if minEncryptionVersion > 0, number < minEncryptionVersion {
            throw CofferError.badRequest("cannot generate HMAC: version is too old (disallowed by policy)")
        }
        let mac = algorithm.hmac(key: try hmacKey(number), input)
        return TransitCiphertext.format(version: number, Base64.encode(mac))
    }

    /// Checks a `vault:vN:` HMAC in constant time.
    func verifyHMAC(_ text: String, input: [UInt8], algorithm: HashAlgorithm) throws -> Bool {
        guard text.hasPrefix("vault:v") else { throw CofferError.badRequest("invalid HMAC to verify: no prefix") }
        let rest = text.dropFirst("vault:v".count)
        guard let colon = rest.firstIndex(of: ":"), let number = Int(rest[..<colon]), rest[..<colon].count <= 9 else {
            throw CofferError.badRequest("invalid HMAC to verify: version number could not be decoded")
        }
        guard number <= latestVersion else { throw CofferError.badRequest("cannot verify HMAC: version is too new") }
        guard number >= minDecryptionVersion else { throw CofferError.badRequest("cannot verify HMAC: version is too old (disallowed by policy)") }
        let given: [UInt8]
        do {
            given = try TransitInput.base64(String(rest[rest.index(after: colon)...]))
        } catch let error as CofferError {
            throw CofferError.badRequest("unable to decode verification HMAC as base64: " + error.messages.joined())
        }
        let expected = algorithm.hmac(key: try hmacKey(number), input)
        return Digest.constantTimeEquals(given, expected)
    }
}
