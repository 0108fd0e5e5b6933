@testable import CofferCore
import Testing

@Suite("Unseal progress state machine")
struct UnsealProgressTests {
    @Test("collects distinct shares until the threshold, then asks to combine")
    func collects() throws {
        var progress = UnsealProgress()
        #expect(try progress.offer([1, 1], threshold: 3, newNonce: { "n1" }) == .wait(progress: 1))
        #expect(progress.nonce == "n1")
        #expect(try progress.offer([2, 2], threshold: 3, newNonce: { "n2" }) == .wait(progress: 2))
        #expect(progress.nonce == "n1", "the nonce stays for the whole attempt")
        #expect(try progress.offer([3, 3], threshold: 3, newNonce: { "n3" }) == .combine([[1, 1], [2, 2], [3, 3]]))
        #expect(progress.count == 0 && progress.nonce.isEmpty)
    }

    @Test("a duplicate or wrong-length share is refused without losing progress")
    func refusalsKeepProgress() throws {
        var progress = UnsealProgress()
        _ = try progress.offer([1, 1], threshold: 3, newNonce: { "n" })
        #expect(throws: UnsealProgress.Refusal.duplicate) { try progress.offer([1, 1], threshold: 3, newNonce: { "n" }) }
        #expect(throws: UnsealProgress.Refusal.wrongLength) { try progress.offer([1, 1, 1], threshold: 3, newNonce: { "n" }) }
        #expect(progress.count == 1)
        progress.reset()
        #expect(progress.count == 0)
    }
}
