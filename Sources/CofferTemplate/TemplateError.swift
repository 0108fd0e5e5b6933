/// A template that cannot be parsed or executed, with the template's name and line as Go's
/// `text/template` reports them (`template: db.env.tpl:3: …`).
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template's name (usually its source file).
    public var name: String
    /// 1-based line where the problem is.
    public var line: Int
    /// What went wrong; never contains secret values.
    public var message: String

    /// Creates an error.
    public init(name: String, line: Int, message: String) {
        self.name = name
        self.line = line
        self.message = message
    }

    /// Go's `template: NAME:LINE: message` form.
    public var description: String { "template: \(name):\(line): \(message)" }
}
