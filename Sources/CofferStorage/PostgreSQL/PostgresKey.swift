/// Vault's layout of a key in the entries table: the folder it sits in (`path`, with leading
/// and trailing slashes), the folder above that (`parent_path`), and the last segment (`key`).
/// Keeping the layout lets an operator move a table between Vault-shaped tools and coffer.
struct PostgresKey: Equatable {
    var parentPath: String
    var path: String
    var key: String

    init(parentPath: String, path: String, key: String) {
        self.parentPath = parentPath
        self.path = path
        self.key = key
    }

    /// Splits a full key such as `logical/abc/foo` into `/logical/`, `/logical/abc/`, `foo`.
    init(_ full: String) {
        let pieces = full.split(separator: "/", omittingEmptySubsequences: false)
        key = String(pieces[pieces.count - 1])
        switch pieces.count {
        case 1:
            parentPath = ""
            path = "/"
        case 2:
            parentPath = "/"
            path = "/" + pieces[0] + "/"
        default:
            parentPath = "/" + pieces[..<(pieces.count - 2)].joined(separator: "/") + "/"
            path = "/" + pieces[..<(pieces.count - 1)].joined(separator: "/") + "/"
        }
    }

    /// The full key back from a row's `path` and `key`.
    static func full(path: String, key: String) -> String {
        String(path.dropFirst()) + key
    }
}
