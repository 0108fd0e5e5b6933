import CofferCrypto
import CofferSDK

/// Service tokens, stored only by their salted hash: a copy of the database does not reveal a
/// usable token. This is the root-token core; the token store issue grows it into Vault's full
/// `auth/token/` backend.
struct TokenStore: Sendable {
    static let saltPath = "core/token-salt"

    private let storage: StorageView
    private let salt: SecureBytes

    init(storage: StorageView, salt: SecureBytes) {
        self.storage = storage
        self.salt = salt
    }

    /// Loads the salt, creating it on first use.
    static func load(barrier: any Storage) async throws -> TokenStore {
        let salt: SecureBytes
        if let existing = try await barrier.get(saltPath) {
            salt = SecureBytes(copying: existing)
        } else {
            salt = SecureBytes(randomCount: 32)
            try await barrier.put(saltPath, salt.exportBytes())
        }
        return TokenStore(storage: StorageView(barrier, prefix: "sys/token/"), salt: salt)
    }

    func hash(_ token: String) -> String {
        Hex.encode(Digest.hmacSHA256(key: salt, Array(token.utf8)))
    }

    /// Stores a new root token; a random `hvs.` id unless one is given (dev mode).
    func createRoot(id: String? = nil, now: Double) async throws -> String {
        let token = id ?? ("hvs." + SecureRandom.base62String(length: 24))
        let accessor = SecureRandom.base62String(length: 24)
        let record: JSONValue = [
            "accessor": .string(accessor), "policies": ["root"], "path": "auth/token/root",
            "display_name": "root", "creation_time": .int(Int64(now)), "type": "service",
            "cubbyhole_id": .string(SecureRandom.base62String(length: 24)),
        ]
        try await storage.putJSON("id/" + hash(token), record)
        return token
    }

    /// The entry for `token`, or nil when it is unknown.
    func lookup(_ token: String) async throws -> TokenEntry? {
        guard !token.isEmpty, let record = try await storage.getJSON("id/" + hash(token))?.objectValue else { return nil }
        return TokenEntry(
            accessor: record["accessor"]?.stringValue ?? "",
            policies: record["policies"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            path: record["path"]?.stringValue ?? "",
            displayName: record["display_name"]?.stringValue ?? "",
            meta: (record["meta"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            kind: record["type"]?.stringValue == "batch" ? .batch : .service,
            cubbyholeID: record["cubbyhole_id"]?.stringValue
        )
    }
}
