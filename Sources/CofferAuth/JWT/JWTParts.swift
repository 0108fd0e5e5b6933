import CofferSDK
import Foundation

/// Splitting a compact JWT and reading its parts, before and after the signature check.
/// Kept free of JWTKit so that its fuzz target builds from this file and the SDK alone.
enum JWTParts {
    /// No real JWT comes near this; the bound keeps decoding work small for hostile input.
    static let maxLength = 256 * 1024

    static func split(_ token: String) throws(CofferError) -> (header: JSONObject, claims: JSONObject) {
        guard token.utf8.count <= maxLength else { throw CofferError.badRequest("error validating token: JWT is larger than \(maxLength) bytes") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = decode(parts[0])?.objectValue, let claims = decode(parts[1])?.objectValue else {
            throw CofferError.badRequest("error validating token: malformed JWT")
        }
        return (header, claims)
    }

    private static func decode(_ part: Substring) -> JSONValue? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONParser.parse(Array(data))
    }
}
