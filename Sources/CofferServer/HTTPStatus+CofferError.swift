import CofferSDK
import HTTPTypes

extension CofferError.Code {
    /// The one place where error classes become HTTP status codes, as Vault assigns them.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .badRequest, .notInitialized, .alreadyInitialized: .badRequest
        case .permissionDenied: .forbidden
        case .notFound: .notFound
        case .unsupportedOperation: .methodNotAllowed
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .sealed, .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }
}
