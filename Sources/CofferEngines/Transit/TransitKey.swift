import CofferCrypto
import CofferSDK

/// A named Transit key (Vault calls it a policy): its type, settings and versions. Stored as
/// one JSON document at `policy/<name>` below the mount, sealed by the barrier like all storage.
struct TransitKey: Sendable {
    static let hmacKeySizes = 32...512

    var name: String
    var type: TransitKeyType
    var derived = false
    var convergent = false
    var exportable = false
    var allowPlaintextBackup = false
    var deletionAllowed = false
    var minDecryptionVersion = 1
    var minEncryptionVersion = 0
    var minAvailableVersion = 0
    var latestVersion = 0
    /// Seconds; 0 disables automatic rotation.
    var autoRotatePeriod: Int64 = 0
    /// Bytes of an `hmac` key; 0 for other types.
    var keySize = 0
    var versions: [Int: TransitKeyVersion] = [:]

    init(name: String, type: TransitKeyType) {
        self.name = name
        self.type = type
    }

    /// The highest version number a key may reach: stored documents and restored backups are
    /// held to it, so `latestVersion + 1` and every version lookup stay far from overflow.
    static let maxVersion = Int(Int32.max)

    /// Adds a new latest version.
    mutating func rotate(now: Double) throws {
        guard latestVersion < Self.maxVersion else { throw CofferError.badRequest("the key has reached its last version") }
        let next = latestVersion + 1
        versions[next] = try TransitKeyVersion.generate(type, keySize: keySize, convergent: convergent, now: now)
        latestVersion = next
    }

    /// True when automatic rotation is due: the latest version is older than the period.
    func rotationDue(now: Double) -> Bool {
        guard autoRotatePeriod > 0, let latest = versions[latestVersion] else { return false }
        return now - latest.created >= Double(autoRotatePeriod)
    }

    /// The version numbered `number`, or a 400 when it was trimmed or never existed.
    func version(_ number: Int) throws -> TransitKeyVersion {
        guard let version = versions[number] else { throw CofferError.badRequest("no such key version") }
        return version
    }

    /// The version to encrypt, sign or HMAC with: `requested`, or the latest for 0.
    func versionForWriting(_ requested: Int64, operation: String) throws -> Int {
        switch requested {
        case 0: return latestVersion
        case ..<0: throw CofferError.badRequest("requested version for \(operation) is negative")
        case Int64(latestVersion + 1)...: throw CofferError.badRequest("requested version for \(operation) is higher than the latest key version")
        default:
            let number = Int(requested)
            if minEncryptionVersion > 0, number < minEncryptionVersion {
                throw CofferError.badRequest("requested version for \(operation) is less than the minimum encryption key version")
            }
            return number
        }
    }

    static let storagePrefix = "policy/"
    var storageKey: String { Self.storagePrefix + name }

    func stored() -> JSONObject {
        var encodedVersions = JSONObject()
        for (number, version) in versions { encodedVersions[String(number)] = .object(version.stored()) }
        return [
            "name": .string(name), "type": .string(type.rawValue), "derived": .bool(derived), "convergent_encryption": .bool(convergent),
            "exportable": .bool(exportable), "allow_plaintext_backup": .bool(allowPlaintextBackup), "deletion_allowed": .bool(deletionAllowed),
            "min_decryption_version": .int(Int64(minDecryptionVersion)), "min_encryption_version": .int(Int64(minEncryptionVersion)),
            "min_available_version": .int(Int64(minAvailableVersion)), "latest_version": .int(Int64(latestVersion)),
            "auto_rotate_period": .int(autoRotatePeriod), "key_size": .int(Int64(keySize)), "versions": .object(encodedVersions),
        ]
    }

    init(stored: JSONObject) throws {
        guard let name = stored["name"]?.stringValue, let type = stored["type"]?.stringValue.flatMap(TransitKeyType.init(rawValue:)),
            let encodedVersions = stored["versions"]?.objectValue
        else { throw CofferError(.internalError, "stored key is corrupt") }
        self.init(name: name, type: type)
        // Version numbers and sizes come from storage or a client's backup: held to a range.
        func int(_ field: String) -> Int { min(max(Int(clamping: stored[field]?.intValue ?? 0), 0), Self.maxVersion) }
        derived = stored["derived"]?.boolValue ?? false
        convergent = stored["convergent_encryption"]?.boolValue ?? false
        exportable = stored["exportable"]?.boolValue ?? false
        allowPlaintextBackup = stored["allow_plaintext_backup"]?.boolValue ?? false
        deletionAllowed = stored["deletion_allowed"]?.boolValue ?? false
        minDecryptionVersion = max(1, int("min_decryption_version"))
        minEncryptionVersion = int("min_encryption_version")
        minAvailableVersion = int("min_available_version")
        latestVersion = int("latest_version")
        autoRotatePeriod = stored["auto_rotate_period"]?.storedSeconds("transit auto_rotate_period") ?? 0
        keySize = int("key_size")
        for (number, value) in encodedVersions {
            guard let n = Int(number), (1...Self.maxVersion).contains(n), let object = value.objectValue else {
                throw CofferError(.internalError, "stored key is corrupt")
            }
            versions[n] = try TransitKeyVersion(stored: object)
        }
    }

    /// The key as `GET keys/:name` shows it.
    func json() -> JSONObject {
        var keys = JSONObject()
        for (number, version) in versions where number >= minDecryptionVersion {
            if type.supportsSigning {
                keys[String(number)] = [
                    "creation_time": .string(Timestamp.rfc3339(version.created)), "name": .string(type.displayName),
                    "public_key": .string(derived ? "" : version.publicKey), "certificate_chain": "",
                ]
            } else {
                keys[String(number)] = .int(Int64(version.created.rounded(.down)))
            }
        }
        var out: JSONObject = [
            "name": .string(name), "type": .string(type.rawValue), "derived": .bool(derived), "exportable": .bool(exportable),
            "allow_plaintext_backup": .bool(allowPlaintextBackup), "deletion_allowed": .bool(deletionAllowed), "imported_key": false,
            "min_decryption_version": .int(Int64(minDecryptionVersion)), "min_encryption_version": .int(Int64(minEncryptionVersion)),
            "min_available_version": .int(Int64(minAvailableVersion)), "latest_version": .int(Int64(latestVersion)),
            "auto_rotate_period": .int(autoRotatePeriod), "supports_encryption": .bool(type.supportsEncryption),
            "supports_decryption": .bool(type.supportsEncryption), "supports_derivation": .bool(type.supportsDerivation),
            "supports_signing": .bool(type.supportsSigning),
        ]
        if type == .hmac {
            out["key_size"] = .int(Int64(keySize))
        } else {
            out["keys"] = .object(keys)
        }
        if derived {
            out["kdf"] = "hkdf_sha256"
            out["convergent_encryption"] = .bool(convergent)
            // Vault shows -1 here: the scheme is recorded per version since convergent version 3.
            if convergent { out["convergent_encryption_version"] = -1 }
        }
        return out
    }
}
