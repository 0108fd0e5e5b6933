import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The listener: HummingbirdCore's HTTP server in front of coffer's responder. It takes the
/// place of Hummingbird's `Application`, which gives every request its own copy of the logger
/// with a request-id member, bound as a task local, and formats the `Date` header through
/// Foundation's ICU calendar; coffer's responder logs with its own request ids and needs neither.
struct HTTPListener: Service {
    let responder: CofferResponder
    let server: HTTPServerBuilder
    let address: BindAddress
    let logger: Logger
    /// Called once the socket is bound.
    let onServerRunning: @Sendable (any Channel) async -> Void

    /// A response could not be written because the request turned out malformed meanwhile;
    /// HummingbirdCore would answer an `HTTPParserError` with a second response, so the
    /// connection is closed instead.
    private struct ResponseAbandoned: Error {}

    func run() async throws {
        let responder = self.responder, logger = self.logger
        let dates = HTTPDate()
        let service = try server.buildServer(
            configuration: ServerConfiguration(address: address, serverName: nil),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            responder: { (request, writer: consuming ResponseWriter, channel) in
                let context = CofferRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch let error as HTTPParserError {
                    throw error  // HummingbirdCore answers 400 and closes the connection.
                } catch {
                    response = Response(status: .internalServerError, body: .init())
                }
                response.headers[.date] = dates.now()
                do {
                    try await writer.write(response: response.head, body: response.body)
                } catch is HTTPParserError {
                    throw ResponseAbandoned()
                }
            },
            onServerRunning: onServerRunning
        )
        try await service.run()
    }

    /// Serves until SIGTERM or SIGINT, then drains open requests and returns.
    func runUntilSignalled() async throws {
        let group = ServiceGroup(configuration: .init(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
