/// One lexical token of a template: text outside actions, or a piece of an action.
enum TemplateToken: Equatable, Sendable {
    /// Literal text between actions (already trimmed by `{{-` / `-}}`).
    case text(String)
    /// `{{` (the left trim marker is already applied to the previous text).
    case leftDelim
    /// `}}`.
    case rightDelim
    /// A bare word: a function name or keyword.
    case identifier(String)
    /// `.` alone (the cursor).
    case dot
    /// `.Name`: one field step.
    case field(String)
    /// `$name` (or `$` alone).
    case variable(String)
    /// A quoted or raw string, unescaped.
    case string(String)
    /// An integer literal.
    case int(Int64)
    /// A floating-point literal.
    case double(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `nil`.
    case nilLiteral
    /// `|`.
    case pipe
    /// `(`.
    case leftParen
    /// `)`.
    case rightParen
    /// `:=`.
    case declare
    /// `=`.
    case assign
    /// `,`.
    case comma
}

/// A token and the line it starts on.
struct LocatedToken: Sendable {
    var token: TemplateToken
    var line: Int
    /// False when the token directly follows the previous one, as `.B` in `.A.B` or `(x).B`.
    var spaceBefore = true
}
