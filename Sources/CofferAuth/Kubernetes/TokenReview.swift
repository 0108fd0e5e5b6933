import CofferSDK
import NIOCore
import NIOHTTP1

/// Asks the API server whether a service-account JWT is valid, with a real
/// `authentication.k8s.io/v1` TokenReview, and reads back who it belongs to.
enum TokenReview {
    /// The account the API server vouches for.
    struct Result: Sendable, Equatable {
        var name: String
        var namespace: String
        var uid: String
    }

    /// Why a review did not vouch for the token; the text is for the client and never holds a
    /// token.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// The most of an answer read: a TokenReview is a few hundred bytes.
    static let answerLimit = 1024 * 1024
    static let timeout: TimeAmount = .seconds(10)

    /// The request body, as `kubectl create -f` would send it.
    static func body(jwt: String, audiences: [String]) -> [UInt8] {
        var spec: JSONObject = ["token": .string(jwt)]
        if !audiences.isEmpty { spec["audiences"] = .strings(audiences) }
        let review: JSONValue = [
            "kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["creationTimestamp": .null], "spec": .object(spec), "status": ["user": [:]],
        ]
        return Array(JSONWriter.string(review).utf8)
    }

    /// Posts the review and checks the answer as Vault does: a 2xx TokenReview, no error,
    /// authenticated, audience-aware when audiences were asked for, and a service-account user.
    static func review(jwt: String, audiences: [String], config: KubernetesConfig) async throws(Refusal) -> Result {
        let bearer = config.reviewerBearer(client: jwt)
        let answer: OutboundHTTP.Answer
        do throws(OutboundHTTP.Failure) {
            answer = try await OutboundHTTP.send(
                .POST, config.reviewURL, caPEM: config.effectiveCACert,
                headers: [("Authorization", "Bearer " + bearer), ("Content-Type", "application/json"), ("Accept", "application/json")],
                body: body(jwt: jwt, audiences: audiences), limit: answerLimit, timeout: timeout, followRedirects: false
            )
        } catch {
            switch error {
            case .invalidCA: throw Refusal(description: "kubernetes_ca_cert holds no usable certificate")
            case .invalidURL: throw Refusal(description: "kubernetes_host is not a usable URL")
            case .transport(let reason): throw Refusal(description: "the Kubernetes API server could not be reached: \(reason)")
            }
        }
        let document = (try? JSONParser.parse(answer.body))?.objectValue
        guard (200...206).contains(answer.status) else {
            let detail = document?["message"]?.stringValue.map { ": " + String($0.prefix(200)) } ?? ""
            if answer.status == 401 {
                throw Refusal(description: "lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token")
            }
            throw Refusal(description: "lookup failed: the Kubernetes API server answered HTTP \(answer.status)\(detail)")
        }
        guard let document else { throw Refusal(description: "lookup failed: the Kubernetes API server's answer is not JSON") }
        if document["kind"]?.stringValue == "Status", document["status"]?.stringValue != "Success" {
            throw Refusal(description: "lookup failed: \(String((document["message"]?.stringValue ?? "the API server refused the review").prefix(200)))")
        }
        let status = document["status"]?.objectValue ?? [:]
        if let error = status["error"]?.stringValue, !error.isEmpty {
            throw Refusal(description: "lookup failed: \(String(error.prefix(200)))")
        }
        guard status["authenticated"]?.boolValue == true else { throw Refusal(description: "lookup failed: service account jwt not valid") }
        if !audiences.isEmpty {
            let granted = status["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard audiences.contains(where: granted.contains) else {
                throw Refusal(description: "lookup failed: service account jwt valid for audience(s) \(granted), but wanted \(audiences)")
            }
        }
        let user = status["user"]?.objectValue ?? [:]
        let parts = (user["username"]?.stringValue ?? "").split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw Refusal(description: "lookup failed: unexpected username format") }
        guard parts[0] == "system", parts[1] == "serviceaccount" else {
            throw Refusal(description: "lookup failed: username returned is not a service account")
        }
        return Result(name: String(parts[3]), namespace: String(parts[2]), uid: user["uid"]?.stringValue ?? "")
    }
}
