import CofferHCL
import CofferSDK

/// One `initialize "name" { request "name" { … } }` stanza: requests run in order on the first
/// start of empty storage (OpenBao's self-initialization).
public struct InitializeStanza: Sendable, Equatable {
    /// One request. Values may be literals or evaluations (`{ eval_source = "env", … }`),
    /// resolved when the request runs.
    public struct Request: Sendable, Equatable {
        /// Its name, unique within the stanza.
        public var name: String
        /// `create`, `read`, `update`, `patch`, `delete` or `list`.
        public var operation: Operation
        /// The API path, without `/v1/`.
        public var path: JSONValue
        /// The token to send; the temporary root token when nil.
        public var token: JSONValue?
        /// The request body.
        public var data: JSONValue?
        /// When true a failure is logged and the run goes on.
        public var allowFailure = false
        /// Where it was written, for log lines.
        public var line: Int
    }

    /// Its name, unique among the stanzas.
    public var name: String
    /// Its requests, in order.
    public var requests: [Request]

    /// OpenBao's rule for block names.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// The source types an evaluation may name, with the fields each one needs.
    static let sources: [String: [String]] = [
        "env": ["env_var"], "file": ["path"], "request": ["initialize_name", "request_name", "field_selector"],
        // OpenBao's docs name the response's request both `request_name` and `response_name`.
        "response": ["initialize_name", "field_selector"],
    ]
    /// The types an evaluation may convert to.
    static let evalTypes: Set<String> = ["string", "int", "float64", "bool", "[]string", "map", "any"]
}

extension ConfigDecoder {
    func initialize(_ item: HCLItem, after earlier: [InitializeStanza]) throws(ConfigError) -> [InitializeStanza] {
        var out = [InitializeStanza]()
        var names = Set(earlier.map(\.name))
        for (name, body, at) in try labelled(item) {
            guard InitializeStanza.isValidName(name) else { throw fail(at, "initialize block name \"\(name)\" must match ^[A-Za-z_][A-Za-z0-9_-]*$") }
            guard names.insert(name).inserted else { throw fail(at, "two initialize blocks are named \"\(name)\"") }
            var requests = [InitializeStanza.Request]()
            for field in body.items {
                guard field.key == "request" else { throw fail(field, "an initialize block holds only request blocks, not \"\(field.key)\"") }
                for (requestName, requestBody, requestAt) in try labelled(field) {
                    guard InitializeStanza.isValidName(requestName) else {
                        throw fail(requestAt, "request name \"\(requestName)\" must match ^[A-Za-z_][A-Za-z0-9_-]*$")
                    }
                    guard !requests.contains(where: { $0.name == requestName }) else {
                        throw fail(requestAt, "two requests in initialize \"\(name)\" are named \"\(requestName)\"")
                    }
                    requests.append(try request(requestName, requestBody, requestAt))
                }
            }
            out.append(InitializeStanza(name: name, requests: requests))
        }
        return out
    }

    private func request(_ name: String, _ body: HCLBody, _ at: HCLItem) throws(ConfigError) -> InitializeStanza.Request {
        var operation: Operation?
        var path: JSONValue?
        var token: JSONValue?
        var data: JSONValue?
        var allowFailure = false
        for field in body.items {
            switch field.key {
            case "operation":
                let text = try string(field)
                guard let parsed = Operation(rawValue: text), [.create, .read, .update, .patch, .delete, .list].contains(parsed) else {
                    throw fail(field, "unknown operation \"\(text)\"; use create, read, update, patch, delete or list")
                }
                operation = parsed
            case "path": path = try value(field)
            case "token": token = try value(field)
            case "data":
                guard case .object = field.value else { throw fail(field, "data must be a map") }
                data = try value(field)
            case "allow_failure": allowFailure = try bool(field)
            default: throw fail(field, "unknown request option \"\(field.key)\"")
            }
        }
        guard let operation else { throw fail(at, "request \"\(name)\" needs an operation") }
        guard let path else { throw fail(at, "request \"\(name)\" needs a path") }
        return InitializeStanza.Request(name: name, operation: operation, path: path, token: token, data: data, allowFailure: allowFailure, line: at.line)
    }

    /// A literal, or an evaluation checked now so that a typo fails at start, not mid-run.
    private func value(_ field: HCLItem) throws(ConfigError) -> JSONValue {
        let json = field.value.jsonValue
        try checkEvaluations(json, field)
        return json
    }

    private func checkEvaluations(_ value: JSONValue, _ field: HCLItem) throws(ConfigError) {
        switch value {
        case .object(let object):
            if let source = object["eval_source"] {
                guard let name = source.stringValue, let needs = InitializeStanza.sources[name] else {
                    throw fail(field, "eval_source must be env, file, request or response")
                }
                guard let type = object["eval_type"]?.stringValue, InitializeStanza.evalTypes.contains(type) else {
                    throw fail(field, "eval_type must be one of string, int, float64, bool, []string, map or any")
                }
                for required in needs where object[required] == nil {
                    throw fail(field, "an evaluation from \"\(name)\" needs \(required)")
                }
                if name == "response", object["request_name"] == nil, object["response_name"] == nil {
                    throw fail(field, "an evaluation from \"response\" needs request_name")
                }
            } else {
                for (_, inner) in object { try checkEvaluations(inner, field) }
            }
        case .array(let elements):
            for inner in elements { try checkEvaluations(inner, field) }
        default: break
        }
    }
}
