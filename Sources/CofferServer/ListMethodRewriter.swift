import Foundation
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import NIOCore

/// Lets the `LIST` verb through. Vault clients such as hvac send `LIST /v1/…`, but NIO's HTTP/1
/// parser (llhttp) knows a fixed set of methods and rejects it. This handler sits in front of the
/// parser and rewrites a request's leading `LIST ` into the same-length `LINK `, which llhttp
/// accepts; the responder then treats `LINK` as a list.
///
/// To know where each request starts on a kept-alive connection it follows HTTP/1.1 framing:
/// the request line, the headers (for `Content-Length` and chunked `Transfer-Encoding`), and then
/// skips the body by its length or its chunks. Anything it cannot follow is passed on untouched
/// for the real parser to judge.
final class ListMethodRewriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case requestStart
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd(remaining: Int)
        case trailers
        /// Framing was lost (a malformed or oversized request): stop rewriting.
        case passthrough
    }

    private static let list = Array("LIST ".utf8)
    private static let link = Array("LINK".utf8)
    private static let maxLine = 64 * 1024

    private var state = State.requestStart
    private var line: [UInt8] = []
    private var contentLength = 0
    private var chunked = false
    private var pending: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .passthrough = state {
            context.fireChannelRead(data)
            return
        }
        let buffer = unwrapInboundIn(data)
        var bytes = pending
        bytes.append(contentsOf: buffer.readableBytesView)
        pending = []
        var changed = false
        var index = 0
        scan: while index < bytes.count {
            switch state {
            case .requestStart:
                let byte = bytes[index]
                if byte == 0x0D || byte == 0x0A {  // stray line breaks between requests are allowed
                    index += 1
                    continue
                }
                let available = min(Self.list.count, bytes.count - index)
                if bytes[index..<(index + available)].elementsEqual(Self.list[0..<available]) {
                    if available < Self.list.count {
                        // Hold back a possible partial "LIST " until the next read completes it.
                        pending = Array(bytes[index...])
                        bytes.removeSubrange(index...)
                        break scan
                    }
                    bytes.replaceSubrange(index..<(index + 4), with: Self.link)
                    changed = true
                }
                contentLength = 0
                chunked = false
                line = []
                state = .requestLine
            case .requestLine, .headers, .chunkSize, .trailers:
                let byte = bytes[index]
                index += 1
                if byte == 0x0A {
                    endOfLine()
                } else if byte != 0x0D {
                    line.append(byte)
                    if line.count > Self.maxLine { state = .passthrough }
                }
            case .body(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .requestStart : .body(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .chunkEnd(remaining: 2) : .chunkData(remaining: remaining - take)
            case .chunkEnd(let remaining):
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .chunkSize : .chunkEnd(remaining: remaining - take)
            case .passthrough:
                break scan
            }
        }
        guard !bytes.isEmpty else { return }
        if !changed, pending.isEmpty, bytes.count == buffer.readableBytes {
            context.fireChannelRead(data)
        } else {
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: bytes)))
        }
    }

    /// Acts on one complete line of the request head, chunk framing or trailers.
    private func endOfLine() {
        defer { line = [] }
        switch state {
        case .requestLine:
            state = .headers
        case .headers:
            if line.isEmpty {
                state = chunked ? .chunkSize : (contentLength > 0 ? .body(remaining: contentLength) : .requestStart)
                return
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if name == "content-length" {
                guard let length = Int(value), length >= 0 else {
                    state = .passthrough
                    return
                }
                contentLength = length
            } else if name == "transfer-encoding", value.lowercased().contains("chunked") {
                chunked = true
            }
        case .chunkSize:
            let text = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard let size = Int(text, radix: 16), size >= 0 else {
                state = .passthrough
                return
            }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .trailers:
            if line.isEmpty { state = .requestStart }
        default:
            break
        }
    }
}

/// Wraps a child channel so the `LIST` rewriter runs before the HTTP parser.
struct ListMethodChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ListMethodRewriter())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, over TLS when configured, that also accepts Vault's `LIST` verb.
    static func coffer(tls: TLSConfiguration?) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let http = ListMethodChannel(base: HTTP1Channel(responder: responder))
            if let tls { return try TLSChannel(http, tlsConfiguration: tls) }
            return http
        }
    }
}
