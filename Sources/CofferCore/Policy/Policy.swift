import CofferCrypto
import CofferHCL
import CofferSDK
import Foundation

/// A named ACL policy parsed from HCL or JSON.
struct Policy: Sendable, Equatable {
    let name: String
    let raw: String
    let rules: [PathRule]

    /// Parses policy text; errors are 400s that name the line.
    static func parse(name: String, text: String) throws(CofferError) -> Policy {
        // Trimmed without Foundation's character sets, whose first use at start-up brought
        // about 200 KB of Foundation's code into memory for this one call.
        let scalars = text.unicodeScalars
        let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
        let end = scalars.lastIndex { !$0.properties.isWhitespace }.map { scalars.index(after: $0) } ?? start
        let trimmed = String(scalars[start..<max(start, end)])
        guard !trimmed.isEmpty else { throw CofferError.badRequest("'policy' parameter not supplied or empty") }
        let body: HCLBody
        do {
            // Parse the text as given, so line numbers in errors match the user's file.
            body = trimmed.hasPrefix("{") ? try HCLBody.fromJSON(text) : try HCLParser.parse(text)
        } catch {
            // Vault also accepts the document base64-encoded.
            if let decoded = Base64.decode(trimmed), let text = String(validating: decoded, as: UTF8.self), text != trimmed {
                return try parse(name: name, text: text)
            }
            throw CofferError.badRequest("failed to parse policy: \(error.line > 0 ? "line \(error.line): " : "")\(error.message)")
        }
        var rules = [PathRule]()
        for item in body.items {
            switch item.key {
            case "name": continue
            case "path":
                rules += try pathRules(item)
            default:
                throw failure(item, "unknown key \"\(item.key)\"; a policy holds path stanzas")
            }
        }
        return Policy(name: name, raw: text, rules: rules)
    }

    private static func failure(_ item: HCLItem, _ message: String) -> CofferError {
        CofferError.badRequest("failed to parse policy: \(item.line > 0 ? "line \(item.line): " : "")\(message)")
    }

    /// `path "x" { … }` in HCL, or `"path": {"x": {…}}` in JSON.
    private static func pathRules(_ item: HCLItem) throws(CofferError) -> [PathRule] {
        var stanzas = [(String, HCLBody, HCLItem)]()
        if item.isBlock {
            guard item.labels.count == 1, case .object(let body) = item.value else {
                throw failure(item, "path needs exactly one pattern, as in path \"secret/*\" { … }")
            }
            stanzas.append((item.labels[0], body, item))
        } else {
            let values: [HCLValue]
            if case .list(let list) = item.value { values = list } else { values = [item.value] }
            for value in values {
                guard case .object(let outer) = value else { throw failure(item, "path must be an object") }
                for inner in outer.items {
                    guard case .object(let body) = inner.value else { throw failure(inner, "path \"\(inner.key)\" must be an object") }
                    stanzas.append((inner.key, body, inner))
                }
            }
        }
        var rules = [PathRule]()
        for (pattern, body, at) in stanzas {
            rules.append(try rule(pattern: pattern, body: body, at: at))
        }
        return rules
    }

    private static func rule(pattern rawPattern: String, body: HCLBody, at: HCLItem) throws(CofferError) -> PathRule {
        var pattern = rawPattern
        while pattern.hasPrefix("/") { pattern.removeFirst() }
        if let star = pattern.firstIndex(of: "*"), star != pattern.index(before: pattern.endIndex) {
            throw failure(at, "path \"\(rawPattern)\": '*' is only allowed at the end of a path")
        }
        var rule = PathRule(pattern: pattern, capabilities: [])
        for field in body.items {
            switch field.key {
            case "capabilities":
                guard case .list(let values) = field.value else { throw failure(field, "capabilities must be a list of strings") }
                for value in values {
                    guard case .string(let word) = value, let capability = Capability(rawValue: word.lowercased()) else {
                        throw failure(field, "invalid capability \(describe(value)); valid ones are create, read, update, patch, delete, list, sudo and deny")
                    }
                    rule.capabilities.insert(capability)
                }
            case "policy":
                guard case .string(let word) = field.value, let capabilities = Capability.legacy(word.lowercased()) else {
                    throw failure(field, "invalid policy shorthand; use read, write, sudo or deny")
                }
                rule.capabilities.formUnion(capabilities)
            case "allowed_parameters": rule.allowedParameters = try parameters(field)
            case "denied_parameters": rule.deniedParameters = try parameters(field)
            case "required_parameters":
                guard case .list(let values) = field.value else { throw failure(field, "required_parameters must be a list of strings") }
                for value in values {
                    guard case .string(let name) = value else { throw failure(field, "required_parameters must be a list of strings") }
                    rule.requiredParameters.insert(name)
                }
            case "min_wrapping_ttl": rule.minWrappingTTL = try duration(field)
            case "max_wrapping_ttl": rule.maxWrappingTTL = try duration(field)
            case "control_group", "mfa_methods":
                throw failure(field, "\(field.key) is an enterprise feature coffer does not have")
            default:
                throw failure(field, "unknown key \"\(field.key)\" in path \"\(rawPattern)\"")
            }
        }
        if rule.maxWrappingTTL > 0, rule.minWrappingTTL > rule.maxWrappingTTL {
            throw failure(at, "max_wrapping_ttl cannot be less than min_wrapping_ttl")
        }
        return rule
    }

    private static func describe(_ value: HCLValue) -> String {
        if case .string(let s) = value { return "\"\(s)\"" }
        return "of type \(value.typeName)"
    }

    private static func parameters(_ field: HCLItem) throws(CofferError) -> [String: [JSONValue]] {
        guard case .object(let body) = field.value else { throw failure(field, "\(field.key) must be a map of lists") }
        var out = [String: [JSONValue]]()
        for entry in body.items {
            guard case .list(let values) = entry.value else { throw failure(entry, "\(field.key).\(entry.key) must be a list") }
            out[entry.key] = values.map(\.jsonValue)
        }
        return out
    }

    private static func duration(_ field: HCLItem) throws(CofferError) -> Int64 {
        switch field.value.duration {
        case .seconds(let seconds): return seconds
        case .outOfRange: throw failure(field, DurationParser.rangeMessage(field.key))
        case .invalid: throw failure(field, "\(field.key) must be a duration")
        }
    }
}
