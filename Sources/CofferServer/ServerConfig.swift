import CofferHCL
import CofferSDK
import CofferStorage
import Foundation

/// The server configuration, read from Vault-style HCL or JSON.
public struct ServerConfig: Sendable, Equatable {
    /// Where data lives.
    public enum StorageKind: Sendable, Equatable {
        case sqlite(path: String)
        case inmem
        /// `storage "postgresql"`: shared by every node, and the HA lock when `ha_enabled`.
        case postgresql(PostgresStorageSettings)
    }

    /// One `listener "tcp"` stanza.
    public struct Listener: Sendable, Equatable {
        /// `host:port`; Vault's default is 127.0.0.1:8200.
        public var address = "127.0.0.1:8200"
        /// True for plain HTTP.
        public var tlsDisable = false
        /// PEM certificate chain.
        public var tlsCertFile: String?
        /// PEM private key.
        public var tlsKeyFile: String?
        /// Seconds a client may take to send a request's headers (Vault: `http_read_header_timeout`, 10 s).
        public var readHeaderTimeout: Int64 = 10
        /// Seconds a client may take to send a whole request (Vault: `http_read_timeout`, 30 s); 0 for none.
        public var readTimeout: Int64 = 30
        /// Seconds a kept-alive connection may wait for its next request (Vault: `http_idle_timeout`, 5 min); 0 for none.
        public var idleTimeout: Int64 = 300
        /// `telemetry { unauthenticated_metrics_access = true }`: `sys/metrics` needs no token here.
        public var unauthenticatedMetricsAccess = false

        /// Creates a listener with Vault's defaults.
        public init() {}
    }

    /// Storage; Vault requires one stanza.
    public var storage: StorageKind = .inmem
    /// Listeners; at least one.
    public var listeners: [Listener] = []
    /// Seconds, or nil for the 32-day default.
    public var defaultLeaseTTL: Int64?
    /// Seconds, or nil for the 32-day default.
    public var maxLeaseTTL: Int64?
    /// The address clients should use, for redirects and banners.
    public var apiAddr: String?
    /// trace, debug, info, warn or error.
    public var logLevel: String = "info"
    /// Accepted for compatibility: key buffers are always locked by libsodium.
    public var disableMlock = false
    /// Accepted for compatibility: there is no web UI.
    public var ui = false
    /// The `seal "static"` stanza, or nil for Shamir unseal keys.
    public var seal: StaticSealStanza?
    /// The `initialize` stanzas, run once on the first start of empty storage.
    public var initialize: [InitializeStanza] = []
    /// The `telemetry` stanza.
    public var telemetry = Telemetry()

    /// An empty configuration.
    public init() {}
}

/// A configuration problem, naming the file and (for HCL) the line.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// Ready to print.
    public let description: String
}

extension ServerConfig {
    /// Loads `path`: JSON when it ends in `.json`, HCL otherwise.
    public static func load(path: String) throws(ConfigError) -> ServerConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(description: "error loading configuration from \(path): cannot read the file")
        }
        return try parse(text, file: path, json: path.hasSuffix(".json"))
    }

    /// Parses configuration text; `file` names the source in errors.
    public static func parse(_ text: String, file: String, json: Bool) throws(ConfigError) -> ServerConfig {
        let body: HCLBody
        do {
            body = json ? try HCLBody.fromJSON(text) : try HCLParser.parse(text)
        } catch {
            throw ConfigError(description: "error parsing \(file): \(error.line > 0 ? "line \(error.line): " : "")\(error.message)")
        }
        var decoder = ConfigDecoder(file: file)
        return try decoder.decode(body)
    }
}

/// Walks the parsed document, rejecting unknown keys and bad values with their location.
struct ConfigDecoder {
    let file: String

    func fail(_ item: HCLItem, _ message: String) -> ConfigError {
        let location = item.line > 0 ? "\(file):\(item.line)" : "\(file) (key \"\(item.key)\")"
        return ConfigError(description: "error in configuration \(location): \(message)")
    }

    mutating func decode(_ body: HCLBody) throws(ConfigError) -> ServerConfig {
        var config = ServerConfig()
        var sawStorage = false
        for item in body.items {
            switch item.key {
            case "storage", "backend":
                guard !sawStorage else { throw fail(item, "only one storage stanza is allowed") }
                sawStorage = true
                config.storage = try storage(item)
            case "listener":
                config.listeners += try listeners(item)
            case "default_lease_ttl": config.defaultLeaseTTL = try duration(item)
            case "max_lease_ttl": config.maxLeaseTTL = try duration(item)
            case "api_addr": config.apiAddr = try string(item)
            case "cluster_addr", "cluster_name", "pid_file", "log_format": _ = try string(item)
            case "log_level":
                let level = try string(item).lowercased()
                guard ["trace", "debug", "info", "warn", "warning", "error", "err"].contains(level) else {
                    throw fail(item, "unknown log_level \"\(level)\"; use trace, debug, info, warn or error")
                }
                config.logLevel = level
            case "disable_mlock": config.disableMlock = try bool(item)
            case "ui": config.ui = try bool(item)
            case "seal":
                guard config.seal == nil else { throw fail(item, "only one seal stanza is allowed") }
                config.seal = try seal(item)
            case "initialize": config.initialize += try initialize(item, after: config.initialize)
            case "telemetry": config.telemetry = try telemetry(item)
            default:
                throw fail(item, "unknown configuration key \"\(item.key)\"")
            }
        }
        guard sawStorage else {
            throw ConfigError(description: "error in configuration \(file): a storage stanza is required, such as storage \"sqlite\" { path = \"coffer.db\" }")
        }
        guard !config.listeners.isEmpty else {
            throw ConfigError(description: "error in configuration \(file): at least one listener stanza is required")
        }
        if !config.initialize.isEmpty, config.seal == nil {
            throw ConfigError(
                description: "error in configuration \(file): the initialize stanza needs an auto-unseal seal such as seal \"static\", since no one is there to hold unseal keys")
        }
        if let d = config.defaultLeaseTTL, let m = config.maxLeaseTTL, d > m {
            throw ConfigError(description: "error in configuration \(file): default_lease_ttl is greater than max_lease_ttl")
        }
        return config
    }

    /// A block's type and body, whether written as HCL `name "type" { … }` or JSON `{"name": {"type": {…}}}`.
    func labelled(_ item: HCLItem) throws(ConfigError) -> [(String, HCLBody, HCLItem)] {
        if item.isBlock {
            guard item.labels.count == 1, case .object(let body) = item.value else {
                throw fail(item, "\(item.key) needs exactly one type label, such as \(item.key) \"\(item.key == "listener" ? "tcp" : "sqlite")\" { … }")
            }
            return [(item.labels[0], body, item)]
        }
        // JSON spells a block as {"type": {…}}, or a list of those for repeated stanzas.
        let outers: [HCLValue]
        if case .list(let elements) = item.value { outers = elements } else { outers = [item.value] }
        var out = [(String, HCLBody, HCLItem)]()
        for outer in outers {
            guard case .object(let body) = outer else { throw fail(item, "\(item.key) must be a block") }
            for inner in body.items {
                guard case .object(let innerBody) = inner.value else { throw fail(inner, "\(item.key) \"\(inner.key)\" must be an object") }
                out.append((inner.key, innerBody, inner))
            }
        }
        return out
    }

    func storage(_ item: HCLItem) throws(ConfigError) -> ServerConfig.StorageKind {
        let blocks = try labelled(item)
        guard blocks.count == 1 else { throw fail(item, "only one storage type may be given") }
        let (type, body, at) = blocks[0]
        switch type {
        case "sqlite":
            var path: String?
            for field in body.items {
                switch field.key {
                case "path": path = try string(field)
                default: throw fail(field, "unknown sqlite storage option \"\(field.key)\"")
                }
            }
            guard let path, !path.isEmpty else { throw fail(at, "storage \"sqlite\" needs a path") }
            return .sqlite(path: path)
        case "inmem":
            if let field = body.items.first { throw fail(field, "unknown inmem storage option \"\(field.key)\"") }
            return .inmem
        case "postgresql":
            return .postgresql(try postgresql(body, at: at))
        default:
            throw fail(at, "unsupported storage type \"\(type)\"; coffer supports \"sqlite\", \"postgresql\" and \"inmem\"")
        }
    }

    private func listeners(_ item: HCLItem) throws(ConfigError) -> [ServerConfig.Listener] {
        var out = [ServerConfig.Listener]()
        for (type, body, at) in try labelled(item) {
            guard type == "tcp" else { throw fail(at, "unsupported listener type \"\(type)\"; coffer supports \"tcp\"") }
            var listener = ServerConfig.Listener()
            for field in body.items {
                switch field.key {
                case "address": listener.address = try string(field)
                case "tls_disable": listener.tlsDisable = try bool(field)
                case "tls_cert_file": listener.tlsCertFile = try string(field)
                case "tls_key_file": listener.tlsKeyFile = try string(field)
                case "http_read_header_timeout": listener.readHeaderTimeout = try duration(field)
                case "http_read_timeout": listener.readTimeout = try duration(field)
                case "http_idle_timeout": listener.idleTimeout = try duration(field)
                case "telemetry":
                    guard case .object(let telemetry) = field.value else { throw fail(field, "telemetry must be a block") }
                    for option in telemetry.items {
                        switch option.key {
                        case "unauthenticated_metrics_access": listener.unauthenticatedMetricsAccess = try bool(option)
                        default: throw fail(option, "unknown listener telemetry option \"\(option.key)\"")
                        }
                    }
                case "cluster_address", "tls_min_version", "max_request_duration": _ = try string(field)
                case "max_request_size": _ = try number(field)
                default: throw fail(field, "unknown listener option \"\(field.key)\"")
                }
            }
            guard HostPort.parse(listener.address) != nil else {
                throw fail(at, "invalid listener address \"\(listener.address)\"; expected host:port")
            }
            if !listener.tlsDisable, listener.tlsCertFile == nil || listener.tlsKeyFile == nil {
                throw fail(at, "TLS is enabled, so tls_cert_file and tls_key_file are required (or set tls_disable = true)")
            }
            out.append(listener)
        }
        return out
    }

    func string(_ item: HCLItem) throws(ConfigError) -> String {
        guard case .string(let s) = item.value else { throw fail(item, "\"\(item.key)\" must be a string, not a \(item.value.typeName)") }
        return s
    }

    func number(_ item: HCLItem) throws(ConfigError) -> Double {
        switch item.value {
        case .number(let n): return n
        case .string(let s):
            if let n = Double(s) { return n }
        default: break
        }
        throw fail(item, "\"\(item.key)\" must be a number")
    }

    func bool(_ item: HCLItem) throws(ConfigError) -> Bool {
        guard let value = item.value.flexibleBool else { throw fail(item, "\"\(item.key)\" must be a boolean") }
        return value
    }

    func duration(_ item: HCLItem) throws(ConfigError) -> Int64 {
        switch item.value.duration {
        case .seconds(let seconds): return seconds
        case .outOfRange: throw fail(item, DurationParser.rangeMessage(item.key))
        case .invalid: throw fail(item, "\"\(item.key)\" must be a duration such as \"768h\" or a number of seconds")
        }
    }
}

/// `host:port` with IPv6 in brackets.
public struct HostPort: Sendable, Equatable {
    /// The host or IP.
    public var host: String
    /// The port (0 picks a free one).
    public var port: Int

    /// Parses `host:port` or `[v6]:port`.
    public static func parse(_ text: String) -> HostPort? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return HostPort(host: host, port: port)
    }
}
