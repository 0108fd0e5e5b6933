/// A listener's connection timeouts in seconds (0 turns one off), with Vault's defaults.
struct RequestTimeouts: Sendable, Equatable {
    /// Until a request's head is complete (`http_read_header_timeout`).
    var readHeader: Int64 = 10
    /// Until a whole request is in (`http_read_timeout`).
    var read: Int64 = 30
    /// Between requests on a kept-alive connection (`http_idle_timeout`).
    var idle: Int64 = 300

    init() {}

    init(_ listener: ServerConfig.Listener) {
        readHeader = listener.readHeaderTimeout
        read = listener.readTimeout
        idle = listener.idleTimeout
    }
}
