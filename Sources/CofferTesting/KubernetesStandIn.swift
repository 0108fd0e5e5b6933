import CofferSDK
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The stand-in Kubernetes API server (`Tests/support/k8s_standin.py`) as a child process: it
/// answers real TokenReviews over TLS and plain HTTP, signs real RS256 service-account JWTs,
/// and records every review it was asked for.
///
/// `@unchecked` because `Process` is not marked `Sendable`; it is started once and then only
/// signalled, which Foundation allows from any thread.
public final class KubernetesStandIn: @unchecked Sendable {
    /// The TLS listener's base URL.
    public let httpsURL: String
    /// The plain HTTP listener's base URL (also serves the control API).
    public let httpURL: String
    /// The CA that signed the TLS listener's certificate, in PEM.
    public let caPEM: String
    /// The public key that verifies the JWTs it signs, in PEM.
    public let publicKeyPEM: String
    /// A JWT of a service account allowed to create TokenReviews.
    public let reviewerJWT: String

    private let process: Process
    private let input: Pipe

    /// One TokenReview as the stand-in saw it.
    public struct Review: Sendable {
        /// `https` or `http`.
        public var scheme: String
        /// The bearer token of the request.
        public var bearer: String
        /// `spec.audiences`.
        public var audiences: [String]
        /// `spec.token`.
        public var token: String
        /// `kind` of the request body.
        public var kind: String
        /// `apiVersion` of the request body.
        public var apiVersion: String
    }

    /// Why the stand-in could not be started or driven.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public let description: String
    }

    private init(process: Process, input: Pipe, info: JSONObject) {
        self.process = process
        self.input = input
        httpsURL = info["https_url"]?.stringValue ?? ""
        httpURL = info["http_url"]?.stringValue ?? ""
        caPEM = info["ca_pem"]?.stringValue ?? ""
        publicKeyPEM = info["public_key_pem"]?.stringValue ?? ""
        reviewerJWT = info["reviewer_jwt"]?.stringValue ?? ""
    }

    /// Starts the stand-in with the first `python3` on PATH and waits for its address line.
    public static func start() async throws -> KubernetesStandIn {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("Tests/support/k8s_standin.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        let line = await Task.detached { () -> Data in
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            return data
        }.value
        guard let info = (try? JSONParser.parse(Array(line)))?.objectValue, info["http_url"] != nil else {
            process.terminate()
            throw Failure(description: "the Kubernetes stand-in did not start: \(String(decoding: line, as: UTF8.self))")
        }
        return KubernetesStandIn(process: process, input: input, info: info)
    }

    /// A service-account JWT: `kind` is `projected` (with `audiences`, `ttl` seconds) or
    /// `legacy`; `forged` signs it with a key the API server does not know; `claims` override.
    public func mint(
        _ name: String, namespace: String, kind: String = "projected", audiences: [String]? = nil, ttl: Int = 600,
        issuedAt: Int? = nil, forged: Bool = false
    ) async throws -> String {
        var body: JSONObject = ["name": .string(name), "namespace": .string(namespace), "kind": .string(kind), "ttl": .int(Int64(ttl)), "forged": .bool(forged)]
        if let audiences { body["audiences"] = .strings(audiences) }
        if let issuedAt { body["iat"] = .int(Int64(issuedAt)) }
        guard let jwt = try await control("mint", body)["jwt"]?.stringValue else { throw Failure(description: "mint failed") }
        return jwt
    }

    /// Changes how the stand-in answers: `fail_status`, `allow_any_reviewer`, `delete` ([ns, name]).
    public func configure(_ settings: JSONObject) async throws {
        _ = try await control("configure", settings)
    }

    /// Every review so far, oldest first.
    public func reviews() async throws -> [Review] {
        let (data, _) = try await URLSession(configuration: .ephemeral).data(from: URL(string: httpURL + "/_standin/reviews")!)
        let list = (try? JSONParser.parse(Array(data)))?.objectValue?["reviews"]?.arrayValue ?? []
        return list.compactMap(\.objectValue).map { review in
            Review(
                scheme: review["scheme"]?.stringValue ?? "", bearer: review["bearer"]?.stringValue ?? "",
                audiences: review["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? [], token: review["token"]?.stringValue ?? "",
                kind: review["kind"]?.stringValue ?? "", apiVersion: review["apiVersion"]?.stringValue ?? ""
            )
        }
    }

    private func control(_ verb: String, _ body: JSONObject) async throws -> JSONObject {
        var request = URLRequest(url: URL(string: httpURL + "/_standin/" + verb)!)
        request.httpMethod = "POST"
        request.httpBody = Data(JSONWriter.encode(.object(body)))
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, _) = try await session.data(for: request)
        return (try? JSONParser.parse(Array(data)))?.objectValue ?? [:]
    }

    /// Stops the stand-in.
    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    deinit { stop() }
}
