import CofferCrypto
import CofferSDK

/// Reads and writes the persisted mount table; pure functions over storage, serialised by the
/// core's mount actor.
enum MountTable {
    static let path = "core/mounts"

    static func load(_ barrier: any Storage) async throws -> [MountEntry]? {
        guard let bytes = try await barrier.get(path) else { return nil }
        guard let array = (try? JSONParser.parse(bytes))?.arrayValue else {
            throw CofferError(.internalError, "mount table is corrupt")
        }
        return array.compactMap(MountEntry.init(json:))
    }

    static func save(_ entries: [MountEntry], to barrier: any Storage) async throws {
        try await barrier.put(path, JSONWriter.encode(.array(entries.map { $0.json() })))
    }

    static func newEntry(path: String, type: String, description: String, options: [String: String], isAuth: Bool = false) -> MountEntry {
        let prefix = isAuth ? "auth_" : ""
        return MountEntry(
            path: path, type: type, description: description, uuid: SecureRandom.uuid(),
            accessor: prefix + type + "_" + String(SecureRandom.uuid().prefix(8)), options: options, isAuth: isAuth
        )
    }

    /// The mounts every initialised server has.
    static func defaults() -> [MountEntry] {
        [
            newEntry(path: "sys/", type: "system", description: "system endpoints used for control, policy and debugging", options: [:]),
            newEntry(path: "cubbyhole/", type: "cubbyhole", description: "per-token private secret storage", options: [:]),
            newEntry(path: "auth/token/", type: "token", description: "token based credentials", options: [:], isAuth: true),
        ]
    }

    /// Vault's rules for a new mount path: normalised with one trailing slash, not reserved, and
    /// neither inside nor around an existing mount.
    static func validateNewPath(_ raw: String, existing: [MountEntry], auth: Bool = false) throws(CofferError) -> String {
        var path = raw
        while path.hasPrefix("/") { path.removeFirst() }
        while path.hasSuffix("//") { path.removeLast() }
        if !path.hasSuffix("/") { path += "/" }
        guard path != "/" else { throw CofferError.badRequest("missing mount path") }
        if path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
            throw CofferError.badRequest("invalid mount path \"\(raw)\"")
        }
        if auth {
            if path == "token/" { throw CofferError.badRequest("cannot mount \"auth/token/\": the token method is always there") }
            path = "auth/" + path
        } else {
            for reserved in ["sys/", "auth/", "cubbyhole/", "identity/"] where path.hasPrefix(reserved) {
                throw CofferError.badRequest("cannot mount \"\(path)\": the path is reserved")
            }
        }
        for entry in existing {
            if entry.path == path { throw CofferError.badRequest("path is already in use at \(path)") }
            if path.hasPrefix(entry.path) || entry.path.hasPrefix(path) {
                throw CofferError.badRequest("cannot mount \"\(path)\": it overlaps the existing mount \"\(entry.path)\"")
            }
        }
        return path
    }
}
