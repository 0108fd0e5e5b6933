import CofferCrypto
import CofferSDK

extension TransitBackend {
    static let encryptFields: [String: FieldSpec] = [
        "plaintext": FieldSpec(.string, description: "Base64 plaintext"),
        "context": FieldSpec(.string, description: "Base64 context for derived keys"),
        "key_version": FieldSpec(.any, description: "The key version to encrypt with; latest by default"),
        "type": FieldSpec(.string, description: "Key type when the key is created by this request"),
        "convergent_encryption": FieldSpec(.bool, description: "Convergent mode when the key is created by this request"),
        "associated_data": FieldSpec(.string, description: "Base64 data authenticated with the ciphertext"),
        "reference": FieldSpec(.string, description: "Echoed back in batch results"),
    ]

    static let decryptFields: [String: FieldSpec] = [
        "ciphertext": FieldSpec(.string, description: "The vault:vN: ciphertext"),
        "context": FieldSpec(.string), "key_version": FieldSpec(.any), "associated_data": FieldSpec(.string),
        "reference": FieldSpec(.string),
    ]

    /// A request or batch item's value: the item's own, else the request's.
    static func value(_ item: JSONObject?, _ ctx: HandlerContext, _ field: String) -> JSONValue? {
        if let item { return item[field] }
        return ctx.fields.value(field)
    }

    /// Encrypting to a missing key creates it when the caller may create: the existence check
    /// turns such a request into a `create`, which the ACL must allow (Vault's upsert). An
    /// `update` finds the key or fails.
    static func encryptHandler(upsert: Bool) -> Handler {
        { ctx in try await encrypt(ctx, upsert: upsert) }
    }

    static func encrypt(_ ctx: HandlerContext, upsert: Bool) async throws -> LogicalResponse {
        let name = try TransitKeyStore.name(ctx)
        let items = try TransitInput.batch(ctx)
        if items == nil, ctx.fields.value("plaintext") == nil { throw CofferError.badRequest("missing plaintext to encrypt") }
        var loaded = try await TransitKeyStore.load(ctx, name)
        if loaded == nil, upsert {
            let context = try TransitInput.base64(value(items?.first, ctx, "context"), field: "context")
            let typeName = ctx.fields.string("type") ?? TransitKeyType.aes256.rawValue
            guard TransitKeyType(rawValue: typeName)?.supportsEncryption ?? true else {
                throw CofferError.badRequest("unknown key type \(typeName)")
            }
            let fresh = try makeKey(ctx, name: name, typeName: typeName, derived: !context.isEmpty)
            loaded = try await TransitKeyStore.locked(ctx, name) {
                if let existing = try await TransitKeyStore.fetch(ctx, name) { return existing }
                try await TransitKeyStore.save(ctx, fresh)
                return fresh
            }
        }
        guard let key = loaded else { throw CofferError.badRequest("encryption key not found") }
        func one(_ item: JSONObject?) throws -> JSONObject {
            guard let text = try TransitInput.string(value(item, ctx, "plaintext"), field: "plaintext") else {
                throw CofferError.badRequest("missing plaintext to encrypt")
            }
            let (ciphertext, version) = try key.encrypt(
                try TransitInput.base64(text), version: try TransitInput.int(value(item, ctx, "key_version"), field: "key_version"),
                context: try TransitInput.base64(value(item, ctx, "context"), field: "context"),
                associatedData: try TransitInput.base64(value(item, ctx, "associated_data"), field: "associated_data")
            )
            return ["ciphertext": .string(ciphertext), "key_version": .int(Int64(version))]
        }
        guard let items else { return LogicalResponse(data: try one(nil)) }
        return try await TransitInput.runBatch(ctx, items) { try one($0) }
    }

    /// Decrypts one item's `ciphertext` under its `context` and `associated_data`, which rewrap
    /// then encrypts under again.
    static func open(_ key: TransitKey, _ item: JSONObject?, _ ctx: HandlerContext) throws -> (plaintext: [UInt8], context: [UInt8], associatedData: [UInt8]) {
        guard let ciphertext = try TransitInput.string(value(item, ctx, "ciphertext"), field: "ciphertext") else {
            throw CofferError.badRequest("missing ciphertext to decrypt")
        }
        let context = try TransitInput.base64(value(item, ctx, "context"), field: "context")
        let associatedData = try TransitInput.base64(value(item, ctx, "associated_data"), field: "associated_data")
        return (try key.decrypt(ciphertext, context: context, associatedData: associatedData).0, context, associatedData)
    }

    static let decrypt: Handler = { ctx in
        let items = try TransitInput.batch(ctx)
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else {
            throw CofferError.badRequest("encryption key not found")
        }
        func one(_ item: JSONObject?) throws -> JSONObject {
            ["plaintext": .string(Base64.encode(try open(key, item, ctx).plaintext))]
        }
        guard let items else { return LogicalResponse(data: try one(nil)) }
        return try await TransitInput.runBatch(ctx, items) { try one($0) }
    }

    static let rewrap: Handler = { ctx in
        let items = try TransitInput.batch(ctx)
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else {
            throw CofferError.badRequest("encryption key not found")
        }
        func one(_ item: JSONObject?) throws -> JSONObject {
            let (plaintext, context, associatedData) = try open(key, item, ctx)
            let (rewrapped, version) = try key.encrypt(
                plaintext, version: try TransitInput.int(value(item, ctx, "key_version"), field: "key_version"), context: context,
                associatedData: associatedData
            )
            return ["ciphertext": .string(rewrapped), "key_version": .int(Int64(version))]
        }
        guard let items else { return LogicalResponse(data: try one(nil)) }
        return try await TransitInput.runBatch(ctx, items) { try one($0) }
    }

    static let datakeyFields: [String: FieldSpec] = [
        "plaintext": FieldSpec(.string, description: "plaintext or wrapped"),
        "context": FieldSpec(.string), "key_version": FieldSpec(.any), "bits": FieldSpec(.any), "nonce": FieldSpec(.string),
    ]

    static let datakey: Handler = { ctx in
        let mode = ctx.fields.string("plaintext") ?? ""
        guard mode == "plaintext" || mode == "wrapped" else { throw CofferError.badRequest("Invalid path, must be 'plaintext' or 'wrapped'") }
        let bits = try TransitInput.int(ctx.fields.value("bits"), field: "bits", default: 256, range: Int64.min...Int64.max)
        guard bits == 128 || bits == 256 || bits == 512 else { throw CofferError.badRequest("invalid bit length") }
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else {
            throw CofferError.badRequest("encryption key not found")
        }
        let secret = SecureRandom.bytes(Int(bits / 8))
        let (ciphertext, version) = try key.encrypt(
            secret, version: try TransitInput.int(ctx.fields.value("key_version"), field: "key_version"),
            context: try TransitInput.base64(ctx.fields.value("context"), field: "context"), associatedData: []
        )
        var data: JSONObject = ["ciphertext": .string(ciphertext), "key_version": .int(Int64(version))]
        if mode == "plaintext" { data["plaintext"] = .string(Base64.encode(secret)) }
        return LogicalResponse(data: data)
    }
}
