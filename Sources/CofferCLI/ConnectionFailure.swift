import Foundation

/// Turns a transport failure into one line worded as Vault's Go client words it: what users
/// search for, without a library's type dump or the build paths inside it.
enum ConnectionFailure {
    /// `Error making API request: GET "https://…": <reason>`.
    static func message(method: String, url: String, error: any Error) -> String {
        "Error making API request: \(method) \"\(url)\": " + reason(String(describing: error), url: url)
    }

    static func reason(_ text: String, url: String) -> String {
        let host = URL(string: url).map { "\($0.host ?? ""):\($0.port ?? ($0.scheme == "https" ? 443 : 80))" } ?? url
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") || text.contains("invalidRecord") || text.contains("unexpectedEOF") && url.hasPrefix("https") {
            return "http: server gave HTTP response to HTTPS client"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "tls: failed to verify certificate: x509: certificate signed by unknown authority (set VAULT_CACERT, or VAULT_SKIP_VERIFY for tests only)"
        }
        if text.contains("hostname") && text.contains("match") {
            return "tls: failed to verify certificate: x509: certificate is not valid for \(host)"
        }
        if text.contains("connectTimeout") || text.contains("ETIMEDOUT") { return "dial tcp \(host): i/o timeout" }
        if text.contains("ECONNREFUSED") || text.contains("Connection refused") || text.contains("connectionRefused") {
            return "dial tcp \(host): connect: connection refused"
        }
        if text.contains("remoteConnectionClosed") || text.contains("EOF") { return "EOF: the server closed the connection" }
        // Anything else: its first line, with any source path cut off.
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        if let at = line.range(of: " at /") { return String(line[..<at.lowerBound]) }
        return line
    }
}
