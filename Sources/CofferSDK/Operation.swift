/// What a request asks of a path, as Vault's logical layer names it.
public enum Operation: String, Sendable, Hashable, CaseIterable {
    case create, read, update, patch, delete, list
}
