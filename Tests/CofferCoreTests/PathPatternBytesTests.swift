@testable import CofferSDK
import Testing

@Suite("Path patterns on bytes")
struct PathPatternBytesTests {
    static let patterns = [
        "config", "data/*path", "metadata/*path", "role/:name/secret-id", "role/:name", "keys/:name/rotate",
        "role/:role_name/secret-id/lookup", "login", "", "*rest", ":only", "a/:b/c/*d",
    ]

    @Test("an ASCII path matches on bytes exactly as it does by Character")
    func agreesWithCharacters() {
        let pieces = [
            "", "/", "//", "data", "data/", "metadata", "role", "ci", "secret-id", "config", "configs", "a", "b", "c",
            "rotate", "keys", "login", "x/y", "\r", "\n", "\r\n", "lookup", "role_name",
        ]
        var generator = SystemRandomNumberGenerator()
        var paths = pieces
        for _ in 0..<5_000 {
            let count = Int.random(in: 1...5, using: &generator)
            paths.append((0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined(separator: Bool.random(using: &generator) ? "/" : ""))
        }
        for text in Self.patterns {
            let pattern = PathPattern(text)
            for path in paths {
                #expect(pattern.match(path) == pattern.matchCharacters(path), "\(text) against \(path.debugDescription)")
            }
        }
    }

    @Test("non-ASCII paths and patterns keep Character matching")
    func nonASCII() {
        #expect(PathPattern("data/*path").match("data/caf\u{E9}") == ["path": "caf\u{E9}"])
        #expect(PathPattern("caf\u{E9}/:name").match("cafe\u{301}/x") == ["name": "x"])
        #expect(PathPattern("data/*path").match("data\u{301}/x") == nil)
    }
}
