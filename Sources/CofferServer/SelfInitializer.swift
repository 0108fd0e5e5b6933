import CofferCore
import CofferCrypto
import CofferSDK
import Foundation
import Logging

/// Runs the `initialize` stanzas on freshly initialised storage, in order, through the core's
/// normal pipeline (so every request is audited and checked like any other), with the
/// temporary root token revoked at the end whatever happened.
struct SelfInitializer {
    let core: Core
    let logger: Logger
    let stanzas: [InitializeStanza]
    var environment = ProcessInfo.processInfo.environment

    /// What a request's evaluation could not do. Messages name sources, never values.
    struct Failure: Error {
        let message: String
    }

    /// True when every request succeeded or was allowed to fail.
    func run(rootToken: String) async -> Bool {
        var history = [String: (request: JSONValue, response: JSONValue)]()
        var succeeded = true
        runs: for stanza in stanzas {
            for request in stanza.requests {
                let place: Logger.Metadata = ["initialize": "\(stanza.name)", "request": "\(request.name)", "line": "\(request.line)"]
                do {
                    let (sent, received) = try await perform(request, rootToken: rootToken, history: history)
                    history["\(stanza.name)/\(request.name)"] = (sent, received)
                    logger.info("self-initialization request succeeded", metadata: place)
                } catch {
                    var metadata = place
                    metadata["reason"] = "\(Self.describe(error))"
                    if request.allowFailure {
                        logger.warning("self-initialization request failed; allow_failure is set, so the run goes on", metadata: metadata)
                        continue
                    }
                    logger.error("self-initialization stopped at a failing request; fix it and start again on empty storage", metadata: metadata)
                    succeeded = false
                    break runs
                }
            }
        }
        do {
            _ = try await core.handle(LogicalRequest(id: SecureRandom.uuid(), operation: .update, path: "auth/token/revoke-self", clientToken: rootToken))
        } catch {
            logger.error("self-initialization could not revoke its temporary root token", metadata: ["reason": "\(Self.describe(error))"])
        }
        if succeeded { logger.info("self-initialization complete", metadata: ["requests": "\(stanzas.reduce(0) { $0 + $1.requests.count })"]) }
        return succeeded
    }

    private func perform(
        _ request: InitializeStanza.Request, rootToken: String, history: [String: (request: JSONValue, response: JSONValue)]
    ) async throws -> (JSONValue, JSONValue) {
        guard let path = try evaluate(request.path, history).stringValue, !path.isEmpty else { throw Failure(message: "path must be a string") }
        let token = try request.token.map { value throws -> String in
            guard let text = try evaluate(value, history).stringValue else { throw Failure(message: "token must be a string") }
            return text
        }
        let data = try request.data.map { try evaluate($0, history) } ?? .object([:])
        guard case .object(let body) = data else { throw Failure(message: "data must be a map") }
        let logicalPath = request.operation == .list && !path.hasSuffix("/") ? path + "/" : path
        let logical = LogicalRequest(id: SecureRandom.uuid(), operation: request.operation, path: logicalPath, data: body, clientToken: token ?? rootToken)
        let response = try await core.handle(logical)
        let received: JSONValue =
            response.isEmpty ? .object([:]) : .object(ResponseRenderer.envelope(response, requestID: logical.id, mountType: core.mountType(for: logicalPath)))
        return (["operation": .string(request.operation.rawValue), "path": .string(path), "data": data], received)
    }

    /// Resolves every evaluation inside `value`.
    func evaluate(_ value: JSONValue, _ history: [String: (request: JSONValue, response: JSONValue)]) throws -> JSONValue {
        switch value {
        case .object(let object):
            if object["eval_source"] != nil { return try evaluation(object, history) }
            var out = JSONObject()
            for (key, inner) in object { out[key] = try evaluate(inner, history) }
            return .object(out)
        case .array(let elements):
            return .array(try elements.map { try evaluate($0, history) })
        default:
            return value
        }
    }

    private func evaluation(_ spec: JSONObject, _ history: [String: (request: JSONValue, response: JSONValue)]) throws -> JSONValue {
        let source = spec["eval_source"]?.stringValue ?? ""
        let raw: JSONValue
        switch source {
        case "env":
            let name = spec["env_var"]?.stringValue ?? ""
            if let text = environment[name] {
                raw = .string(text)
            } else if spec["require_present"]?.boolValue == true {
                throw Failure(message: "the environment variable \(name) is not set")
            } else {
                raw = .string("")
            }
        case "file":
            let path = spec["path"]?.stringValue ?? ""
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw Failure(message: "the file \(path) cannot be read as text")
            }
            raw = .string(text)
        case "request", "response":
            let block = spec["initialize_name"]?.stringValue ?? ""
            let name = spec["request_name"]?.stringValue ?? spec["response_name"]?.stringValue ?? ""
            guard let entry = history["\(block)/\(name)"] else {
                throw Failure(message: "request \"\(name)\" of initialize \"\(block)\" has not run (or failed) before this one")
            }
            let selector: [String]
            switch spec["field_selector"] {
            case .string(let one)?: selector = [one]
            case .array(let many)?: selector = many.compactMap(\.stringValue)
            default: throw Failure(message: "field_selector must be a string or a list of strings")
            }
            raw = try Self.select(source == "request" ? entry.request : entry.response, selector, source: source)
        default:
            throw Failure(message: "unknown eval_source \"\(source)\"")
        }
        return try Self.convert(raw, to: spec["eval_type"]?.stringValue ?? "any", source: source)
    }

    private static func select(_ value: JSONValue, _ selector: [String], source: String) throws -> JSONValue {
        var current = value
        for step in selector {
            if case .object(let object) = current, let next = object[step] {
                current = next
            } else if case .array(let elements) = current, let index = Int(step), elements.indices.contains(index) {
                current = elements[index]
            } else {
                throw Failure(message: "the \(source) has no field \(selector.joined(separator: "."))")
            }
        }
        return current
    }

    private static func convert(_ value: JSONValue, to type: String, source: String) throws -> JSONValue {
        let converted: JSONValue?
        switch (type, value) {
        case ("any", _): converted = value
        case ("string", .string): converted = value
        case ("string", .int(let n)): converted = .string(String(n))
        case ("string", .bool(let b)): converted = .string(String(b))
        case ("int", .int): converted = value
        case ("int", .string(let s)): converted = Int64(s.trimmingCharacters(in: .whitespacesAndNewlines)).map(JSONValue.int)
        case ("int", .double(let d)): converted = Int64(exactly: d).map(JSONValue.int)
        case ("float64", .double), ("float64", .int): converted = value
        case ("float64", .string(let s)): converted = Double(s.trimmingCharacters(in: .whitespacesAndNewlines)).map(JSONValue.double)
        case ("bool", .bool): converted = value
        case ("bool", .string(let s)): converted = ["true": true, "false": false, "1": true, "0": false][s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()].map(JSONValue.bool)
        case ("[]string", .array(let elements)) where elements.allSatisfy({ $0.stringValue != nil }): converted = value
        case ("map", .object): converted = value
        default: converted = nil
        }
        guard let converted else { throw Failure(message: "the value from \(source) cannot be converted to \(type)") }
        return converted
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let failure as Failure: failure.message
        case let error as CofferError: "\(error.code): \(error.messages.joined(separator: "; "))"
        default: "\(type(of: error))"
        }
    }
}
