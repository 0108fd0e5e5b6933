import CofferSDK

/// Executes a node tree with Go's `text/template` semantics: the cursor `.`, variables with
/// lexical scope, truthiness, `range` over lists (by index) and maps (by sorted key), and
/// pipelines passing each result as the next command's last argument.
struct TemplateEvaluator {
    let name: String
    let context: TemplateContext
    private(set) var output = ""
    private var outputBytes = 0
    private(set) var used: [SecretRequest] = []
    private(set) var missing: [SecretRequest] = []
    private(set) var lines: [SecretRequest: Int] = [:]
    private var variables: [(String, TemplateValue)] = []
    private var steps = 0

    /// A bound on work, so a template with nested ranges cannot run for ever.
    static let maxSteps = 5_000_000
    /// A bound on `range N` over an integer.
    static let maxIntegerRange: Int64 = 100_000

    init(name: String, context: TemplateContext) {
        self.name = name
        self.context = context
    }

    /// How a list of nodes ended.
    private enum Flow { case normal, breakLoop, continueLoop }

    func fail(_ line: Int, _ message: String) -> TemplateError { TemplateError(name: name, line: line, message: message) }

    mutating func run(_ nodes: [TemplateNode]) throws(TemplateError) {
        variables = [("$", nil)]
        let flow = try execute(nodes, dot: nil)
        if flow != .normal { throw fail(1, "break or continue outside range") }
    }

    private mutating func emit(_ text: String, line: Int) throws(TemplateError) {
        outputBytes += text.utf8.count
        guard outputBytes <= Template.maxOutput else { throw fail(line, "output is larger than \(Template.maxOutput) bytes") }
        output += text
    }

    private mutating func step(_ line: Int) throws(TemplateError) {
        steps += 1
        guard steps <= Self.maxSteps else { throw fail(line, "template took more than \(Self.maxSteps) steps") }
    }

    private mutating func execute(_ nodes: [TemplateNode], dot: TemplateValue) throws(TemplateError) -> Flow {
        for node in nodes {
            switch node {
            case .text(let text):
                try step(0)
                try emit(text, line: 0)
            case .action(let pipeline):
                try step(pipeline.line)
                let value = try evaluate(pipeline, dot: dot)
                if pipeline.variables.isEmpty { try emit(TemplateFormat.printed(value), line: pipeline.line) }
            case .conditional(let pipeline, let then, let otherwise):
                let mark = variables.count
                defer { variables.removeSubrange(mark...) }
                let value = try evaluate(pipeline, dot: dot)
                let flow = try TemplateFormat.isTrue(value) ? execute(then, dot: dot) : execute(otherwise ?? [], dot: dot)
                if flow != .normal { return flow }
            case .with(let pipeline, let body, let otherwise):
                let mark = variables.count
                defer { variables.removeSubrange(mark...) }
                let value = try evaluate(pipeline, dot: dot)
                let flow = try TemplateFormat.isTrue(value) ? execute(body, dot: value) : execute(otherwise ?? [], dot: dot)
                if flow != .normal { return flow }
            case .range(let pipeline, let body, let otherwise):
                try executeRange(pipeline, body: body, otherwise: otherwise, dot: dot)
            case .breakLoop: return .breakLoop
            case .continueLoop: return .continueLoop
            }
        }
        return .normal
    }

    private mutating func executeRange(_ pipeline: TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode]?, dot: TemplateValue) throws(TemplateError) {
        let mark = variables.count
        defer { variables.removeSubrange(mark...) }
        var plain = pipeline
        plain.variables = []
        let value = try evaluate(plain, dot: dot)
        var items: [(TemplateValue, TemplateValue)] = []
        switch value {
        case nil, .null?: break
        case .array(let elements)?: items = elements.enumerated().map { (.int(Int64($0.offset)), $0.element) }
        case .object(let object)?: items = object.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { (.string($0), object[$0]) }
        case .int(let n)?:
            guard n <= Self.maxIntegerRange else { throw fail(pipeline.line, "range over \(n) is more than \(Self.maxIntegerRange) iterations") }
            if n > 0 { items = (0..<n).map { (.int($0), .int($0)) } }
        case let other?:
            throw fail(pipeline.line, "range can't iterate over \(TemplateFormat.goType(other))")
        }
        if items.isEmpty {
            if let otherwise {
                let flow = try execute(otherwise, dot: dot)
                if flow != .normal { throw fail(pipeline.line, "break or continue outside range") }
            }
            return
        }
        for (key, element) in items {
            try step(pipeline.line)
            let iterationMark = variables.count
            if pipeline.variables.count == 1 {
                try bind(pipeline.variables[0], element, assign: pipeline.isAssignment, line: pipeline.line)
            } else if pipeline.variables.count == 2 {
                try bind(pipeline.variables[0], key, assign: pipeline.isAssignment, line: pipeline.line)
                try bind(pipeline.variables[1], element, assign: pipeline.isAssignment, line: pipeline.line)
            }
            let flow = try execute(body, dot: element)
            variables.removeSubrange(iterationMark...)
            if flow == .breakLoop { break }
        }
    }

    private mutating func bind(_ name: String, _ value: TemplateValue, assign: Bool, line: Int) throws(TemplateError) {
        if assign {
            guard let position = variables.lastIndex(where: { $0.0 == name }) else { throw fail(line, "undefined variable: \(name)") }
            variables[position].1 = value
        } else {
            variables.append((name, value))
        }
    }

    private func variable(_ name: String, line: Int) throws(TemplateError) -> TemplateValue {
        guard let found = variables.last(where: { $0.0 == name }) else { throw fail(line, "undefined variable: \(name)") }
        return found.1
    }

    mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue = nil
        for (position, command) in pipeline.commands.enumerated() {
            value = try evaluate(command, dot: dot, piped: position == 0 ? [] : [value], line: pipeline.line)
        }
        switch pipeline.variables.count {
        case 0: break
        case 1: try bind(pipeline.variables[0], value, assign: pipeline.isAssignment, line: pipeline.line)
        default: throw fail(pipeline.line, "too many declarations in command")
        }
        return value
    }

    private mutating func evaluate(_ command: TemplateCommand, dot: TemplateValue, piped: [TemplateValue], line: Int) throws(TemplateError) -> TemplateValue {
        let first = command.arguments[0]
        if case .function(let function) = first {
            return try call(function, Array(command.arguments.dropFirst()), piped: piped, dot: dot, line: line)
        }
        if command.arguments.count > 1 || !piped.isEmpty {
            throw fail(line, "can't give argument to non-function \(describe(first))")
        }
        return try argument(first, dot: dot, line: line)
    }

    private func describe(_ argument: TemplateArgument) -> String {
        switch argument {
        case .dot: "."
        case .field(let names): "." + names.joined(separator: ".")
        case .variable(let name, let fields): ([name] + fields).joined(separator: ".")
        case .function(let name): name
        case .pipeline: "(pipeline)"
        case .literal(.string(let s)?): TemplateFormat.goQuoted(s)
        case .literal(let value): TemplateFormat.printed(value)
        }
    }

    /// The value of one operand; a bare function name is called with no arguments.
    mutating func argument(_ argument: TemplateArgument, dot: TemplateValue, line: Int) throws(TemplateError) -> TemplateValue {
        switch argument {
        case .dot: return dot
        case .field(let names): return try fields(names, of: dot, line: line)
        case .variable(let name, let names): return try fields(names, of: variable(name, line: line), line: line)
        case .function(let function): return try call(function, [], piped: [], dot: dot, line: line)
        case .pipeline(let pipeline, let names):
            let mark = variables.count
            defer { variables.removeSubrange(mark...) }
            return try fields(names, of: evaluate(pipeline, dot: dot), line: line)
        case .literal(let value): return value
        }
    }

    private func fields(_ names: [String], of start: TemplateValue, line: Int) throws(TemplateError) -> TemplateValue {
        var value = start
        for name in names {
            switch value {
            case nil, .null?:
                throw fail(line, "nil pointer evaluating interface {}.\(name)")
            case .object(let object)?:
                if let found = object[name] {
                    value = found
                } else if context.errorOnMissingKey {
                    throw fail(line, "map has no entry for key \"\(name)\"")
                } else {
                    value = nil
                }
            case let other?:
                throw fail(line, "can't evaluate field \(name) in type \(TemplateFormat.goType(other))")
            }
        }
        return value
    }

    /// Records a `secret` call and answers what the context holds for it.
    mutating func secret(_ request: SecretRequest, line: Int) -> TemplateValue {
        if !used.contains(request) {
            used.append(request)
            lines[request] = line
        }
        if let found = context.secrets[request] { return found }
        if !missing.contains(request) { missing.append(request) }
        return nil
    }
}
