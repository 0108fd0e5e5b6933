@testable import CofferCore
import CofferCrypto
@testable import CofferEngines
import CofferSDK
import CofferStorage
import CofferTesting
import Logging
import Testing

/// The Transit engine driven through the real core on in-memory storage.
@Suite("Transit engine through the core")
struct TransitEngineTests {
    static func harness(clock: ManualClock? = nil) async throws -> CoreHarness {
        let h = if let clock { try await CoreHarness.make(clock: clock.function) } else { try await CoreHarness.make() }
        try await h.request(.update, "sys/mounts/transit", ["type": "transit"])
        return h
    }

    static func b64(_ text: String) -> JSONValue { .string(Base64.encode(Array(text.utf8))) }

    static func encrypt(_ h: CoreHarness, _ key: String, _ text: String, _ extra: JSONObject = [:]) async throws -> String {
        var body: JSONObject = ["plaintext": b64(text)]
        body.merge(extra) { _, new in new }
        return try #require(try await h.request(.update, "transit/encrypt/\(key)", body).data?["ciphertext"]?.stringValue)
    }

    static func decrypt(_ h: CoreHarness, _ key: String, _ ciphertext: String, _ extra: JSONObject = [:]) async throws -> String? {
        var body: JSONObject = ["ciphertext": .string(ciphertext)]
        body.merge(extra) { _, new in new }
        let plaintext = try await h.request(.update, "transit/decrypt/\(key)", body).data?["plaintext"]?.stringValue
        return plaintext.flatMap(Base64.decode).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("every encryption key type round-trips, and its ciphertext names the version", arguments: [
        "aes128-gcm96", "aes256-gcm96", "chacha20-poly1305", "rsa-2048",
    ])
    func roundTrip(type: String) async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/k", ["type": .string(type)])
        let ciphertext = try await Self.encrypt(h, "k", "attack at dawn")
        #expect(ciphertext.hasPrefix("vault:v1:"))
        #expect(try await Self.decrypt(h, "k", ciphertext) == "attack at dawn")
        try await h.request(.update, "transit/keys/k/rotate")
        #expect(try await Self.encrypt(h, "k", "x").hasPrefix("vault:v2:"))
        #expect(try await Self.decrypt(h, "k", ciphertext) == "attack at dawn")
        let rewrapped = try await h.request(.update, "transit/rewrap/k", ["ciphertext": .string(ciphertext)])
        #expect(rewrapped.data?["key_version"] == 2)
        #expect(try await Self.decrypt(h, "k", try #require(rewrapped.data?["ciphertext"]?.stringValue)) == "attack at dawn")
    }

    @Test("ciphertexts use Vault's layout: base64(nonce ‖ ciphertext ‖ tag) under the exported key")
    func layoutMatchesExportedKey() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/e", ["exportable": true])
        let ciphertext = try await Self.encrypt(h, "e", "layout")
        let exported = try await h.request(.read, "transit/export/encryption-key/e/1")
        let key = try #require(exported.data?["keys"]?.objectValue?["1"]?.stringValue.flatMap(Base64.decode))
        let raw = try #require(Base64.decode(String(ciphertext.dropFirst("vault:v1:".count))))
        let opened = AESGCM.open(Array(raw.dropFirst(12)), key: SecureBytes(copying: key), nonce: Array(raw.prefix(12)), associatedData: [])
        #expect(opened == Array("layout".utf8))
    }

    @Test("derived keys need a context and derive with HKDF-SHA256 as Vault does")
    func derivation() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/d", ["derived": true, "exportable": true])
        let missing = await h.failure(.update, "transit/encrypt/d", ["plaintext": Self.b64("x")])
        #expect(missing?.messages.first?.hasPrefix("missing 'context' for key derivation") == true)
        let ciphertext = try await Self.encrypt(h, "d", "per tenant", ["context": Self.b64("tenant-1")])
        #expect(try await Self.decrypt(h, "d", ciphertext, ["context": Self.b64("tenant-1")]) == "per tenant")
        #expect(await h.failure(.update, "transit/decrypt/d", ["ciphertext": .string(ciphertext), "context": Self.b64("tenant-2")])?.code == .badRequest)
        // The exported base key, derived by HKDF outside the engine, opens the ciphertext.
        let base = try #require(try await h.request(.read, "transit/export/encryption-key/d").data?["keys"]?.objectValue?["1"]?.stringValue)
        let derived = HKDF.sha256(secret: SecureBytes(copying: try #require(Base64.decode(base))), info: Array("tenant-1".utf8), length: 32)
        let raw = try #require(Base64.decode(String(ciphertext.dropFirst(9))))
        #expect(AESGCM.open(Array(raw.dropFirst(12)), key: SecureBytes(copying: derived), nonce: Array(raw.prefix(12)), associatedData: []) == Array("per tenant".utf8))
        let read = try await h.request(.read, "transit/keys/d")
        #expect(read.data?["kdf"] == "hkdf_sha256")
    }

    @Test("convergent encryption gives equal ciphertexts for equal plaintext and context only")
    func convergent() async throws {
        let h = try await Self.harness()
        #expect(await h.failure(.update, "transit/keys/c", ["convergent_encryption": true])?.messages == [
            "convergent encryption requires derivation to be enabled",
        ])
        try await h.request(.update, "transit/keys/c", ["convergent_encryption": true, "derived": true])
        let context = Self.b64("ctx")
        let one = try await Self.encrypt(h, "c", "same", ["context": context])
        let two = try await Self.encrypt(h, "c", "same", ["context": context])
        let other = try await Self.encrypt(h, "c", "same", ["context": Self.b64("other")])
        #expect(one == two)
        #expect(one != other)
        #expect(try await Self.decrypt(h, "c", one, ["context": context]) == "same")
        #expect(try await h.request(.read, "transit/keys/c").data?["convergent_encryption_version"] == -1)
    }

    @Test("associated data is bound to the ciphertext")
    func associatedData() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/a", ["type": "chacha20-poly1305"])
        let ciphertext = try await Self.encrypt(h, "a", "bound", ["associated_data": Self.b64("row-7")])
        #expect(try await Self.decrypt(h, "a", ciphertext, ["associated_data": Self.b64("row-7")]) == "bound")
        let wrong = await h.failure(.update, "transit/decrypt/a", ["ciphertext": .string(ciphertext), "associated_data": Self.b64("row-8")])
        #expect(wrong?.messages == ["chacha20poly1305: message authentication failed"])
    }

    @Test("batches report per-item errors and Vault's status rules")
    func batches() async throws {
        let h = try await Self.harness()
        let good: JSONValue = ["plaintext": Self.b64("one"), "reference": "a"]
        let bad: JSONValue = ["plaintext": "!!", "reference": "b"]
        let ok = try await h.request(.update, "transit/encrypt/b", ["batch_input": [good, good]])
        #expect(ok.data?["batch_results"]?.arrayValue?.count == 2)
        let partial = await h.failure(.update, "transit/encrypt/b", ["batch_input": [good, bad]])
        #expect(partial?.code == .badRequest)
        let results = try #require(partial?.data?["batch_results"]?.arrayValue)
        #expect(results[0].objectValue?["reference"] == "a")
        #expect(results[0].objectValue?["ciphertext"]?.stringValue?.hasPrefix("vault:v1:") == true)
        #expect(results[1].objectValue?["error"] == "illegal base64 data at input byte 0")
        #expect(results[1].objectValue?["reference"] == "b")
        let accepted = try await h.request(.update, "transit/encrypt/b", ["batch_input": [good, bad], "partial_failure_response_code": 200])
        #expect(accepted.data?["batch_results"]?.arrayValue?.count == 2)
        #expect(await h.failure(.update, "transit/encrypt/b", ["batch_input": [bad], "partial_failure_response_code": 200])?.code == .badRequest)
        let ciphertext = try #require(results[0].objectValue?["ciphertext"])
        let decrypted = try await h.request(.update, "transit/decrypt/b", ["batch_input": [["ciphertext": ciphertext]]])
        #expect(decrypted.data?["batch_results"]?.arrayValue?.first?.objectValue?["plaintext"] == Self.b64("one"))
    }

    @Test("errors carry Vault's words", arguments: [
        ("transit/decrypt/none", ["ciphertext": "vault:v1:AAAA"] as JSONObject, "encryption key not found"),
        ("transit/decrypt/k", [:] as JSONObject, "missing ciphertext to decrypt"),
        ("transit/decrypt/k", ["ciphertext": "garbage"] as JSONObject, "invalid ciphertext: no prefix"),
        ("transit/decrypt/k", ["ciphertext": "vault:v9:AAAA"] as JSONObject, "invalid ciphertext: version is too new"),
        ("transit/decrypt/k", ["ciphertext": "vault:v1:AAAA"] as JSONObject, "invalid ciphertext length"),
        ("transit/decrypt/k", ["ciphertext": "vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="] as JSONObject, "cipher: message authentication failed"),
        ("transit/encrypt/k", ["plaintext": "not base64!"] as JSONObject, "illegal base64 data at input byte 3"),
        ("transit/encrypt/k", [:] as JSONObject, "missing plaintext to encrypt"),
        ("transit/encrypt/k", ["plaintext": "", "key_version": 5] as JSONObject, "requested version for encryption is higher than the latest key version"),
        ("transit/sign/k", ["input": ""] as JSONObject, "key type aes256-gcm96 does not support signing"),
        ("transit/keys/x", ["type": "foo"] as JSONObject, "unknown key type foo"),
        ("transit/keys/x", ["auto_rotate_period": "10m"] as JSONObject, "auto rotate period must be 0 to disable or at least an hour"),
        ("transit/keys/x", ["key_size": 64] as JSONObject, "key_size is not valid for algorithm aes256-gcm96"),
        ("transit/keys/x", ["type": "hmac", "key_size": 10] as JSONObject, "invalid key_size 10"),
        ("transit/keys/x", ["type": "ecdsa-p256", "derived": true] as JSONObject, "key derivation and convergent encryption not supported for keys of type ecdsa-p256"),
        ("transit/keys/k/config", ["min_decryption_version": -1] as JSONObject, "min decryption version cannot be negative"),
        ("transit/keys/k/config", ["min_encryption_version": 9] as JSONObject, "cannot set min encryption version of 9, latest key version is 1"),
        ("transit/keys/k/config", ["min_encryption_version": 1e300] as JSONObject, "invalid value for \"min_encryption_version\""),
        ("transit/keys/k/trim", ["min_available_version": 1] as JSONObject, "minimum available version cannot be set when minimum encryption version is not set"),
        ("transit/random", ["bytes": 0] as JSONObject, "'bytes' cannot be less than 1"),
        ("transit/random", ["bytes": 1_000_000] as JSONObject, "'bytes' should be less than 131072"),
        ("transit/hash", ["input": "aGk=", "algorithm": "md5"] as JSONObject, "unsupported algorithm md5"),
        ("transit/datakey/other/k", [:] as JSONObject, "Invalid path, must be 'plaintext' or 'wrapped'"),
        ("transit/datakey/plaintext/k", ["bits": 100] as JSONObject, "invalid bit length"),
    ])
    func vaultErrors(path: String, body: JSONObject, message: String) async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/k")
        let error = await h.failure(.update, path, body)
        #expect(error?.code == .badRequest)
        #expect(error?.messages.first?.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test("versions below min_decryption_version are refused as too old")
    func tooOld() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/k")
        let old = try await Self.encrypt(h, "k", "old")
        try await h.request(.update, "transit/keys/k/rotate")
        let config = try await h.request(.update, "transit/keys/k/config", ["min_decryption_version": 2])
        #expect(config.data?["keys"]?.objectValue?.keys.sorted() == ["2"])
        let error = await h.failure(.update, "transit/decrypt/k", ["ciphertext": .string(old)])
        #expect(error?.messages == ["ciphertext or signature version is disallowed by policy (too old)"])
    }

    @Test("deletion needs deletion_allowed; trim drops old versions for good")
    func deleteAndTrim() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/k")
        for _ in 0..<3 { try await h.request(.update, "transit/keys/k/rotate") }
        #expect(try await h.request(.list, "transit/keys/").data?["keys"] == ["k"])
        try await h.request(.update, "transit/keys/k/config", ["min_decryption_version": 3, "min_encryption_version": 4])
        let trimmed = try await h.request(.update, "transit/keys/k/trim", ["min_available_version": 3])
        #expect(trimmed.data?["min_available_version"] == 3)
        #expect(await h.failure(.update, "transit/keys/k/config", ["min_decryption_version": 2])?.code == .badRequest)
        #expect(await h.failure(.delete, "transit/keys/k")?.messages == ["error deleting policy k: deletion is not allowed for this key"])
        try await h.request(.update, "transit/keys/k/config", ["deletion_allowed": true])
        try await h.request(.delete, "transit/keys/k")
        #expect(try await h.request(.read, "transit/keys/k").data == nil)
    }

    @Test("encrypting to a missing key creates it (upsert), derived when a context is given")
    func upsert() async throws {
        let h = try await Self.harness()
        _ = try await Self.encrypt(h, "fresh", "x", ["type": "chacha20-poly1305"])
        let read = try await h.request(.read, "transit/keys/fresh")
        #expect(read.data?["type"] == "chacha20-poly1305")
        _ = try await Self.encrypt(h, "ctx", "x", ["context": Self.b64("c")])
        #expect(try await h.request(.read, "transit/keys/ctx").data?["derived"] == true)
    }

    @Test("a key rotates on its own once auto_rotate_period has passed since its latest version")
    func autoRotation() async throws {
        let clock = ManualClock()
        let h = try await Self.harness(clock: clock)
        try await h.request(.update, "transit/keys/auto", ["auto_rotate_period": "1h"])
        #expect(try await h.request(.read, "transit/keys/auto").data?["auto_rotate_period"] == 3600)
        clock.advance(by: 3599)
        #expect(try await Self.encrypt(h, "auto", "x").hasPrefix("vault:v1:"))
        clock.advance(by: 2)
        #expect(try await Self.encrypt(h, "auto", "x").hasPrefix("vault:v2:"))
        #expect(try await h.request(.read, "transit/keys/auto").data?["latest_version"] == 2)
        clock.advance(by: 1800)
        #expect(try await h.request(.read, "transit/keys/auto").data?["latest_version"] == 2)
        try await h.request(.update, "transit/keys/auto/config", ["auto_rotate_period": 0])
        clock.advance(by: 86400)
        #expect(try await h.request(.read, "transit/keys/auto").data?["latest_version"] == 2)
    }

    @Test("sign and verify with every signing key type and option", arguments: [
        ("ed25519", [:] as JSONObject),
        ("ecdsa-p256", [:] as JSONObject),
        ("ecdsa-p384", ["hash_algorithm": "sha2-384", "marshaling_algorithm": "jws"] as JSONObject),
        ("ecdsa-p521", ["hash_algorithm": "sha3-512"] as JSONObject),
        ("rsa-2048", ["signature_algorithm": "pss", "salt_length": "hash"] as JSONObject),
        ("rsa-3072", ["signature_algorithm": "pkcs1v15", "hash_algorithm": "sha2-512"] as JSONObject),
        ("rsa-4096", ["salt_length": "32"] as JSONObject),
    ])
    func signVerify(type: String, options: JSONObject) async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/s", ["type": .string(type)])
        var body = options
        body["input"] = Self.b64("signed message")
        let signed = try await h.request(.update, "transit/sign/s", body)
        let signature = try #require(signed.data?["signature"]?.stringValue)
        #expect(signature.hasPrefix("vault:v1:"))
        body["signature"] = .string(signature)
        #expect(try await h.request(.update, "transit/verify/s", body).data?["valid"] == true)
        body["input"] = Self.b64("another message")
        #expect(try await h.request(.update, "transit/verify/s", body).data?["valid"] == false)
        let key = try await h.request(.read, "transit/keys/s")
        let publicKey = key.data?["keys"]?.objectValue?["1"]?.objectValue?["public_key"]?.stringValue ?? ""
        #expect(type == "ed25519" ? Base64.decode(publicKey)?.count == 32 : publicKey.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(key.data?["supports_signing"] == true)
    }

    @Test("prehashed input is signed as given")
    func prehashed() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/p", ["type": "ecdsa-p256"])
        let digest = JSONValue.string(Base64.encode(HashAlgorithm.sha2_256.digest(Array("m".utf8))))
        let signature = try #require(try await h.request(.update, "transit/sign/p", ["input": digest, "prehashed": true]).data?["signature"])
        #expect(try await h.request(.update, "transit/verify/p", ["input": Self.b64("m"), "signature": signature]).data?["valid"] == true)
    }

    @Test("hmac and verify, on hmac keys and on encryption keys")
    func hmac() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/h", ["type": "hmac", "key_size": 64, "exportable": true])
        let mac = try #require(try await h.request(.update, "transit/hmac/h/sha2-512", ["input": Self.b64("data")]).data?["hmac"]?.stringValue)
        let key = try #require(try await h.request(.read, "transit/export/hmac-key/h/1").data?["keys"]?.objectValue?["1"]?.stringValue)
        let expected = HashAlgorithm.sha2_512.hmac(key: try #require(Base64.decode(key)), Array("data".utf8))
        #expect(mac == "vault:v1:" + Base64.encode(expected))
        #expect(try await h.request(.update, "transit/verify/h/sha2-512", ["input": Self.b64("data"), "hmac": .string(mac)]).data?["valid"] == true)
        #expect(try await h.request(.update, "transit/verify/h", ["input": Self.b64("data"), "hmac": .string(mac)]).data?["valid"] == false)
        try await h.request(.update, "transit/keys/aes")
        let batch = try await h.request(.update, "transit/hmac/aes", ["batch_input": [["input": Self.b64("a")], ["input": Self.b64("b")]]])
        #expect(batch.data?["batch_results"]?.arrayValue?.count == 2)
    }

    @Test("hash, random and datakey")
    func utilities() async throws {
        let h = try await Self.harness()
        let sum = try await h.request(.update, "transit/hash", ["input": Self.b64("hello")])
        #expect(sum.data?["sum"] == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        let sum512 = try await h.request(.update, "transit/hash/sha2-512", ["input": Self.b64("hello"), "format": "base64"])
        #expect(sum512.data?["sum"]?.stringValue.flatMap(Base64.decode)?.count == 64)
        #expect(try await h.request(.update, "transit/random/16", ["format": "hex"]).data?["random_bytes"]?.stringValue?.count == 32)
        #expect(try await h.request(.update, "transit/random/all/8").data?["random_bytes"]?.stringValue.flatMap(Base64.decode)?.count == 8)
        try await h.request(.update, "transit/keys/k")
        let plain = try await h.request(.update, "transit/datakey/plaintext/k", ["bits": 512])
        let secret = try #require(plain.data?["plaintext"]?.stringValue)
        #expect(Base64.decode(secret)?.count == 64)
        let opened = try await h.request(.update, "transit/decrypt/k", ["ciphertext": try #require(plain.data?["ciphertext"])])
        #expect(opened.data?["plaintext"] == .string(secret))
        let wrapped = try await h.request(.update, "transit/datakey/wrapped/k")
        #expect(wrapped.data?["plaintext"] == nil)
        #expect(wrapped.data?["ciphertext"] != nil)
    }

    @Test("export honours exportable and key type; backup and restore carry every version")
    func exportBackupRestore() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/k")
        #expect(await h.failure(.read, "transit/export/encryption-key/k")?.messages == ["private key material is not exportable"])
        #expect(await h.failure(.read, "transit/backup/k")?.code == .internalError)
        try await h.request(.update, "transit/keys/k/config", ["exportable": true, "allow_plaintext_backup": true])
        #expect(await h.failure(.read, "transit/export/signing-key/k")?.messages == ["signing not supported for the key"])
        #expect(await h.failure(.read, "transit/export/foo/k")?.messages == ["invalid export type: foo"])
        let ciphertext = try await Self.encrypt(h, "k", "kept")
        try await h.request(.update, "transit/keys/k/rotate")
        let backup = try #require(try await h.request(.read, "transit/backup/k").data?["backup"])
        try await h.request(.update, "transit/restore/copy", ["backup": backup])
        #expect(try await Self.decrypt(h, "copy", ciphertext) == "kept")
        #expect(try await h.request(.read, "transit/keys/copy").data?["latest_version"] == 2)
        #expect(await h.failure(.update, "transit/restore", ["backup": backup])?.messages == ["key \"k\" already exists"])
        try await h.request(.update, "transit/restore", ["backup": backup, "force": true])
        #expect(await h.failure(.update, "transit/restore", ["backup": "Zm9v"])?.code == .badRequest)
        // A well-formed backup whose key has the wrong length is refused, not stored.
        let backupBytes = try #require(backup.stringValue.flatMap(Base64.decode))
        var document = try #require(try JSONParser.parse(backupBytes).objectValue)
        var policy = try #require(document["policy"]?.objectValue)
        var versions = try #require(policy["versions"]?.objectValue)
        var first = try #require(versions["1"]?.objectValue)
        first["key"] = .string(Base64.encode([1, 2, 3, 4, 5]))
        versions["1"] = .object(first)
        policy["versions"] = .object(versions)
        document["policy"] = .object(policy)
        let forged = JSONValue.string(Base64.encode(JSONWriter.encode(.object(document))))
        #expect(await h.failure(.update, "transit/restore/forged", ["backup": forged])?.messages == ["invalid backup: not a transit key backup"])
        try await h.request(.update, "transit/keys/ec", ["type": "ecdsa-p384", "exportable": true])
        let pem = try await h.request(.read, "transit/export/signing-key/ec/latest")
        #expect(pem.data?["keys"]?.objectValue?["1"]?.stringValue?.hasPrefix("-----BEGIN EC PRIVATE KEY-----") == true)
        let pub = try await h.request(.read, "transit/export/public-key/ec")
        #expect(pub.data?["keys"]?.objectValue?["1"]?.stringValue?.hasSuffix("-----END PUBLIC KEY-----") == true)
    }

    @Test("the core's scheduled pass rotates an overdue key that nobody uses, and only that one")
    func scheduledRotation() async throws {
        let storage = StorageView(InMemoryStorage(), prefix: "transit/")
        var due = TransitKey(name: "due", type: .aes256)
        due.autoRotatePeriod = 3600
        try due.rotate(now: 0)
        var fresh = TransitKey(name: "fresh", type: .aes256)
        fresh.autoRotatePeriod = 3600
        try fresh.rotate(now: 3000)
        var manual = TransitKey(name: "manual", type: .aes256)
        try manual.rotate(now: 0)
        for key in [due, fresh, manual] { try await storage.putJSON(key.storageKey, .object(key.stored())) }
        // A corrupt document among them fails the pass but holds back no other key.
        try await storage.put(TransitKey.storagePrefix + "broken", Array("{}".utf8))
        let backend = TransitBackend()
        #expect(backend.periodicInterval == 60)
        await #expect(throws: CofferError.self) {
            try await backend.periodic(PeriodicContext(storage: storage, mount: MountInfo(path: "transit/", type: "transit"), now: 3700))
        }
        func latest(_ name: String) async throws -> Int? {
            guard let bytes = try await storage.get(TransitKey.storagePrefix + name) else { return nil }
            return try TransitKeyCache.parse(bytes).latestVersion
        }
        #expect(try await latest("due") == 2)
        #expect(try await latest("fresh") == 1)
        #expect(try await latest("manual") == 1)
    }

    @Test("a backup or stored key with version numbers beyond the bound is refused, not a trap later")
    func versionBounds() async throws {
        let h = try await Self.harness()
        var key = TransitKey(name: "b", type: .aes256)
        key.exportable = true
        key.allowPlaintextBackup = true
        try key.rotate(now: 1)
        var stored = key.stored()
        let version = stored["versions"]?.objectValue?["1"] ?? .null
        stored["versions"] = ["9223372036854775807": version]
        stored["latest_version"] = .int(.max)
        stored["auto_rotate_period"] = 1
        let document: JSONObject = ["policy": .object(stored), "backup_info": ["version": .int(.max)]]
        await #expect(throws: CofferError.self) {
            try await h.request(.update, "transit/restore/b", ["backup": .string(Base64.encode(JSONWriter.encode(.object(document))))])
        }
        #expect(throws: CofferError.self) { try TransitKey(stored: stored) }
    }

    @Test("the key cache serves a parsed key only while the stored document is unchanged")
    func cacheFollowsStorage() throws {
        let cache = TransitKeyCache()
        var key = TransitKey(name: "c", type: .aes256)
        try key.rotate(now: 1)
        let first = JSONWriter.encode(.object(key.stored()))
        #expect(try cache.key("m/c", stored: first).latestVersion == 1)
        try key.rotate(now: 2)
        let second = JSONWriter.encode(.object(key.stored()))
        #expect(try cache.key("m/c", stored: second).latestVersion == 2)
        #expect(try cache.key("m/c", stored: first).latestVersion == 1)
        #expect(throws: CofferError.self) { try cache.key("m/c", stored: Array("{}".utf8)) }
    }

    @Test("hostile ciphertexts, signatures, HMACs and backups get a 400, never a crash")
    func hostileInput() async throws {
        let h = try await Self.harness()
        try await h.request(.update, "transit/keys/k", ["derived": true])
        try await h.request(.update, "transit/keys/ec", ["type": "ecdsa-p256"])
        let fragments = ["vault:v", "vault:v1:", "vault:v99999999999999999999:", ":", "AAAA", "====", "-_", "\u{0}", "é", "vault:v-1:", "vault:v1:v1:"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 1...4, using: &generator) { text += fragments.randomElement(using: &generator)! }
            if Bool.random(using: &generator) { text += Base64.encode(SecureRandom.bytes(Int.random(in: 0...80, using: &generator))) }
            let value = JSONValue.string(text)
            for (path, body) in [
                ("transit/decrypt/k", ["ciphertext": value, "context": Self.b64("c")] as JSONObject),
                ("transit/verify/ec", ["input": "", "signature": value] as JSONObject),
                ("transit/verify/ec", ["input": "", "signature": value, "marshaling_algorithm": "jws"] as JSONObject),
                ("transit/verify/k", ["input": "", "hmac": value] as JSONObject),
                ("transit/restore/x", ["backup": value] as JSONObject),
            ] {
                if let error = await h.failure(.update, path, body) {
                    #expect(error.code == .badRequest, "\(path) \(text): \(error)")
                }
            }
        }
    }

    @Test("auto-rotation holds across a restart: a new core on the same storage rotates the overdue key")
    func autoRotationAcrossRestart() async throws {
        let clock = ManualClock()
        let first = try await Self.harness(clock: clock)
        try await first.request(.update, "transit/keys/r", ["auto_rotate_period": "2h"])
        await first.core.seal()
        clock.advance(by: 3 * 3600)
        // A fresh core stands for the restarted process: nothing carries over but storage.
        let restarted = Core(physical: first.storage, options: CoreOptions(clock: clock.function), logger: Logger(label: "test"))
        for key in first.keys { _ = try await restarted.unseal(key: Hex.encode(key), reset: false) }
        let read = try await restarted.handle(
            LogicalRequest(id: SecureRandom.uuid(), operation: .read, path: "transit/keys/r", clientToken: first.rootToken)
        )
        #expect(read.data?["latest_version"] == 2)
    }
}
