import CofferSDK

/// A parsed template in the consul-template language (Go's `text/template` with consul-template's
/// functions): parse once, render many times against fetched secrets. Pure: no I/O happens here.
public struct Template: Sendable {
    /// The name used in error messages (usually the source file).
    public let name: String
    let nodes: [TemplateNode]

    /// The longest template accepted, in bytes: templates are configuration, not data.
    public static let maxLength = 1024 * 1024
    /// The most output one rendering may produce.
    public static let maxOutput = 16 * 1024 * 1024

    /// Parses `text`; errors carry `name` and the line.
    public init(_ text: String, name: String) throws(TemplateError) {
        guard text.utf8.count <= Self.maxLength else {
            throw TemplateError(name: name, line: 1, message: "template is larger than \(Self.maxLength) bytes")
        }
        self.name = name
        var lexer = TemplateLexer(text, name: name)
        let tokens = try lexer.tokenize()
        var parser = TemplateParser(tokens: tokens, name: name, endLine: lexer.endLine)
        nodes = try parser.parse()
    }

    /// Renders against `context`. Secrets the context does not hold yet are listed in
    /// `missing`; the caller fetches them and renders again. While secrets are missing, an
    /// execution error is not final (the template may only fail for lack of them), so it is
    /// reported as `incomplete` instead of thrown.
    public func render(_ context: TemplateContext) throws(TemplateError) -> TemplateRendering {
        var evaluator = TemplateEvaluator(name: name, context: context)
        do {
            try evaluator.run(nodes)
        } catch {
            if evaluator.missing.isEmpty { throw error }
            return TemplateRendering(output: nil, used: evaluator.used, missing: evaluator.missing, lines: evaluator.lines)
        }
        return TemplateRendering(
            output: evaluator.missing.isEmpty ? evaluator.output : nil, used: evaluator.used, missing: evaluator.missing, lines: evaluator.lines
        )
    }
}

/// A secret a template asks for: `secret "path"` reads, `secret "path" "k=v" …` writes,
/// `secrets "path/"` lists.
public struct SecretRequest: Hashable, Sendable, CustomStringConvertible {
    /// The API path without `/v1/`.
    public var path: String
    /// `key=value` arguments; non-empty means a write.
    public var data: [String]
    /// True for `secrets`: a LIST whose answer is the list of keys.
    public var isList: Bool

    /// Creates a request.
    public init(path: String, data: [String] = [], isList: Bool = false) {
        self.path = path
        self.data = data
        self.isList = isList
    }

    /// The kind of request and its path (never the written data).
    public var description: String { isList ? "secrets(\(path))" : (data.isEmpty ? "secret(\(path))" : "secret(\(path), write)") }
}

/// What a template sees: the secrets fetched so far, the environment, and the missing-key rule.
public struct TemplateContext: Sendable {
    /// Each fetched secret, shaped as consul-template's `Secret`: `Data`, `LeaseID`,
    /// `LeaseDuration`, `Renewable`, `Warnings`.
    public var secrets: [SecretRequest: JSONValue]
    /// For `env`.
    public var environment: [String: String]
    /// `error_on_missing_key`: a missing map key fails instead of printing `<no value>`.
    public var errorOnMissingKey: Bool

    /// Creates a context.
    public init(secrets: [SecretRequest: JSONValue] = [:], environment: [String: String] = [:], errorOnMissingKey: Bool = false) {
        self.secrets = secrets
        self.environment = environment
        self.errorOnMissingKey = errorOnMissingKey
    }

    /// The keys of a LIST response, sorted, as consul-template's `secrets` returns them.
    public static func keys(fromResponse response: JSONObject) -> JSONValue {
        let keys = response["data"]?.objectValue?["keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return .strings(keys.sorted())
    }

    /// Shapes an API response (`data`, `lease_id`, …) as consul-template's `Secret`.
    public static func secret(fromResponse response: JSONObject) -> JSONValue {
        var secret: JSONObject = [
            "Data": response["data"].flatMap { $0.isNull ? nil : $0 } ?? .object([:]),
            "LeaseID": response["lease_id"] ?? "",
            "LeaseDuration": response["lease_duration"] ?? 0,
            "Renewable": response["renewable"] ?? false,
            "RequestID": response["request_id"] ?? "",
            "Warnings": response["warnings"].flatMap { $0.isNull ? nil : $0 } ?? .array([]),
        ]
        if let auth = response["auth"], !auth.isNull { secret["Auth"] = auth }
        if let wrap = response["wrap_info"], !wrap.isNull { secret["WrapInfo"] = wrap }
        return .object(secret)
    }
}

/// The result of one rendering.
public struct TemplateRendering: Sendable {
    /// The text, or nil while secrets are missing.
    public var output: String?
    /// Every secret the template asked for, in first-use order.
    public var used: [SecretRequest]
    /// Those the context did not hold.
    public var missing: [SecretRequest]
    /// The line of each secret's first `secret` call, for errors about fetching it.
    public var lines: [SecretRequest: Int]
}
