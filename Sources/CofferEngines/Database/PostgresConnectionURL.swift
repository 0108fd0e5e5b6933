import CofferSDK

/// A `connection_url` in either of libpq's forms — `postgres://user:pass@host:port/db?sslmode=…`
/// or `host=… port=… user=… dbname=…` — with `{{username}}` and `{{password}}` filled in from
/// the configuration, so the secrets never have to be written into the URL itself.
public struct PostgresConnectionURL: Sendable, Equatable {
    /// Host name, address, or a socket directory (starting with `/`).
    public var host: String
    /// TCP port.
    public var port: Int
    /// Login user.
    public var user: String
    /// Login password.
    public var password: String
    /// Database name.
    public var database: String
    /// libpq's `sslmode`: disable, allow, prefer, require, verify-ca, verify-full.
    public var sslMode: String

    /// The most a connection URL may hold.
    static let maxLength = 8192

    /// Parses `template`, filling in `username` and `password`; throws a 400 that never
    /// repeats the URL (it may hold a password).
    public init(template: String, username: String, password: String) throws(CofferError) {
        guard template.utf8.count <= Self.maxLength else { throw CofferError.badRequest("connection_url is too long") }
        func fill(_ value: String) -> String {
            value.replacing("{{username}}", with: username).replacing("{{password}}", with: password)
        }
        var host = "", port = 5432, user = "", pass = "", database = "", sslMode = "prefer"
        var options: [(String, String)] = []
        if template.hasPrefix("postgres://") || template.hasPrefix("postgresql://") {
            var rest = Substring(template.drop { $0 != "/" }.dropFirst(2))
            if let q = rest.firstIndex(of: "?") {
                for pair in rest[rest.index(after: q)...].split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    options.append((String(parts[0]), parts.count > 1 ? Self.percentDecode(String(parts[1])) : ""))
                }
                rest = rest[..<q]
            }
            if let slash = rest.firstIndex(of: "/") {
                database = Self.percentDecode(String(rest[rest.index(after: slash)...]))
                rest = rest[..<slash]
            }
            if let at = rest.lastIndex(of: "@") {
                let userInfo = rest[..<at]
                rest = rest[rest.index(after: at)...]
                if let colon = userInfo.firstIndex(of: ":") {
                    user = fill(Self.percentDecode(String(userInfo[..<colon])))
                    pass = fill(Self.percentDecode(String(userInfo[userInfo.index(after: colon)...])))
                } else {
                    user = fill(Self.percentDecode(String(userInfo)))
                }
            }
            var hostPart = String(rest)
            if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
                host = String(hostPart[hostPart.index(after: hostPart.startIndex)..<close])
                hostPart = String(hostPart[hostPart.index(after: close)...])
                if hostPart.hasPrefix(":") { port = try Self.port(String(hostPart.dropFirst())) }
            } else if let colon = hostPart.lastIndex(of: ":") {
                host = String(hostPart[..<colon])
                port = try Self.port(String(hostPart[hostPart.index(after: colon)...]))
            } else {
                host = hostPart
            }
            host = Self.percentDecode(host)
        } else if template.contains("=") {
            for pair in template.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw CofferError.badRequest("connection_url: expected key=value pairs") }
                var value = String(parts[1])
                if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") { value = String(value.dropFirst().dropLast()) }
                options.append((String(parts[0]), value))
            }
        } else {
            throw CofferError.badRequest("connection_url must be a postgres:// URL or key=value pairs")
        }
        for (key, value) in options {
            switch key {
            case "host": host = value
            case "port": port = try Self.port(value)
            case "user": user = fill(value)
            case "password": pass = fill(value)
            case "dbname": database = value
            case "sslmode": sslMode = value
            default: break  // connect_timeout, application_name …: harmless to ignore
            }
        }
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw CofferError.badRequest("connection_url: unsupported sslmode")
        }
        if host.isEmpty { host = "localhost" }
        if user.isEmpty { user = username }
        if pass.isEmpty { pass = password }
        guard !user.isEmpty else { throw CofferError.badRequest("connection_url: no user name given") }
        if database.isEmpty { database = user }
        self.host = host
        self.port = port
        self.user = user
        self.password = pass
        self.database = database
        self.sslMode = sslMode
    }

    /// The URL as a read may show it: a password written into it is masked.
    public static func redacted(_ template: String) -> String {
        guard template.hasPrefix("postgres://") || template.hasPrefix("postgresql://"),
            let schemeEnd = template.firstRange(of: "://")
        else {
            // key=value form: mask a password=… pair unless it is the template.
            return template.split(separator: " ", omittingEmptySubsequences: false).map { pair in
                pair.hasPrefix("password=") && pair != "password={{password}}" ? "password=*****" : String(pair)
            }.joined(separator: " ")
        }
        let afterScheme = template[schemeEnd.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return template }
        let secret = authority[authority.index(after: colon)..<at]
        if secret == "{{password}}" { return template }
        return String(template[..<authority.index(after: colon)]) + "*****" + String(template[at...])
    }

    private static func port(_ text: String) throws(CofferError) -> Int {
        guard text.count <= 5, let value = Int(text), (1...65535).contains(value) else {
            throw CofferError.badRequest("connection_url: invalid port")
        }
        return value
    }

    private static func percentDecode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes = [UInt8]()
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
