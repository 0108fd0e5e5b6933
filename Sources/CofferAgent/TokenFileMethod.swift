import CofferSDK
import Foundation

/// `method "token_file"`: a token someone else obtained, read from a file and looked up for
/// its lifetime; it is renewed while it can be, and the file is read again when it cannot.
struct TokenFileMethod: AutoAuthMethod {
    let method: AgentConfig.Method

    init(_ method: AgentConfig.Method) {
        self.method = method
    }

    func authenticate(_ http: AgentHTTP) async throws -> AuthOutcome {
        let path = method.config["token_file_path"] ?? ""
        let token = try AutoAuthMethods.read(path, option: "token_file_path", method: method)
        guard !token.isEmpty else { throw AuthFailure(description: "\(method.location): token_file_path \(path): file is empty") }
        do {
            let data = try await http.call("GET", "auth/token/lookup-self", token: token)["data"]?.objectValue ?? [:]
            return AuthOutcome(token: token, leaseDuration: max(0, data["ttl"]?.intValue ?? 0), renewable: data["renewable"]?.boolValue ?? false)
        } catch {
            throw AuthFailure(description: "\(method.location): the token in \(path) is not usable: \(error)")
        }
    }
}
