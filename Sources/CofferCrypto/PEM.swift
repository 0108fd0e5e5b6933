import Foundation

/// PEM armour (RFC 7468): base64 in 64-character lines between BEGIN and END labels.
public enum PEM {
    /// The PEM text for `der` under `label` (`PUBLIC KEY`, `RSA PRIVATE KEY`, …), ending in a newline.
    public static func encode(_ der: [UInt8], label: String) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }
}
