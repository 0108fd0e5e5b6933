import CofferSDK
import Foundation

/// A token the agent obtained, with what it needs to keep it fresh.
struct AuthOutcome: Sendable {
    /// The client token.
    var token: String
    /// Seconds it lives (0: no expiry).
    var leaseDuration: Int64
    /// Whether `renew-self` may extend it.
    var renewable: Bool
}

/// A failure to authenticate, worded for the log (never with a credential in it).
struct AuthFailure: Error, Sendable, CustomStringConvertible {
    let description: String
}

/// One `auto_auth` method: reads the machine's credentials and exchanges them for a token.
protocol AutoAuthMethod: Sendable {
    /// Logs in (or, for token_file, looks the token up).
    func authenticate(_ http: AgentHTTP) async throws -> AuthOutcome
    /// True when the credentials on disk changed since the last login, so a new login should
    /// replace the current token (a rotated JWT).
    func credentialsChanged() async -> Bool
}

extension AutoAuthMethod {
    func credentialsChanged() async -> Bool { false }
}

/// Builds the method a configuration names.
enum AutoAuthMethods {
    static func make(_ method: AgentConfig.Method) -> any AutoAuthMethod {
        switch method.type {
        case "approle": AppRoleMethod(method)
        case "jwt": JWTMethod(method, tokenPath: method.config["path"] ?? "", removeAfterReading: method.config["remove_jwt_after_reading"].map { $0 == "true" } ?? true)
        case "kubernetes":
            JWTMethod(method, tokenPath: method.config["token_path"] ?? "/var/run/secrets/kubernetes.io/serviceaccount/token", removeAfterReading: false)
        default: TokenFileMethod(method)
        }
    }

    /// A credential file's text without surrounding whitespace; errors name the option and file.
    static func read(_ path: String, option: String, method: AgentConfig.Method) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuthFailure(description: "\(method.location): \(option) \(path): no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthFailure(description: "\(method.location): \(option) \(path): permission denied or unreadable")
        }
        guard data.count <= 1024 * 1024 else { throw AuthFailure(description: "\(method.location): \(option) \(path): file is too large") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `auth` block of a login response.
    static func outcome(_ response: JSONObject, method: AgentConfig.Method) throws -> AuthOutcome {
        guard let auth = response["auth"]?.objectValue, let token = auth["client_token"]?.stringValue, !token.isEmpty else {
            throw AuthFailure(description: "\(method.location): the \(method.type) login returned no token")
        }
        return AuthOutcome(token: token, leaseDuration: max(0, auth["lease_duration"]?.intValue ?? 0), renewable: auth["renewable"]?.boolValue ?? false)
    }
}
