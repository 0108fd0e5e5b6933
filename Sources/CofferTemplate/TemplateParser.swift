import CofferSDK

/// Builds the node tree from tokens, with Go's control structures (`if`, `range`, `with`, each
/// with `else`, and `else if` / `else with` chains) and a bound on nesting depth.
struct TemplateParser {
    /// How deeply control structures and parentheses may nest; the parser and the evaluator
    /// recurse once per level.
    static let maxDepth = 100

    private let tokens: [LocatedToken]
    private let name: String
    private let endLine: Int
    private var index = 0
    private var depth = 0

    init(tokens: [LocatedToken], name: String, endLine: Int) {
        self.tokens = tokens
        self.name = name
        self.endLine = endLine
    }

    /// What ended a list of nodes.
    private enum Terminator {
        case endOfInput
        case end
        case elseBranch
        /// `{{ else if … }}` or `{{ else with … }}`: the keyword and its pipeline.
        case elseChain(String, TemplatePipeline)
    }

    private var line: Int { index < tokens.count ? tokens[index].line : endLine }
    private func fail(_ message: String, line: Int? = nil) -> TemplateError { TemplateError(name: name, line: line ?? self.line, message: message) }
    private var current: TemplateToken? { index < tokens.count ? tokens[index].token : nil }

    mutating func parse() throws(TemplateError) -> [TemplateNode] {
        let (nodes, terminator) = try parseList()
        switch terminator {
        case .endOfInput: return nodes
        case .end: throw fail("unexpected {{end}}")
        case .elseBranch, .elseChain: throw fail("unexpected {{else}}")
        }
    }

    private mutating func descend() throws(TemplateError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func parseList() throws(TemplateError) -> ([TemplateNode], Terminator) {
        var nodes = [TemplateNode]()
        while let token = current {
            switch token {
            case .text(let text):
                nodes.append(.text(text))
                index += 1
            case .leftDelim:
                index += 1
                let actionLine = line
                if case .identifier(let keyword) = current {
                    switch keyword {
                    case "end":
                        index += 1
                        try expectRightDelim()
                        return (nodes, .end)
                    case "else":
                        index += 1
                        if case .identifier(let chained) = current, chained == "if" || chained == "with" {
                            index += 1
                            let pipeline = try parsePipeline(context: chained, line: actionLine)
                            return (nodes, .elseChain(chained, pipeline))
                        }
                        try expectRightDelim()
                        return (nodes, .elseBranch)
                    case "if", "range", "with":
                        index += 1
                        let pipeline = try parsePipeline(context: keyword, line: actionLine, allowTwoVariables: keyword == "range")
                        nodes.append(try parseControl(keyword, pipeline))
                        continue
                    case "break", "continue":
                        index += 1
                        try expectRightDelim()
                        nodes.append(keyword == "break" ? .breakLoop(line: actionLine) : .continueLoop(line: actionLine))
                        continue
                    case "define", "template", "block":
                        throw fail("{{\(keyword)}} is not supported", line: actionLine)
                    default:
                        break
                    }
                }
                nodes.append(.action(try parsePipeline(context: "command", line: actionLine)))
            default:
                throw fail("unexpected token")
            }
        }
        return (nodes, .endOfInput)
    }

    /// The body and else branch of `if`, `range` or `with`, after its pipeline.
    private mutating func parseControl(_ keyword: String, _ pipeline: TemplatePipeline) throws(TemplateError) -> TemplateNode {
        try descend()
        defer { depth -= 1 }
        let (body, terminator) = try parseList()
        var otherwise: [TemplateNode]?
        switch terminator {
        case .endOfInput: throw fail("unexpected EOF: {{\(keyword)}} at line \(pipeline.line) has no {{end}}")
        case .end: break
        case .elseBranch:
            let (elseBody, elseTerminator) = try parseList()
            guard case .end = elseTerminator else { throw fail("expected {{end}} to close {{\(keyword)}} at line \(pipeline.line)") }
            otherwise = elseBody
        case .elseChain(let chained, let chainedPipeline):
            guard chained == keyword || keyword != "range" else { throw fail("{{else \(chained)}} cannot follow {{range}}") }
            // The chained structure consumes the shared {{end}}.
            otherwise = [try parseControl(chained, chainedPipeline)]
        }
        switch keyword {
        case "if": return .conditional(pipeline, then: body, otherwise: otherwise)
        case "range": return .range(pipeline, body: body, otherwise: otherwise)
        default: return .with(pipeline, body: body, otherwise: otherwise)
        }
    }

    private mutating func expectRightDelim() throws(TemplateError) {
        guard case .rightDelim = current else { throw fail("unexpected token in action; expected }}") }
        index += 1
    }

    /// A pipeline up to `}}`, with optional `$x :=` / `$k, $v :=` declarations.
    private mutating func parsePipeline(context: String, line: Int, allowTwoVariables: Bool = false, closing: TemplateToken = .rightDelim) throws(TemplateError) -> TemplatePipeline {
        var pipeline = TemplatePipeline(line: line)
        if case .variable(let first) = current, index + 1 < tokens.count {
            switch tokens[index + 1].token {
            case .declare, .assign:
                pipeline.variables = [first]
                pipeline.isAssignment = tokens[index + 1].token == .assign
                index += 2
            case .comma where allowTwoVariables:
                guard index + 3 < tokens.count, case .variable(let second) = tokens[index + 2].token, tokens[index + 3].token == .declare || tokens[index + 3].token == .assign else {
                    throw fail("expected \"$key, $value :=\" in range")
                }
                pipeline.variables = [first, second]
                pipeline.isAssignment = tokens[index + 3].token == .assign
                index += 4
            default: break
            }
        }
        while true {
            guard let token = current else { throw fail("unclosed action") }
            if token == closing {
                index += 1
                break
            }
            pipeline.commands.append(try parseCommand(closing: closing))
            if current == .pipe {
                index += 1
                guard current != closing else { throw fail("missing command after |") }
            }
        }
        guard !pipeline.commands.isEmpty else { throw fail("missing value for \(context)", line: line) }
        return pipeline
    }

    private mutating func parseCommand(closing: TemplateToken) throws(TemplateError) -> TemplateCommand {
        var command = TemplateCommand(arguments: [])
        while let token = current, token != closing, token != .pipe {
            command.arguments.append(try parseOperand())
        }
        guard !command.arguments.isEmpty else { throw fail("empty command") }
        return command
    }

    /// Fields written directly after an operand: `.A.B` in `$x.A.B` or `(…).A.B`.
    private mutating func chainedFields() -> [String] {
        var fields = [String]()
        while index < tokens.count, !tokens[index].spaceBefore, case .field(let name) = tokens[index].token {
            fields.append(name)
            index += 1
        }
        return fields
    }

    private mutating func parseOperand() throws(TemplateError) -> TemplateArgument {
        guard let token = current else { throw fail("unclosed action") }
        index += 1
        switch token {
        case .dot: return .dot
        case .field(let name): return .field([name] + chainedFields())
        case .variable(let name): return .variable(name, chainedFields())
        case .identifier(let name):
            if ["if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"].contains(name) {
                throw fail("unexpected \"\(name)\" in operand")
            }
            return .function(name)
        case .string(let s): return .literal(.string(s))
        case .int(let i): return .literal(.int(i))
        case .double(let d): return .literal(.double(d))
        case .bool(let b): return .literal(.bool(b))
        case .nilLiteral: return .literal(nil)
        case .leftParen:
            try descend()
            defer { depth -= 1 }
            let inner = try parsePipeline(context: "parenthesized pipeline", line: line, closing: .rightParen)
            return .pipeline(inner, chainedFields())
        case .rightParen: throw fail("unexpected right paren")
        case .rightDelim: throw fail("unexpected }}")
        default: throw fail("unexpected token in operand")
        }
    }
}
