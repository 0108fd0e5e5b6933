@testable import CofferCore
import Testing

@Suite("Audit callers' rendered auth members")
struct AuditCallerCacheTests {
    @Test("a held member is reused; another accessor renders afresh; the cache starts over when full")
    func reuse() {
        let cache = AuditCallerCache()
        var renders = 0
        func get(_ token: String, _ accessor: String) -> [UInt8] {
            cache.auth(token: token, accessor: accessor) {
                renders += 1
                return Array((token + "/" + accessor).utf8)
            }
        }
        #expect(get("t1", "a1") == Array("t1/a1".utf8))
        #expect(get("t1", "a1") == Array("t1/a1".utf8) && renders == 1)
        #expect(get("t1", "a2") == Array("t1/a2".utf8) && renders == 2)
        for n in 0..<AuditCallerCache.limit { _ = get("many-\(n)", "a") }
        let before = renders
        _ = get("t1", "a2")
        #expect(renders == before + 1, "the full cache started over and dropped t1")
    }
}
