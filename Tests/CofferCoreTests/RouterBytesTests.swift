@testable import CofferCore
import Testing

@Suite("Routing on bytes")
struct RouterBytesTests {
    static func router(_ paths: [String]) -> Router {
        Router(routes: paths.enumerated().map { index, path in
            Router.Route(
                entry: MountEntry(path: path, type: "cubbyhole", description: "", uuid: "u\(index)", accessor: "a\(index)", options: [:]),
                backend: CubbyholeBackend()
            )
        })
    }

    @Test("ASCII paths route on bytes exactly as by Character, and other tables and paths still route by Character")
    func agreesWithCharacters() {
        let ascii = ["sys/", "secret/", "secret/nested/", "auth/token/", "cubbyhole/", "kv/", "k/"]
        let tables = [ascii, ascii + ["caf\u{E9}/"], ascii + ["\u{212A}v/"]]
        let pieces = ["", "/", "sys", "secret", "nested", "auth", "token", "cubbyhole", "kv", "k", "v", "data", "x", "\r\n", "caf\u{E9}", "cafe\u{301}", "Kv"]
        var generator = SystemRandomNumberGenerator()
        var paths = pieces
        for _ in 0..<5_000 {
            let count = Int.random(in: 1...4, using: &generator)
            paths.append((0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined(separator: Bool.random(using: &generator) ? "/" : ""))
        }
        for table in tables {
            let router = Self.router(table)
            for path in paths {
                let fast = router.route(path)
                let slow = router.routeCharacters(path)
                #expect(fast?.0.entry.path == slow?.0.entry.path && fast?.1 == slow?.1, "\(path.debugDescription) in \(table)")
            }
        }
        let kelvin = Self.router(ascii + ["\u{212A}v/"])
        #expect(kelvin.route("Kv/x")?.1 == "x", "canonical equivalence still applies")
        #expect(Self.router(ascii).route("secret")?.0.entry.path == "secret/")
        #expect(Self.router(ascii).route("secret/nested/a")?.1 == "a")
    }
}
