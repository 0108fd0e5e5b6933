@testable import CofferEngines
import Testing

/// The existence check of `encrypt/:name` hands the key it read to the same request's handler
/// through the cache; these pin down that hand-over.
@Suite("Transit key cache: keys held for one request")
struct TransitKeyCacheTests {
    static func key(_ name: String) -> TransitKey { TransitKey(name: name, type: .aes256) }

    @Test("a held key is taken once, by the same request and name only")
    func takenOnce() {
        let cache = TransitKeyCache()
        #expect(cache.takeChecked(request: "r1", name: "m/policy/a") == nil)
        cache.holdChecked(Self.key("a"), request: "r1", name: "m/policy/a")
        #expect(cache.takeChecked(request: "r2", name: "m/policy/a") == nil)
        #expect(cache.takeChecked(request: "r1", name: "m/policy/b") == nil)
        #expect(cache.takeChecked(request: "r1", name: "m/policy/a")?.name == "a")
        #expect(cache.takeChecked(request: "r1", name: "m/policy/a") == nil)
    }

    @Test("a request without an id holds nothing")
    func noRequestID() {
        let cache = TransitKeyCache()
        cache.holdChecked(Self.key("a"), request: "", name: "m/policy/a")
        #expect(cache.takeChecked(request: "", name: "m/policy/a") == nil)
    }

    @Test("deleting a key drops what is held for it; leftovers stay bounded")
    func removalAndBound() {
        let cache = TransitKeyCache()
        cache.holdChecked(Self.key("a"), request: "r1", name: "m/policy/a")
        cache.holdChecked(Self.key("b"), request: "r1", name: "m/policy/b")
        cache.remove("m/policy/a")
        #expect(cache.takeChecked(request: "r1", name: "m/policy/a") == nil)
        #expect(cache.takeChecked(request: "r1", name: "m/policy/b")?.name == "b")

        let total = TransitKeyCache.checkedCapacity + 50
        for index in 0..<total { cache.holdChecked(Self.key("k"), request: "q\(index)", name: "m/policy/k") }
        let left = (0..<total).filter { cache.takeChecked(request: "q\($0)", name: "m/policy/k") != nil }
        #expect(left.count <= TransitKeyCache.checkedCapacity)
        #expect(left.contains(total - 1))
    }
}
