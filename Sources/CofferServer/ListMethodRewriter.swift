import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import NIOCore

/// Lets the `LIST` verb through. Vault clients such as hvac send `LIST /v1/…`, but NIO's HTTP/1
/// parser (llhttp) knows a fixed set of methods and rejects it. This handler sits in front of the
/// parser and rewrites a request line's `LIST ` into the same-length `LINK `, which llhttp
/// accepts; the responder then treats `LINK` as a list. Only bytes at the start of a line are
/// examined: header names cannot contain a space and JSON bodies cannot contain a raw line
/// break inside a string, so `LIST ` at a line start can only be a request line.
final class ListMethodRewriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private static let list = Array("LIST ".utf8)
    private static let link = Array("LINK".utf8)

    private var atLineStart = true
    private var pending: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var bytes = pending
        bytes.append(contentsOf: buffer.readableBytesView)
        pending = []
        var index = 0
        var lineStart = atLineStart
        var changed = false
        while index < bytes.count {
            if lineStart {
                let available = min(Self.list.count, bytes.count - index)
                if bytes[index..<(index + available)].elementsEqual(Self.list[0..<available]) {
                    if available < Self.list.count {
                        // Hold back a possible partial "LIST " until the next read completes it.
                        pending = Array(bytes[index...])
                        bytes.removeSubrange(index...)
                        break
                    }
                    bytes.replaceSubrange(index..<(index + 4), with: Self.link)
                    changed = true
                }
            }
            lineStart = bytes[index] == UInt8(ascii: "\n")
            index += 1
        }
        if pending.isEmpty { atLineStart = bytes.last.map { $0 == UInt8(ascii: "\n") } ?? atLineStart }
        else { atLineStart = true }
        guard !bytes.isEmpty else { return }
        if !changed, pending.isEmpty, bytes.count == buffer.readableBytes {
            context.fireChannelRead(data)
        } else {
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: bytes)))
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
