import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The channel handler that applies `ListVerbFraming` before the HTTP parser.
final class ListVerbHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var framing = ListVerbFraming()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if framing.phase == .lost {
            context.fireChannelRead(data)
            return
        }
        let bytes = framing.feed(Array(unwrapInboundIn(data).readableBytesView))
        if !bytes.isEmpty { context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: bytes))) }
    }
}

/// HTTP/1.1 with the `LIST` rewriting in front of the parser.
struct ListVerbChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ListVerbHandler())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 that also accepts Vault's `LIST` verb.
    static func proxyHTTP1() -> HTTPServerBuilder {
        HTTPServerBuilder { responder in ListVerbChannel(base: HTTP1Channel(responder: responder)) }
    }
}
