import CofferSDK
import Foundation

/// An audit device's settings, as given to `PUT sys/audit/:path`.
struct AuditDeviceConfig: Sendable, Equatable {
    var path: String
    var type: String
    var description: String
    var filePath: String
    var mode: Int
    var prefix: String
    var logRaw: Bool
    var hmacAccessor: Bool
    var elideListResponses: Bool
    var options: [String: String]

    /// Validates `options`; `protectedDirectories` are where storage lives, which no audit file
    /// may write into.
    static func parse(path: String, type: String, description: String, options: [String: String], protectedDirectories: [String]) throws(CofferError) -> AuditDeviceConfig {
        guard type == "file" else { throw CofferError.badRequest("unknown audit device type \"\(type)\"; coffer has \"file\"") }
        let known: Set = ["file_path", "path", "mode", "format", "prefix", "log_raw", "hmac_accessor", "elide_list_responses", "fallback", "filter"]
        for key in options.keys where !known.contains(key) {
            throw CofferError.badRequest("unknown option \"\(key)\" for a file audit device")
        }
        guard var filePath = options["file_path"] ?? options["path"], !filePath.isEmpty else {
            throw CofferError.badRequest("file_path is required")
        }
        if let format = options["format"], format != "json" { throw CofferError.badRequest("unsupported format \"\(format)\"; coffer writes json") }
        var mode = 0o600
        if let text = options["mode"] {
            guard let parsed = Int(text, radix: 8), (0...0o777).contains(parsed) else { throw CofferError.badRequest("invalid mode \"\(text)\"; use octal such as 0600") }
            guard parsed & 0o111 == 0 else { throw CofferError.badRequest("mode \"\(text)\" is executable; audit files must not be") }
            mode = parsed
        }
        if filePath != "stdout", filePath != "discard" {
            // As Vault opens it: relative to the server's working directory. Stored absolute, so
            // a restart from elsewhere reopens the same file.
            if !filePath.hasPrefix("/") { filePath = URL(fileURLWithPath: filePath).standardizedFileURL.path }
            let resolved = URL(fileURLWithPath: filePath).standardizedFileURL.resolvingSymlinksInPath().path
            for directory in protectedDirectories {
                let protected = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
                if resolved == protected || resolved.hasPrefix(protected.hasSuffix("/") ? protected : protected + "/") {
                    throw CofferError.badRequest("file_path is inside the storage directory; choose another place")
                }
            }
        }
        func flag(_ key: String, _ fallback: Bool) throws(CofferError) -> Bool {
            guard let text = options[key] else { return fallback }
            switch text.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw CofferError.badRequest("option \(key) must be true or false")
            }
        }
        return AuditDeviceConfig(
            path: path, type: type, description: description, filePath: filePath, mode: mode, prefix: options["prefix"] ?? "",
            logRaw: try flag("log_raw", false), hmacAccessor: try flag("hmac_accessor", true),
            elideListResponses: try flag("elide_list_responses", false), options: options
        )
    }

    func json() -> JSONValue {
        ["path": .string(path), "type": .string(type), "description": .string(description), "options": .object(options.mapValues { .string($0) })]
    }

    /// What `GET sys/audit` shows.
    func listing() -> JSONValue {
        ["type": .string(type), "description": .string(description), "options": .object(options.mapValues { .string($0) }), "local": false, "path": .string(path)]
    }
}
