@testable import CofferCore
import Testing

@Suite("Token cache")
struct TokenCacheTests {
    @Test("holds at most its limit, evicting oldest first, and keeps entries in use")
    func bounded() {
        var cache = TokenCache<Int>(limit: 100)
        for n in 0..<1000 {
            cache.set("k\(n)", n)
            // The first key, read all along, moves to the back before its turn and is never lost.
            #expect(cache.get("k0") == 0)
            #expect(cache.count <= 100)
        }
        // Moving an entry up leaves its old place in the ring stale, which evicts nothing.
        #expect(cache.count >= 99 && cache.count <= 100)
        #expect(cache.get("k999") == 999)
        #expect(cache.get("k800") == nil, "an unused entry leaves after `limit` newer ones")
        #expect(cache.get("k950") == 950)
    }

    @Test("a new value replaces the old one, and a removal is final")
    func replaceAndRemove() {
        var cache = TokenCache<Int>(limit: 10)
        cache.set("x", 1)
        cache.set("x", 2)
        #expect(cache.get("x") == 2)
        // The ring slot of the first value leaves later without taking the second with it.
        for n in 0..<8 { cache.set("fill\(n)", n) }
        #expect(cache.get("x") == 2)
        cache.remove("x")
        #expect(cache.get("x") == nil)
        for n in 0..<30 { cache.set("more\(n)", n) }
        #expect(cache.get("x") == nil)
        #expect(cache.count == 10)
    }
}
