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

        init(entry: MountEntry, backend: any Backend) {
            self.entry = entry
            self.backend = backend
            paths = backend.paths
            specialPaths = backend.specialPaths
            bare = String(entry.path.dropLast())
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
        for route in routes {
            let mount = route.entry.path
            if path.hasPrefix(mount) { return (route, String(path.dropFirst(mount.count))) }
            if path == route.bare { return (route, "") }
        }
        return nil
    }

    /// The mount at exactly `path` (with trailing slash).
    func mount(at path: String) -> Route? { routes.first { $0.entry.path == path } }
}
