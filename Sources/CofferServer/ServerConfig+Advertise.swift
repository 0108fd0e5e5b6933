extension ServerConfig {
    /// The address this node gives clients and other nodes: `api_addr`, or else one made from
    /// the first listener (a wildcard host becomes the loopback address).
    public var advertisedAddress: String {
        if let apiAddr, !apiAddr.isEmpty { return apiAddr }
        guard let listener = listeners.first, let address = HostPort.parse(listener.address) else { return "" }
        var host = address.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        return "\(listener.tlsDisable ? "http" : "https")://\(host):\(address.port)"
    }
}
