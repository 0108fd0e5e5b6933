@testable import CofferCore
import Testing

@Suite("Time-ordered identifiers")
struct OrderedIDTests {
    @Test("the time prefix sorts as the times do, to the millisecond")
    func prefixOrder() {
        var generator = SystemRandomNumberGenerator()
        let times = (0..<2000).map { _ in Double(UInt64.random(in: 0...4_000_000_000_000, using: &generator)) / 1000 }
            + [0, 0.001, 61.999, 62, 1_700_000_000, 1_700_000_000.001, 4_102_444_800]
        let byPrefix = times.sorted { OrderedID.timePrefix($0) < OrderedID.timePrefix($1) }
        let byTime = times.sorted()
        #expect(byPrefix.map { ($0 * 1000).rounded(.down) } == byTime.map { ($0 * 1000).rounded(.down) })
        #expect(OrderedID.timePrefix(0) == "00000000")
        #expect(OrderedID.timePrefix(0.062) == "00000010")
        #expect(OrderedID.timePrefix(1_700_000_000).count == OrderedID.timeLength)
    }

    @Test("made identifiers carry their time and 24 random characters; the locality is found only in that shape")
    func locality() {
        let id = OrderedID.make(at: 1_700_000_000.5)
        #expect(id.count == 32 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(OrderedID.locality(of: id) == Substring(OrderedID.timePrefix(1_700_000_000.5)))
        #expect(OrderedID.locality(of: "hvs." + id) == OrderedID.locality(of: id))
        #expect(OrderedID.make(at: 1) != OrderedID.make(at: 1))
        for other in ["root", "hvs.", "hvs.tooShort", "hvs." + id + "x", "hvs." + id.dropLast() + "-", "hvb." + String(repeating: "A_", count: 16)] {
            #expect(OrderedID.locality(of: other) == "", "\(other)")
        }
    }
}
