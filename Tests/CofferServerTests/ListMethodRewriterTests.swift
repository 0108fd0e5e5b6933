@testable import CofferServer
import NIOCore
import NIOEmbedded
import Testing

@Suite("LIST verb rewriting in front of the HTTP parser")
struct ListMethodRewriterTests {
    func run(_ chunks: [String]) throws -> String {
        let channel = EmbeddedChannel(handler: ListMethodRewriter())
        for chunk in chunks {
            try channel.writeInbound(channel.allocator.buffer(string: chunk))
        }
        var out = ""
        while let buffer: ByteBuffer = try channel.readInbound() {
            out += String(buffer: buffer)
        }
        _ = try channel.finish()
        return out
    }

    @Test("a LIST request line becomes LINK; nothing else changes")
    func rewrites() throws {
        #expect(try run(["LIST /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n"]) == "LINK /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try run(["GET /v1/LIST HTTP/1.1\r\nX-Note: LIST \r\n\r\n"]) == "GET /v1/LIST HTTP/1.1\r\nX-Note: LIST \r\n\r\n")
    }

    @Test("pipelined requests and a verb split across reads")
    func splitAndPipelined() throws {
        let request = "LIST /v1/a HTTP/1.1\r\n\r\n"
        #expect(try run([request + request]) == String(repeating: "LINK /v1/a HTTP/1.1\r\n\r\n", count: 2))
        #expect(try run(["LI", "ST /v1/a HTTP/1.1\r\n\r\n"]) == "LINK /v1/a HTTP/1.1\r\n\r\n")
        #expect(try run(["GET /x HTTP/1.1\r\n\r\nL", "IST /y HTTP/1.1\r\n\r\n"]) == "GET /x HTTP/1.1\r\n\r\nLINK /y HTTP/1.1\r\n\r\n")
        #expect(try run(["LIS", "TEN /v1/a HTTP/1.1\r\n\r\n"]) == "LISTEN /v1/a HTTP/1.1\r\n\r\n")
    }

    @Test("a request after a body on a kept-alive connection, with Content-Length or chunks")
    func afterBodies() throws {
        let post = "POST /v1/x HTTP/1.1\r\nContent-Type: application/json\r\ncontent-length: 12\r\n\r\n{\"LIST \":\"\"}"
        let list = "LIST /v1/y HTTP/1.1\r\nHost: h\r\n\r\n"
        let listed = "LINK /v1/y HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(try run([post + list]) == post + listed)
        #expect(try run([String(post.prefix(70)), String(post.dropFirst(70)) + "LI", "ST /v1/y HTTP/1.1\r\nHost: h\r\n\r\n"]) == post + listed)
        let chunked = "POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nLIST \r\n3;ext=1\r\nabc\r\n0\r\n\r\n"
        #expect(try run([chunked + list]) == chunked + listed)
        #expect(try run([chunked, list]) == chunked + listed)
    }
}
