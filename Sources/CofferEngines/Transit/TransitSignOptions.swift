import CofferCrypto
import CofferSDK

/// The knobs of `sign` and `verify`, parsed once per request.
struct TransitSignOptions: Sendable {
    enum Marshaling: String, Sendable { case asn1, jws }

    /// nil for `none`: the input is signed as given.
    var hash: HashAlgorithm?
    var prehashed: Bool
    var signatureAlgorithm: String
    /// Go's convention: -1 the digest length, 0 automatic, else the byte count.
    var saltLength: Int
    var marshaling: Marshaling

    static func parse(_ ctx: HandlerContext) throws -> TransitSignOptions {
        let hashName = ctx.fields.string("urlalgorithm") ?? ctx.fields.string("hash_algorithm") ?? ctx.fields.string("algorithm") ?? "sha2-256"
        var hash: HashAlgorithm?
        if hashName != "none" {
            guard let known = HashAlgorithm(rawValue: hashName) else { throw CofferError.badRequest("invalid hash algorithm \"\(hashName)\"") }
            hash = known
        }
        let marshalingName = ctx.fields.string("marshaling_algorithm") ?? "asn1"
        guard let marshaling = Marshaling(rawValue: marshalingName) else {
            throw CofferError.badRequest("invalid marshaling type \"\(marshalingName)\"")
        }
        let saltText = ctx.fields.string("salt_length") ?? "auto"
        let salt: Int
        switch saltText {
        case "auto": salt = 0
        case "hash": salt = -1
        default:
            guard let number = Int(saltText), number >= -1, number <= 1 << 20 else {
                throw CofferError.badRequest("salt length neither 'auto', 'hash', nor an int: \(saltText)")
            }
            salt = number
        }
        return TransitSignOptions(
            hash: hash, prehashed: ctx.fields.bool("prehashed") ?? false,
            signatureAlgorithm: ctx.fields.string("signature_algorithm") ?? "", saltLength: salt, marshaling: marshaling
        )
    }

    func encode(_ signature: [UInt8]) -> String {
        marshaling == .jws ? Base64URL.encode(signature) : Base64.encode(signature)
    }

    func decode(_ text: Substring) -> [UInt8]? {
        marshaling == .jws ? Base64URL.decode(String(text)) : Base64.decode(String(text))
    }
}
