import CofferCrypto
import CofferSDK

extension TransitBackend {
    static let restoreFields: [String: FieldSpec] = [
        "backup": FieldSpec(.string, description: "The output of backup/:name"),
        "force": FieldSpec(.bool, description: "Overwrite an existing key of the same name"),
        "name": FieldSpec(.string, description: "Restore under this name instead of the backed-up one"),
    ]

    /// `export/:type/:name(/:version)`: key material in Vault's formats — base64 for symmetric,
    /// HMAC and Ed25519 keys, PEM for RSA and ECDSA.
    static let export: Handler = { ctx in
        let kind = ctx.fields.string("type") ?? ""
        guard ["encryption-key", "signing-key", "hmac-key", "public-key"].contains(kind) else {
            throw CofferError.badRequest("invalid export type: \(kind)")
        }
        guard let key = try await TransitKeyStore.load(ctx, try TransitKeyStore.name(ctx)) else { return nil }
        if kind != "public-key", !key.exportable { throw CofferError.badRequest("private key material is not exportable") }
        switch kind {
        case "encryption-key" where !key.type.supportsEncryption: throw CofferError.badRequest("encryption not supported for the key")
        case "signing-key" where !key.type.supportsSigning: throw CofferError.badRequest("signing not supported for the key")
        case "public-key" where !key.type.supportsSigning:
            throw CofferError.badRequest("unknown key type \(key.type.rawValue) for export type public-key")
        default: break
        }
        var numbers = key.versions.keys.filter { $0 >= key.minDecryptionVersion }.sorted()
        if let requested = ctx.fields.string("version"), !requested.isEmpty {
            let number = requested == "latest" ? key.latestVersion : Int(requested.count <= 9 ? requested : "") ?? -1
            guard numbers.contains(number) else { throw CofferError.badRequest("version does not exist or cannot be found") }
            numbers = [number]
        }
        var keys = JSONObject()
        for number in numbers {
            keys[String(number)] = .string(try exported(key, version: number, kind: kind))
        }
        return LogicalResponse(data: ["name": .string(key.name), "type": .string(key.type.rawValue), "keys": .object(keys)])
    }

    static func exported(_ key: TransitKey, version number: Int, kind: String) throws -> String {
        let entry = try key.version(number)
        switch kind {
        case "hmac-key":
            return Base64.encode(try key.hmacKey(number).exportBytes())
        case "public-key":
            return trimmed(entry.publicKey)
        default:
            if key.type.isSymmetricAEAD || key.type == .ed25519 { return Base64.encode(entry.material.exportBytes()) }
            let label = key.type.isRSA ? "RSA PRIVATE KEY" : "EC PRIVATE KEY"
            return trimmed(PEM.encode(entry.material.exportBytes(), label: label))
        }
    }

    private static func trimmed(_ text: String) -> String {
        var out = Substring(text)
        while out.last == "\n" { out = out.dropLast() }
        return String(out)
    }

    static let backup: Handler = { ctx in
        let name = try TransitKeyStore.name(ctx)
        guard let key = try await TransitKeyStore.load(ctx, name) else { throw CofferError.badRequest("key \"\(name)\" not found") }
        // Vault reports these two refusals as server errors; clients such as hvac expect that.
        guard key.exportable else { throw CofferError(.internalError, "exporting is disallowed on the policy") }
        guard key.allowPlaintextBackup else { throw CofferError(.internalError, "plaintext backup is disallowed on the policy") }
        let document: JSONObject = [
            "policy": .object(key.stored()),
            "backup_info": ["time": .string(Timestamp.rfc3339(ctx.now)), "version": .int(Int64(key.latestVersion))],
        ]
        return LogicalResponse(data: ["backup": .string(Base64.encode(JSONWriter.encode(.object(document))))])
    }

    static let restore: Handler = { ctx in
        guard let encoded = ctx.fields.string("backup"), !encoded.isEmpty else { throw CofferError.badRequest("'backup' must be supplied") }
        guard let bytes = Base64.decode(encoded), let document = try? JSONParser.parse(bytes),
            let policy = document.objectValue?["policy"]?.objectValue, var key = try? TransitKey(stored: policy),
            key.latestVersion > 0, key.versions[key.latestVersion] != nil, key.minDecryptionVersion <= key.latestVersion,
            key.versions.values.allSatisfy({ $0.isValid(for: key.type, keySize: key.keySize) })
        else { throw CofferError.badRequest("invalid backup: not a transit key backup") }
        if let name = ctx.fields.string("name"), !name.isEmpty { key.name = name }
        guard !key.name.isEmpty, !key.name.contains("/"), key.name != "..", key.name != "." else {
            throw CofferError.badRequest("invalid key name")
        }
        let force = ctx.fields.bool("force") ?? false
        try await TransitKeyStore.locked(ctx, key.name) {
            if !force, try await TransitKeyStore.fetch(ctx, key.name) != nil {
                throw CofferError(.internalError, "key \"\(key.name)\" already exists")
            }
            try await TransitKeyStore.save(ctx, key)
        }
        return nil
    }
}
