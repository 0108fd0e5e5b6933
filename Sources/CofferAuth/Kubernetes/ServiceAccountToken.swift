import CofferSDK

/// Who a service-account JWT says it is. Legacy secret tokens carry flat
/// `kubernetes.io/serviceaccount/*` claims; projected tokens carry a `kubernetes.io` object
/// (namespace, serviceaccount, pod), which wins when present, as in Vault.
struct ServiceAccountToken: Sendable, Equatable {
    var name = ""
    var namespace = ""
    var uid = ""
    /// Empty for projected tokens, which belong to no secret.
    var secretName = ""
    var audiences: [String] = []

    init(claims: JSONObject) {
        name = claims["kubernetes.io/serviceaccount/service-account.name"]?.stringValue ?? ""
        namespace = claims["kubernetes.io/serviceaccount/namespace"]?.stringValue ?? ""
        uid = claims["kubernetes.io/serviceaccount/service-account.uid"]?.stringValue ?? ""
        secretName = claims["kubernetes.io/serviceaccount/secret.name"]?.stringValue ?? ""
        if let projected = claims["kubernetes.io"]?.objectValue {
            namespace = projected["namespace"]?.stringValue ?? ""
            if let account = projected["serviceaccount"]?.objectValue {
                name = account["name"]?.stringValue ?? ""
                uid = account["uid"]?.stringValue ?? ""
            }
        }
        audiences = switch claims["aud"] {
        case .string(let single): [single]
        case .array(let many): many.compactMap(\.stringValue)
        default: []
        }
    }

    /// The username a TokenReview reports for this account.
    var username: String { "system:serviceaccount:\(namespace):\(name)" }
}
