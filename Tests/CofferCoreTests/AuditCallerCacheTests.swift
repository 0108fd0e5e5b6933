@testable import CofferCore
import Testing

@Suite("Audit callers' rendered auth members")
struct AuditCallerCacheTests {
    @Test("a held caller is reused; another accessor renders afresh; the cache starts over when full")
    func reuse() {
        let cache = AuditCallerCache()
        var renders = 0
        func get(_ idHash: String, _ accessor: String) -> AuditCallerCache.Held {
            cache.caller(idHash: idHash, accessor: accessor) {
                renders += 1
                return (AuditIDs(token: "h(" + idHash + ")", accessor: "h(" + accessor + ")"), Array((idHash + "/" + accessor).utf8))
            }
        }
        let first = get("t1", "a1")
        #expect(first.auth == Array("t1/a1".utf8) && first.ids.token == "h(t1)" && first.ids.accessor == "h(a1)")
        #expect(get("t1", "a1").auth == Array("t1/a1".utf8) && renders == 1)
        let other = get("t1", "a2")
        #expect(other.auth == Array("t1/a2".utf8) && other.ids.accessor == "h(a2)" && renders == 2)
        for n in 0..<AuditCallerCache.limit { _ = get("many-\(n)", "a") }
        let before = renders
        _ = get("t1", "a2")
        #expect(renders == before + 1, "the full cache started over and dropped t1")
    }
}
