@testable import CofferAgent
import Foundation
import Testing

@Suite("LIST verb framing for the proxy listener")
struct ListVerbFramingTests {
    func run(_ chunks: [String]) -> (String, ListVerbFraming.Phase) {
        var framing = ListVerbFraming()
        var out = [UInt8]()
        for chunk in chunks { out += framing.feed(Array(chunk.utf8)) }
        return (String(decoding: out, as: UTF8.self), framing.phase)
    }

    @Test("each request's LIST becomes LINK, across bodies and split reads; others pass unchanged")
    func rewrites() {
        let post = "POST /v1/a HTTP/1.1\r\nContent-Length: 9\r\n\r\nLIST abcd"
        let list = "LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\n\r\n"
        let (out, phase) = run([post + list + list])
        #expect(out == post + list.replacingOccurrences(of: "LIST", with: "LINK") + list.replacingOccurrences(of: "LIST", with: "LINK"))
        #expect(phase == .start)
        // One byte at a time gives the same result.
        let bytes = (post + list).map { String($0) }
        #expect(run(bytes).0 == post + list.replacingOccurrences(of: "LIST", with: "LINK"))
        #expect(run(["LI", "ST /v1/x HTTP/1.1\r\n\r\n"]).0 == "LINK /v1/x HTTP/1.1\r\n\r\n")
        #expect(run(["GET /v1/LIST HTTP/1.1\r\n\r\n"]).0 == "GET /v1/LIST HTTP/1.1\r\n\r\n")
    }

    @Test("a chunked body or an unreadable length stops the rewriting for the connection")
    func lost() {
        let chunked = "POST /v1/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(run([chunked, "LIST /v1/x HTTP/1.1\r\n\r\n"]) == (chunked + "LIST /v1/x HTTP/1.1\r\n\r\n", .lost))
        #expect(run(["POST /v1/a HTTP/1.1\r\nContent-Length: -1\r\n\r\n"]).1 == .lost)
        #expect(run(["GET /" + String(repeating: "a", count: ListVerbFraming.maxHead + 10)]).1 == .lost)
    }
}
