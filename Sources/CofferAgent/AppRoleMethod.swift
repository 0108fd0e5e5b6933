import CofferSDK
import Foundation
import Synchronization

/// `method "approle"`: the role ID and secret ID come from files; the secret ID file is removed
/// after reading (unless told otherwise) and the last one read is kept in memory for re-logins.
final class AppRoleMethod: AutoAuthMethod {
    let method: AgentConfig.Method
    private let cachedSecretID = Mutex<String?>(nil)

    init(_ method: AgentConfig.Method) {
        self.method = method
    }

    func authenticate(_ http: AgentHTTP) async throws -> AuthOutcome {
        let roleID = try AutoAuthMethods.read(method.config["role_id_file_path"] ?? "", option: "role_id_file_path", method: method)
        guard !roleID.isEmpty else { throw AuthFailure(description: "\(method.location): role_id_file_path \(method.config["role_id_file_path"] ?? ""): file is empty") }
        var body: JSONObject = ["role_id": .string(roleID)]
        if let secretPath = method.config["secret_id_file_path"], !secretPath.isEmpty {
            let remove = method.config["remove_secret_id_file_after_reading"].map { $0 == "true" } ?? true
            var secretID: String?
            if FileManager.default.fileExists(atPath: secretPath) {
                var read = try AutoAuthMethods.read(secretPath, option: "secret_id_file_path", method: method)
                if !read.isEmpty {
                    if let wrappingPath = method.config["secret_id_response_wrapping_path"], !wrappingPath.isEmpty {
                        read = try await unwrap(read, expectedPath: wrappingPath, http: http)
                    }
                    secretID = read
                    cachedSecretID.withLock { $0 = read }
                    if remove { try? FileManager.default.removeItem(atPath: secretPath) }
                }
            }
            if secretID == nil { secretID = cachedSecretID.withLock { $0 } }
            guard let secretID else { throw AuthFailure(description: "\(method.location): secret_id_file_path \(secretPath): no such file or empty") }
            body["secret_id"] = .string(secretID)
        }
        do {
            return try AutoAuthMethods.outcome(try await http.call("POST", method.mountPath + "/login", token: nil, body: .object(body)), method: method)
        } catch let error as AgentAPIError {
            throw AuthFailure(description: "\(method.location): approle login failed: \(error)")
        }
    }

    /// `secret_id_response_wrapping_path`: the file holds a wrapping token (or its JSON wrap
    /// info) for a secret ID. It is only unwrapped when it was created at the expected path, so a
    /// token wrapping something else cannot be slipped in.
    private func unwrap(_ text: String, expectedPath: String, http: AgentHTTP) async throws -> String {
        var wrappingToken = text
        if let info = try? JSONParser.parse(text).objectValue, let token = info["token"]?.stringValue { wrappingToken = token }
        do {
            let lookup = try await http.call("POST", "sys/wrapping/lookup", token: wrappingToken, body: ["token": .string(wrappingToken)])
            let created = lookup["data"]?.objectValue?["creation_path"]?.stringValue ?? ""
            let trimmed = { (path: String) in path.trimmingCharacters(in: CharacterSet(charactersIn: "/")) }
            guard trimmed(created) == trimmed(expectedPath) else {
                throw AuthFailure(description: "\(method.location): the wrapped secret ID was created at \"\(created)\", not at secret_id_response_wrapping_path \"\(expectedPath)\"")
            }
            let unwrapped = try await http.call("POST", "sys/wrapping/unwrap", token: wrappingToken, body: [:])
            guard let secretID = unwrapped["data"]?.objectValue?["secret_id"]?.stringValue, !secretID.isEmpty else {
                throw AuthFailure(description: "\(method.location): the wrapped response holds no secret_id")
            }
            return secretID
        } catch let error as AgentAPIError {
            throw AuthFailure(description: "\(method.location): unwrapping the secret ID failed: \(error)")
        }
    }
}
