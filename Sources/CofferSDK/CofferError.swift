/// The one error type backends and the core throw; the server maps `code` to an HTTP status in
/// exactly one place. Messages are shown to clients, so they never contain a secret.
public struct CofferError: Error, Sendable, CustomStringConvertible {
    /// The class of failure, independent of transport.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case badRequest, permissionDenied, notFound, unsupportedOperation, sealed, notInitialized
            case alreadyInitialized, payloadTooLarge, unsupportedMediaType, internalError, unavailable
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Malformed or invalid input (400).
        public static let badRequest = Code(.badRequest)
        /// Missing or invalid token, or the policy forbids it (403).
        public static let permissionDenied = Code(.permissionDenied)
        /// No such path or entry (404).
        public static let notFound = Code(.notFound)
        /// The path exists but not for this operation (405).
        public static let unsupportedOperation = Code(.unsupportedOperation)
        /// The barrier is sealed (503).
        public static let sealed = Code(.sealed)
        /// The server has not been initialised yet (400 on most paths, as Vault does).
        public static let notInitialized = Code(.notInitialized)
        /// `sys/init` on an initialised server (400).
        public static let alreadyInitialized = Code(.alreadyInitialized)
        /// The request body is over the limit (413).
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// The body's Content-Type is not one the endpoint takes (415).
        public static let unsupportedMediaType = Code(.unsupportedMediaType)
        /// A fault on our side (500); the message is generic.
        public static let internalError = Code(.internalError)
        /// A dependency is unavailable (503).
        public static let unavailable = Code(.unavailable)

        public var description: String { base.rawValue }
    }

    /// The class of failure.
    public let code: Code
    /// Messages for the client's `errors` array.
    public let messages: [String]
    /// Response data that Vault still returns with some errors (a KV v2 read of a deleted version).
    public let data: JSONObject?

    /// Creates an error with one or more client-visible messages.
    public init(_ code: Code, _ messages: [String], data: JSONObject? = nil) {
        self.code = code
        self.messages = messages
        self.data = data
    }

    /// Creates an error with one client-visible message.
    public init(_ code: Code, _ message: String, data: JSONObject? = nil) {
        self.init(code, [message], data: data)
    }

    public var description: String { "\(code): \(messages.joined(separator: "; "))" }

    /// 400 with `message`.
    public static func badRequest(_ message: String) -> CofferError { CofferError(.badRequest, message) }
    /// 403 with Vault's wording.
    public static let permissionDenied = CofferError(.permissionDenied, "permission denied")
    /// 404 with `message`.
    public static func notFound(_ message: String = "") -> CofferError {
        CofferError(.notFound, message.isEmpty ? [] : [message])
    }
    /// 405 with Vault's wording.
    public static let unsupportedOperation = CofferError(.unsupportedOperation, "unsupported operation")
    /// 503 with Vault's wording.
    public static let sealed = CofferError(.sealed, "Vault is sealed")
    /// 500 with a generic message; the detail goes to the server log only.
    public static let internalError = CofferError(.internalError, "internal error")
}
