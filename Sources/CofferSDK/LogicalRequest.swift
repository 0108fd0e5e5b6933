/// Where a request came from, for CIDR bindings and audit.
public struct ConnectionInfo: Sendable, Hashable {
    /// The peer's IP address as text, or empty when unknown.
    public var remoteAddress: String {
        get { peer.text }
        set { peer = .text(newValue) }
    }
    /// The peer's port, or 0.
    public var remotePort: Int
    /// True when the request arrived over TLS.
    public var tls: Bool
    private var peer: Peer

    /// Formatting a socket address costs about 3,000 instructions, and most requests never read
    /// it (audit, CIDR-bound tokens and logins do): the server can hand over a formatter instead.
    private enum Peer: Sendable {
        case text(String)
        case deferred(@Sendable () -> String)

        var text: String {
            switch self {
            case .text(let text): text
            case .deferred(let format): format()
            }
        }
    }

    /// Creates connection facts.
    public init(remoteAddress: String = "", remotePort: Int = 0, tls: Bool = false) {
        peer = .text(remoteAddress)
        self.remotePort = remotePort
        self.tls = tls
    }

    /// Creates connection facts whose address `format` writes out only when it is read.
    public init(remotePort: Int, tls: Bool, remoteAddress format: @escaping @Sendable () -> String) {
        peer = .deferred(format)
        self.remotePort = remotePort
        self.tls = tls
    }

    /// Equal when the address, port and TLS flag are.
    public static func == (lhs: ConnectionInfo, rhs: ConnectionInfo) -> Bool {
        lhs.remotePort == rhs.remotePort && lhs.tls == rhs.tls && lhs.remoteAddress == rhs.remoteAddress
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(remoteAddress)
        hasher.combine(remotePort)
        hasher.combine(tls)
    }
}

/// A transport-free request: what every backend sees, whatever the HTTP shape was.
public struct LogicalRequest: Sendable {
    /// A fresh UUID per request, echoed as `request_id`.
    public var id: String
    /// What is asked.
    public var operation: Operation
    /// The full path below `/v1/`; the router makes it mount-relative for the backend.
    public var path: String
    /// Body or query parameters, already decoded.
    public var data: JSONObject
    /// The raw client token, as sent; only the core reads it, to resolve `token`.
    public var clientToken: String?
    /// The resolved caller, set by the core.
    public var token: TokenEntry?
    /// `X-Vault-Wrap-TTL` in seconds, when asked.
    public var wrapTTL: Int64?
    /// The peer.
    public var connection: ConnectionInfo

    /// Creates a request.
    public init(
        id: String, operation: Operation, path: String, data: JSONObject = [:], clientToken: String? = nil,
        wrapTTL: Int64? = nil, connection: ConnectionInfo = ConnectionInfo()
    ) {
        self.id = id
        self.operation = operation
        self.path = path
        self.data = data
        self.clientToken = clientToken
        self.wrapTTL = wrapTTL
        self.connection = connection
    }
}
