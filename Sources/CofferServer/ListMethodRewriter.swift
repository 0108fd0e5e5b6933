import Foundation
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import NIOCore

/// Lets the `LIST` verb through. Vault clients such as hvac send `LIST /v1/…`, but NIO's HTTP/1
/// parser (llhttp) knows a fixed set of methods and rejects it. This handler sits in front of the
/// parser and, through `RequestFraming`, rewrites a request's leading `LIST ` into the
/// same-length `LINK `, which llhttp accepts; the responder then treats `LINK` as a list.
///
/// Because the framing shows where each request's head and body end, it also enforces the
/// listener's read timeouts, as Go's server does for Vault: a connection whose request head is
/// not complete within `http_read_header_timeout`, or whose whole request is not within
/// `http_read_timeout`, is closed, so slow or stalled clients cannot hold connections (and file
/// descriptors) open. The head deadline runs from the connection's start for its first request.
final class ListMethodRewriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var framing = RequestFraming()
    private let timeouts: RequestTimeouts
    private var headerTimer: Scheduled<Void>?
    private var requestTimer: Scheduled<Void>?

    init(timeouts: RequestTimeouts = RequestTimeouts()) {
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startRequestTimers(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if headerTimer == nil && requestTimer == nil { startRequestTimers(context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if framing.phase == .lost {
            context.fireChannelRead(data)
            return
        }
        let buffer = unwrapInboundIn(data)
        let result = framing.feed(Array(buffer.readableBytesView))
        if result.finishedRequest { cancelTimers() }
        switch framing.phase {
        case .idle:
            cancelTimers()
        case .lost:
            // The parser judges what framing could not follow; the request deadline still
            // stands, so a trickle of bytes cannot hold the connection open.
            headerTimer?.cancel()
            headerTimer = nil
        case .head:
            if headerTimer == nil && requestTimer == nil { startRequestTimers(context) }
        case .body:
            if requestTimer == nil && result.finishedRequest { startRequestTimers(context) }
            headerTimer?.cancel()
            headerTimer = nil
        }
        guard !result.bytes.isEmpty else { return }
        if !result.changed, result.bytes.count == buffer.readableBytes {
            context.fireChannelRead(data)
        } else {
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: result.bytes)))
        }
    }

    private func startRequestTimers(_ context: ChannelHandlerContext) {
        cancelTimers()
        let loop = context.eventLoop.assumeIsolated()
        if timeouts.readHeader > 0 {
            headerTimer = loop.scheduleTask(in: .seconds(timeouts.readHeader)) { context.close(promise: nil) }
        }
        if timeouts.read > 0 {
            requestTimer = loop.scheduleTask(in: .seconds(timeouts.read)) { context.close(promise: nil) }
        }
    }

    private func cancelTimers() {
        headerTimer?.cancel()
        requestTimer?.cancel()
        headerTimer = nil
        requestTimer = nil
    }
}

/// Wraps a child channel so the `LIST` rewriter runs before the HTTP parser.
struct ListMethodChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let timeouts: RequestTimeouts

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ListMethodRewriter(timeouts: timeouts))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        guard EventLoopTaskExecutor.enabled else { return await base.handle(value: value, logger: logger) }
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, over TLS when configured, that also accepts Vault's `LIST` verb.
    static func coffer(tls: TLSConfiguration?, timeouts: RequestTimeouts) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let idle = timeouts.idle > 0 ? TimeAmount.seconds(timeouts.idle) : nil
            let http = ListMethodChannel(
                base: HTTP1Channel(responder: responder, configuration: HTTP1Channel.Configuration(idleTimeout: idle)), timeouts: timeouts
            )
            if let tls { return try TLSChannel(http, tlsConfiguration: tls) }
            return http
        }
    }
}
