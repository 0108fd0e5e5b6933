import CofferCrypto
import CofferSDK

extension TransitBackend {
    static let hashFields: [String: FieldSpec] = [
        "input": FieldSpec(.string), "algorithm": FieldSpec(.string), "urlalgorithm": FieldSpec(.string), "format": FieldSpec(.string),
    ]

    static let randomFields: [String: FieldSpec] = [
        "bytes": FieldSpec(.any), "format": FieldSpec(.string), "source": FieldSpec(.string), "rest": FieldSpec(.string),
    ]

    /// The most random bytes one request may ask for, as Vault limits it.
    static let maxRandomBytes: Int64 = 128 * 1024

    static let hash: Handler = { ctx in
        guard let text = ctx.fields.string("input") else { throw CofferError.badRequest("input missing") }
        let input: [UInt8]
        do {
            input = try TransitInput.base64(text)
        } catch let error as CofferError {
            throw CofferError.badRequest("unable to decode input as base64: " + error.messages.joined())
        }
        let name = ctx.fields.string("urlalgorithm") ?? ctx.fields.string("algorithm") ?? "sha2-256"
        guard let algorithm = HashAlgorithm(rawValue: name), algorithm != .sha1 else {
            throw CofferError.badRequest("unsupported algorithm \(name)")
        }
        let format = ctx.fields.string("format") ?? "hex"
        let sum = algorithm.digest(input)
        switch format {
        case "hex": return LogicalResponse(data: ["sum": .string(Hex.encode(sum))])
        case "base64": return LogicalResponse(data: ["sum": .string(Base64.encode(sum))])
        default: throw CofferError.badRequest("unsupported encoding format \(format); must be \"hex\" or \"base64\"")
        }
    }

    /// `random`, `random/:bytes`, `random/:source` and `random/:source/:bytes`.
    static let random: Handler = { ctx in
        let sources: Set<String> = ["platform", "seal", "all"]
        var source = ctx.fields.string("source") ?? "platform"
        var bytesValue = ctx.fields.value("bytes")
        let parts = (ctx.fields.string("rest") ?? "").split(separator: "/").map(String.init)
        switch parts.count {
        case 0: break
        case 1:
            if sources.contains(parts[0]) { source = parts[0] } else { bytesValue = .string(parts[0]) }
        case 2:
            source = parts[0]
            bytesValue = .string(parts[1])
        default: throw CofferError(.notFound, "unsupported path")
        }
        guard sources.contains(source) else {
            throw CofferError.badRequest("unsupported entropy source \(source); must be \"platform\", \"seal\", or \"all\"")
        }
        let count = try TransitInput.int(bytesValue, field: "bytes", default: 32, range: Int64.min...Int64.max)
        guard count >= 1 else { throw CofferError.badRequest("'bytes' cannot be less than 1") }
        guard count <= maxRandomBytes else { throw CofferError.badRequest("'bytes' should be less than \(maxRandomBytes)") }
        let format = ctx.fields.string("format") ?? "base64"
        // Every source is the operating system's generator through libsodium: coffer's seal has
        // no entropy source of its own.
        let bytes = SecureRandom.bytes(Int(count))
        let warnings = source == "platform" ? [] : ["no seal/entropy augmentation available, using platform entropy source"]
        switch format {
        case "base64": return LogicalResponse(data: ["random_bytes": .string(Base64.encode(bytes))], warnings: warnings)
        case "hex": return LogicalResponse(data: ["random_bytes": .string(Hex.encode(bytes))], warnings: warnings)
        default: throw CofferError.badRequest("unsupported encoding format \"\(format)\"; must be \"hex\" or \"base64\"")
        }
    }
}
