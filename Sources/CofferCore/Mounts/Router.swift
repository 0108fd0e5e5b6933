import CofferSDK

/// An immutable routing snapshot: mounts by longest matching prefix. Rebuilt whole when the
/// mount table changes, so requests read it without locks.
struct Router: Sendable {
    /// A class, not a struct: routing walks the mounts and every request keeps its route, and a
    /// copy of a struct this size retains and releases each string, array and dictionary in it,
    /// on counts that every request thread shares (over ten atomic updates per mount visited).
    final class Route: Sendable {
        let entry: MountEntry
        let backend: any Backend
        /// The backend's path table and special paths, built once per mount: backends may
        /// compute them, and the request path must not pay for that each time.
        let paths: [PathSpec]
        let specialPaths: SpecialPaths
        /// The mount path without its trailing slash, made once: `dropLast()` walks back a
        /// whole Character, and routing asked for it on every mount it passed.
        let bare: String
        /// The mount path's bytes when it is ASCII and ends in a slash, as nearly all are: an
        /// ASCII request path is then matched against it byte for byte (see `route`).
        let asciiPath: [UInt8]?

        init(entry: MountEntry, backend: any Backend) {
            self.entry = entry
            self.backend = backend
            paths = backend.paths
            specialPaths = backend.specialPaths
            bare = String(entry.path.dropLast())
            let bytes = Array(entry.path.utf8)
            asciiPath = bytes.last == UInt8(ascii: "/") && bytes.allSatisfy { $0 < 0x80 } ? bytes : nil
        }
    }

    /// Sorted longest path first, so the first prefix hit is the longest.
    private let routes: [Route]
    /// Where cubbyholes are stored (`<prefix><cubbyhole id>/…`): wrapping writes there, and
    /// every token revocation, a thousand at a time in an expiry wave, clears there.
    let cubbyholePrefix: String?

    init(routes: [Route]) {
        self.routes = routes.sorted { $0.entry.path.count > $1.entry.path.count }
        cubbyholePrefix = routes.first { $0.entry.type == "cubbyhole" }?.entry.storagePrefix
    }

    var entries: [MountEntry] { routes.map(\.entry) }
    /// Every mount with its backend.
    var mounted: [Route] { routes }

    /// The mount serving `path`, and the path relative to it. `secret` alone reaches `secret/`.
    func route(_ path: String) -> (Route, String)? {
        if let found = Self.asciiRoute(path, routes) { return found }
        return routeCharacters(path)
    }

    /// `route` by Character, for any path and table.
    func routeCharacters(_ path: String) -> (Route, String)? {
        for route in routes {
            let mount = route.entry.path
            if path.hasPrefix(mount) { return (route, String(path.dropFirst(mount.count))) }
            if path == route.bare { return (route, "") }
        }
        return nil
    }

    /// `route` for an ASCII path when every mount has an `asciiPath`, on bytes: String's
    /// `hasPrefix`, `==` and `dropFirst` compare and count by Character under Unicode canonical
    /// equivalence, which for ASCII on both sides (and a prefix ending in a slash, so that it
    /// ends on a Character boundary) is plain byte equality, and they cost several times more.
    /// Nil for any other path or table, which the general loop then routes.
    private static func asciiRoute(_ path: String, _ routes: [Route]) -> (Route, String)?? {
        var path = path
        return path.withUTF8 { bytes -> (Route, String)?? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            for route in routes {
                guard let mount = route.asciiPath else { return nil }
                if bytes.count >= mount.count, startsWith(bytes, mount, count: mount.count) {
                    return .some((route, String(decoding: UnsafeBufferPointer(rebasing: bytes[mount.count...]), as: UTF8.self)))
                }
                if bytes.count == mount.count - 1, startsWith(bytes, mount, count: bytes.count) {
                    return .some((route, ""))
                }
            }
            return .some(nil)
        }
    }

    private static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ mount: [UInt8], count: Int) -> Bool {
        for index in 0..<count where bytes[index] != mount[index] { return false }
        return true
    }

    /// The mount at exactly `path` (with trailing slash).
    func mount(at path: String) -> Route? { routes.first { $0.entry.path == path } }
}
