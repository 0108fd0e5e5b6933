import CofferSDK

extension TransitBackend {
    static let createFields: [String: FieldSpec] = [
        "type": FieldSpec(.string, description: "The key type; aes256-gcm96 by default"),
        "derived": FieldSpec(.bool, description: "Derive a key per context"),
        "convergent_encryption": FieldSpec(.bool, description: "The same plaintext and context give the same ciphertext"),
        "exportable": FieldSpec(.bool, description: "Allow the key material to be exported"),
        "allow_plaintext_backup": FieldSpec(.bool, description: "Allow plaintext backups of the key"),
        "auto_rotate_period": FieldSpec(.any, description: "Rotate automatically this often; 0 disables"),
        "key_size": FieldSpec(.any, description: "Bytes of an hmac key (32 to 512)"),
        "context": FieldSpec(.string, description: "Context for a derived key's public key"),
    ]

    static let configFields: [String: FieldSpec] = [
        "min_decryption_version": FieldSpec(.any), "min_encryption_version": FieldSpec(.any),
        "deletion_allowed": FieldSpec(.bool), "exportable": FieldSpec(.bool), "allow_plaintext_backup": FieldSpec(.bool),
        "auto_rotate_period": FieldSpec(.any),
    ]

    static func autoRotatePeriod(_ ctx: HandlerContext) throws -> Int64? {
        guard let seconds = try TransitInput.duration(ctx.fields.value("auto_rotate_period"), field: "auto_rotate_period") else { return nil }
        guard seconds == 0 || (seconds >= 3600 && seconds <= 100 * 365 * 86_400) else {
            throw CofferError.badRequest("auto rotate period must be 0 to disable or at least an hour")
        }
        return seconds
    }

    static let listKeys: Handler = { ctx in
        let names = try await ctx.storage.list(prefix: TransitKey.storagePrefix).filter { !$0.hasSuffix("/") }
        guard !names.isEmpty else { return nil }
        return LogicalResponse(data: ["keys": .strings(names)])
    }

    static let readKey: Handler = { ctx in
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else { return nil }
        return LogicalResponse(data: key.json())
    }

    static let createKey: Handler = { ctx in
        let name = try TransitKeyStore.name(ctx)
        let key = try makeKey(ctx, name: name, typeName: ctx.fields.string("type"), derived: ctx.fields.bool("derived") ?? false)
        return try await TransitKeyStore.locked(ctx, name) {
            // Creating an existing key is not an error: Vault answers with the key as it is.
            if let existing = try await TransitKeyStore.fetch(ctx, name) { return LogicalResponse(data: existing.json()) }
            try await TransitKeyStore.save(ctx, key)
            return LogicalResponse(data: key.json())
        }
    }

    /// A new key from the create (or upsert) fields, with its first version.
    static func makeKey(_ ctx: HandlerContext, name: String, typeName: String?, derived: Bool) throws -> TransitKey {
        let typeName = typeName ?? TransitKeyType.aes256.rawValue
        guard let type = TransitKeyType(rawValue: typeName) else { throw CofferError.badRequest("unknown key type \(typeName)") }
        var key = TransitKey(name: name, type: type)
        key.derived = derived
        key.convergent = ctx.fields.bool("convergent_encryption") ?? false
        if key.convergent, !key.derived { throw CofferError.badRequest("convergent encryption requires derivation to be enabled") }
        if key.derived, !type.supportsDerivation {
            throw CofferError.badRequest("key derivation and convergent encryption not supported for keys of type \(type.rawValue)")
        }
        if key.convergent, !type.isSymmetricAEAD {
            throw CofferError.badRequest("convergent encryption not supported for keys of type \(type.rawValue)")
        }
        key.exportable = ctx.fields.bool("exportable") ?? false
        key.allowPlaintextBackup = ctx.fields.bool("allow_plaintext_backup") ?? false
        key.autoRotatePeriod = try autoRotatePeriod(ctx) ?? 0
        let size = try TransitInput.int(ctx.fields.value("key_size"), field: "key_size", range: Int64.min...Int64.max)
        if type == .hmac {
            guard size == 0 || TransitKey.hmacKeySizes.contains(Int(clamping: size)) else { throw CofferError.badRequest("invalid key_size \(size)") }
            key.keySize = size == 0 ? 32 : Int(size)
        } else if size != 0 {
            throw CofferError.badRequest("key_size is not valid for algorithm \(type.rawValue)")
        }
        try key.rotate(now: ctx.now)
        return key
    }

    static let deleteKey: Handler = { ctx in
        let name = try TransitKeyStore.name(ctx)
        try await TransitKeyStore.locked(ctx, name) {
            guard let key = try await TransitKeyStore.fetch(ctx, name) else {
                throw CofferError.badRequest("error deleting policy \(name): could not delete key; not found")
            }
            guard key.deletionAllowed else { throw CofferError.badRequest("error deleting policy \(name): deletion is not allowed for this key") }
            try await ctx.storage.delete(key.storageKey)
            TransitKeyCache.current?.remove(ctx.storage.prefix + name)
        }
        return nil
    }

    static let rotateKey: Handler = { ctx in
        let key = try await TransitKeyStore.update(ctx, try TransitKeyStore.name(ctx), missing: "key not found") { key in
            try key.rotate(now: ctx.now)
        }
        return LogicalResponse(data: key.json())
    }

    static let configureKey: Handler = { ctx in
        let fields = ctx.fields
        let minDecryption = try fields.has("min_decryption_version")
            ? TransitInput.int(fields.value("min_decryption_version"), field: "min_decryption_version", range: Int64.min...Int64.max) : nil
        let minEncryption = try fields.has("min_encryption_version")
            ? TransitInput.int(fields.value("min_encryption_version"), field: "min_encryption_version", range: Int64.min...Int64.max) : nil
        let period = try autoRotatePeriod(ctx)
        var warnings = [String]()
        let name = try TransitKeyStore.name(ctx)
        let key = try await TransitKeyStore.update(ctx, name, missing: "no existing key named \(name) could be found") { key in
            if var value = minDecryption {
                guard value >= 0 else { throw CofferError.badRequest("min decryption version cannot be negative") }
                if value == 0 {
                    value = 1
                    warnings.append("since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1")
                }
                guard value <= Int64(key.latestVersion) else {
                    throw CofferError.badRequest("cannot set min decryption version of \(value), latest key version is \(key.latestVersion)")
                }
                guard value >= Int64(key.minAvailableVersion) else {
                    throw CofferError.badRequest("cannot set min decryption version of \(value), minimum available version is \(key.minAvailableVersion)")
                }
                key.minDecryptionVersion = Int(value)
            }
            if let value = minEncryption {
                guard value >= 0 else { throw CofferError.badRequest("min encryption version cannot be negative") }
                guard value <= Int64(key.latestVersion) else {
                    throw CofferError.badRequest("cannot set min encryption version of \(value), latest key version is \(key.latestVersion)")
                }
                key.minEncryptionVersion = Int(value)
            }
            if key.minEncryptionVersion > 0, key.minEncryptionVersion < key.minDecryptionVersion {
                throw CofferError.badRequest(
                    "cannot set min encryption/decryption values; min encryption version of \(key.minEncryptionVersion) must be greater than or equal to min decryption version of \(key.minDecryptionVersion)"
                )
            }
            if fields.has("deletion_allowed") { key.deletionAllowed = fields.bool("deletion_allowed") ?? false }
            // Export and plaintext backup, once allowed, stay allowed: the material may be out already.
            if fields.bool("exportable") == true { key.exportable = true }
            if fields.bool("allow_plaintext_backup") == true { key.allowPlaintextBackup = true }
            if let period { key.autoRotatePeriod = period }
        }
        return LogicalResponse(data: key.json(), warnings: warnings)
    }

    static let trimKey: Handler = { ctx in
        guard ctx.fields.has("min_available_version") else { throw CofferError.badRequest("missing min_available_version") }
        let requested = try TransitInput.int(ctx.fields.value("min_available_version"), field: "min_available_version", range: Int64.min...Int64.max)
        let key = try await TransitKeyStore.update(ctx, try TransitKeyStore.name(ctx), missing: "invalid key name") { key in
            guard key.minEncryptionVersion > 0 else {
                throw CofferError.badRequest("minimum available version cannot be set when minimum encryption version is not set")
            }
            guard requested > 0 else { throw CofferError.badRequest("minimum available version should be positive") }
            guard requested <= Int64(key.minEncryptionVersion) else {
                throw CofferError.badRequest("minimum available version cannot be greater than minmum encryption version")
            }
            guard requested <= Int64(key.minDecryptionVersion) else {
                throw CofferError.badRequest("minimum available version cannot be greater than minmum decryption version")
            }
            guard requested >= Int64(key.minAvailableVersion) else {
                throw CofferError.badRequest("minimum available version cannot be less than the already set value")
            }
            key.minAvailableVersion = Int(requested)
            key.versions = key.versions.filter { $0.key >= key.minAvailableVersion }
        }
        return LogicalResponse(data: key.json())
    }
}
