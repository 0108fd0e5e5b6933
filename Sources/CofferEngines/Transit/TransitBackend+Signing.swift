import CofferCrypto
import CofferSDK

extension TransitBackend {
    static let sign: Handler = { ctx in
        let items = try TransitInput.batch(ctx)
        let options = try TransitSignOptions.parse(ctx)
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else {
            throw CofferError.badRequest("signing key not found")
        }
        guard key.type.supportsSigning else { throw CofferError.badRequest("key type \(key.type.rawValue) does not support signing") }
        func one(_ item: JSONObject?) throws -> JSONObject {
            let input = try TransitInput.base64(value(item, ctx, "input"), field: "input")
            let (signature, version, publicKey) = try key.sign(
                input, version: try TransitInput.int(value(item, ctx, "key_version") ?? ctx.fields.value("key_version"), field: "key_version"),
                context: try TransitInput.base64(value(item, ctx, "context"), field: "context"), options: options
            )
            var out: JSONObject = ["signature": .string(signature), "key_version": .int(Int64(version))]
            if let publicKey { out["public_key"] = .string(publicKey) }
            return out
        }
        guard let items else { return LogicalResponse(data: try one(nil)) }
        return try await TransitInput.runBatch(ctx, items) { try one($0) }
    }

    /// `verify/:name` checks a `signature` or, for any key, an `hmac`.
    static let verify: Handler = { ctx in
        let items = try TransitInput.batch(ctx)
        let options = try TransitSignOptions.parse(ctx)
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else {
            throw CofferError.badRequest("signature verification key not found")
        }
        func one(_ item: JSONObject?) throws -> JSONObject {
            let input = try TransitInput.base64(value(item, ctx, "input"), field: "input")
            let signature = try TransitInput.string(value(item, ctx, "signature"), field: "signature")
            let hmac = try TransitInput.string(value(item, ctx, "hmac"), field: "hmac")
            let valid: Bool
            switch (signature, hmac) {
            case (nil, nil): throw CofferError.badRequest("neither a 'signature' nor an 'hmac' were given to verify")
            case (.some, .some): throw CofferError.badRequest("provide one of 'signature' or 'hmac', not both")
            case (.some(let signature), nil):
                valid = try key.verify(signature, input: input, context: try TransitInput.base64(value(item, ctx, "context"), field: "context"), options: options)
            case (nil, .some(let hmac)):
                valid = try key.verifyHMAC(hmac, input: input, algorithm: try hmacAlgorithm(ctx))
            }
            return ["valid": .bool(valid)]
        }
        guard let items else { return LogicalResponse(data: try one(nil)) }
        return try await TransitInput.runBatch(ctx, items) { try one($0) }
    }

    static func hmacAlgorithm(_ ctx: HandlerContext) throws -> HashAlgorithm {
        let name = ctx.fields.string("urlalgorithm") ?? ctx.fields.string("algorithm") ?? ctx.fields.string("hash_algorithm") ?? "sha2-256"
        guard let algorithm = HashAlgorithm(rawValue: name) else { throw CofferError.badRequest("unsupported algorithm \(name)") }
        return algorithm
    }

    static let hmac: Handler = { ctx in
        let items = try TransitInput.batch(ctx)
        let algorithm = try hmacAlgorithm(ctx)
        if items == nil, ctx.fields.value("input") == nil { throw CofferError.badRequest("missing input for HMAC") }
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else {
            throw CofferError.badRequest("encryption key not found")
        }
        func one(_ item: JSONObject?) throws -> JSONObject {
            guard let text = try TransitInput.string(value(item, ctx, "input"), field: "input") else {
                throw CofferError.badRequest("missing input for HMAC")
            }
            let mac = try key.hmac(
                try TransitInput.base64(text), version: try TransitInput.int(value(item, ctx, "key_version") ?? ctx.fields.value("key_version"), field: "key_version"),
                algorithm: algorithm
            )
            return ["hmac": .string(mac)]
        }
        guard let items else { return LogicalResponse(data: try one(nil)) }
        return try await TransitInput.runBatch(ctx, items) { try one($0) }
    }
}
