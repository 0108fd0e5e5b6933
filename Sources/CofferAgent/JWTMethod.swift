import CofferSDK
import Foundation
import Synchronization

/// `method "jwt"` and `method "kubernetes"`: a token file (a CI job's JWT, or the pod's service
/// account token) is sent with the role. The file is read again for every login; a changed
/// file means new credentials, and so a new login.
final class JWTMethod: AutoAuthMethod {
    let method: AgentConfig.Method
    let tokenPath: String
    let removeAfterReading: Bool
    private let lastJWT = Mutex<String?>(nil)

    init(_ method: AgentConfig.Method, tokenPath: String, removeAfterReading: Bool) {
        self.method = method
        self.tokenPath = tokenPath
        self.removeAfterReading = removeAfterReading
    }

    private var option: String { method.type == "kubernetes" ? "token_path" : "path" }

    func authenticate(_ http: AgentHTTP) async throws -> AuthOutcome {
        var jwt: String?
        if FileManager.default.fileExists(atPath: tokenPath) || lastJWT.withLock({ $0 }) == nil {
            let read = try AutoAuthMethods.read(tokenPath, option: option, method: method)
            if !read.isEmpty {
                jwt = read
                lastJWT.withLock { $0 = read }
                if removeAfterReading { try? FileManager.default.removeItem(atPath: tokenPath) }
            }
        }
        if jwt == nil { jwt = lastJWT.withLock { $0 } }
        guard let jwt else { throw AuthFailure(description: "\(method.location): \(option) \(tokenPath): file is empty") }
        let body: JSONObject = ["role": .string(method.config["role"] ?? ""), "jwt": .string(jwt)]
        do {
            return try AutoAuthMethods.outcome(try await http.call("POST", method.mountPath + "/login", token: nil, body: .object(body)), method: method)
        } catch let error as AgentAPIError {
            throw AuthFailure(description: "\(method.location): \(method.type) login failed: \(error)")
        }
    }

    func credentialsChanged() async -> Bool {
        // A pod's projected token rotates on its own schedule; only a new CI JWT means a new identity.
        guard method.type == "jwt" else { return false }
        guard let data = FileManager.default.contents(atPath: tokenPath), data.count <= 1024 * 1024 else { return false }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return !text.isEmpty && text != lastJWT.withLock { $0 }
    }
}
