import CofferSDK
@testable import CofferStorage
import Testing

@Suite("PostgreSQL read cache")
struct PostgresReadCacheTests {
    @Test("hits after a read or a write; a read that raced a write is not kept; forget, capacity and off")
    func rules() {
        let cache = PostgresReadCache(capacity: 3, enabled: true)
        // A miss hands out a generation; the fill is then a hit, absent keys included.
        var (hit, generation) = cache.lookup("a")
        #expect(hit == nil && generation != nil)
        cache.fill("a", [1], generation: generation!)
        #expect(cache.lookup("a").hit == .some([1]))
        (hit, generation) = cache.lookup("gone")
        cache.fill("gone", nil, generation: generation!)
        #expect(cache.lookup("gone").hit == .some(nil))

        // A value fetched before a commit must not land after the commit wrote the new one.
        let (_, before) = cache.lookup("b")
        cache.wrote([.put("b", [2])])
        cache.fill("b", [9], generation: before!)
        #expect(cache.lookup("b").hit == .some([2]))
        // …nor when the commit's key was dropped meanwhile.
        let (_, early) = cache.lookup("c")
        cache.forget(["c"])
        cache.fill("c", [9], generation: early!)
        #expect(cache.lookup("c").hit == nil)

        // Deletes are remembered as absent; a failed write forgets its keys.
        cache.wrote([.delete("a")])
        #expect(cache.lookup("a").hit == .some(nil))
        cache.forget(["a"])
        #expect(cache.lookup("a").hit == nil)

        // At capacity the oldest entries go, one per insertion.
        cache.setEnabled(true)
        cache.wrote([.put("1", [1]), .put("2", [2]), .put("3", [3]), .put("4", [4])])
        #expect(cache.lookup("1").hit == nil && cache.lookup("4").hit == .some([4]) && cache.count == 3)

        // Off: nothing is served or kept, and what was there is gone.
        cache.setEnabled(false)
        #expect(cache.lookup("4").hit == nil && cache.lookup("4").generation == nil)
        cache.wrote([.put("5", [5])])
        #expect(cache.count == 0)
    }
}
