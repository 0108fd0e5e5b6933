import CofferSDK

/// The parsed form of a template: Go `text/template`'s node kinds that consul-template uses.
indirect enum TemplateNode: Sendable {
    /// Literal text.
    case text(String)
    /// `{{ pipeline }}`: prints the value unless it is a declaration.
    case action(TemplatePipeline)
    /// `{{ if }}…{{ else }}…{{ end }}`; `else if` is a nested `if` in the else list.
    case conditional(TemplatePipeline, then: [TemplateNode], otherwise: [TemplateNode]?)
    /// `{{ range }}…{{ else }}…{{ end }}`.
    case range(TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode]?)
    /// `{{ with }}…{{ else }}…{{ end }}`.
    case with(TemplatePipeline, body: [TemplateNode], otherwise: [TemplateNode]?)
    /// `{{ break }}` inside a range.
    case breakLoop(line: Int)
    /// `{{ continue }}` inside a range.
    case continueLoop(line: Int)
}

/// `$x := cmd | cmd arg`: optional variable declarations, then commands joined by pipes.
struct TemplatePipeline: Sendable {
    /// Variables declared (`:=`) or assigned (`=`), in order.
    var variables: [String] = []
    /// True for `=`, false for `:=`.
    var isAssignment = false
    /// The commands; each one's result is the last argument of the next.
    var commands: [TemplateCommand] = []
    /// Where the pipeline starts.
    var line: Int
}

/// One command: a function with arguments, or a single operand.
struct TemplateCommand: Sendable {
    /// The operands; the first one is the function when it names one.
    var arguments: [TemplateArgument]
}

/// One operand of a command.
indirect enum TemplateArgument: Sendable {
    /// `.`
    case dot
    /// `.A.B`: fields of the cursor.
    case field([String])
    /// `$x.A.B`: a variable, then fields.
    case variable(String, [String])
    /// A bare identifier: a function.
    case function(String)
    /// `(pipeline).A.B`.
    case pipeline(TemplatePipeline, [String])
    /// A literal.
    case literal(TemplateValue)
}
