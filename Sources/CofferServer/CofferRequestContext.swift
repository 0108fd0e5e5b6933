import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the peer address for CIDR checks
/// and audit.
public struct CofferRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer, when known.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
