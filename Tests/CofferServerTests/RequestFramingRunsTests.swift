@testable import CofferServer
import Foundation
import Testing

@Suite("Request framing over runs of bytes")
struct RequestFramingRunsTests {
    static func feed(_ pieces: [[UInt8]]) -> (out: [UInt8], finished: Int, phase: RequestFraming.Phase) {
        var framing = RequestFraming()
        var out = [UInt8]()
        var finished = 0
        for piece in pieces {
            let result = framing.feed(piece)
            out += result.bytes
            if result.finishedRequest { finished += 1 }
        }
        return (out, finished, framing.phase)
    }

    @Test("a line of exactly the bound keeps framing; one byte more loses it")
    func bound() {
        let list = Array("LIST /v1/y HTTP/1.1\r\n\r\n".utf8)
        let header = "X-Long: "
        let atBound = Array("GET /x HTTP/1.1\r\n\(header)\(String(repeating: "a", count: RequestFraming.maxLine - header.utf8.count))\r\n\r\n".utf8)
        let kept = Self.feed([atBound + list])
        #expect(kept.out == atBound + Array("LINK /v1/y HTTP/1.1\r\n\r\n".utf8) && kept.phase == .idle)
        let overBound = Array("GET /x HTTP/1.1\r\n\(header)\(String(repeating: "a", count: RequestFraming.maxLine - header.utf8.count + 1))\r\n\r\n".utf8)
        let lost = Self.feed([overBound + list])
        #expect(lost.out == overBound + list && lost.phase == .lost)
        // Crossing the bound across reads loses framing alike.
        let split = Self.feed([Array(overBound.prefix(40_000)), Array(overBound.dropFirst(40_000)) + list])
        #expect(split.out == overBound + list && split.phase == .lost)
    }

    @Test("any split of pipelined requests gives what the whole gives")
    func splits() {
        let text = "GET /v1/a HTTP/1.1\r\nHost: h\r\nX-Odd: a\rb\r\n\r\n"
            + "POST /v1/x HTTP/1.1\r\nContent-Length: 5\r\n\r\nLIST "
            + "POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nLIST \r\n0\r\nT: 1\r\n\r\n"
            + "LIST /v1/y HTTP/1.1\r\nX-Vault-Token: root\r\n\r\n"
        let bytes = Array(text.utf8)
        let whole = Self.feed([bytes])
        #expect(whole.finished == 1 && whole.phase == .idle)
        #expect(whole.out == Array(text.replacingOccurrences(of: "LIST /v1/y", with: "LINK /v1/y").utf8))
        for cut in 0...bytes.count {
            for second in stride(from: cut, through: bytes.count, by: 7) {
                let pieces = [Array(bytes[..<cut]), Array(bytes[cut..<second]), Array(bytes[second...])]
                let result = Self.feed(pieces)
                #expect(result.out == whole.out && result.phase == whole.phase, "cut at \(cut) and \(second)")
            }
        }
    }
}
