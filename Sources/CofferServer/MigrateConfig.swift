import CofferHCL
import CofferSDK
import CofferStorage
import Foundation
import Logging

/// `operator migrate`'s configuration, in Vault's format: a `storage_source` and a
/// `storage_destination` stanza, each written as a server's `storage` stanza would be.
public struct MigrateConfig: Sendable, Equatable {
    /// Where the entries come from.
    public var source: ServerConfig.StorageKind
    /// Where they go; it must be empty.
    public var destination: ServerConfig.StorageKind

    /// Loads `path` (JSON when it ends in `.json`).
    public static func load(path: String) throws(ConfigError) -> MigrateConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(description: "error loading migration configuration from \(path): cannot read the file")
        }
        return try parse(text, file: path, json: path.hasSuffix(".json"))
    }

    /// Parses migration configuration text; `file` names the source in errors.
    public static func parse(_ text: String, file: String, json: Bool) throws(ConfigError) -> MigrateConfig {
        let body: HCLBody
        do {
            body = json ? try HCLBody.fromJSON(text) : try HCLParser.parse(text)
        } catch {
            throw ConfigError(description: "error parsing \(file): \(error.line > 0 ? "line \(error.line): " : "")\(error.message)")
        }
        let decoder = ConfigDecoder(file: file)
        var source: ServerConfig.StorageKind?, destination: ServerConfig.StorageKind?
        for item in body.items {
            switch item.key {
            case "storage_source":
                guard source == nil else { throw decoder.fail(item, "only one storage_source stanza is allowed") }
                source = try decoder.storage(item)
            case "storage_destination":
                guard destination == nil else { throw decoder.fail(item, "only one storage_destination stanza is allowed") }
                destination = try decoder.storage(item)
            case "cluster_addr": break  // Vault's lock for raft destinations; nothing to do here
            default: throw decoder.fail(item, "unknown migration configuration key \"\(item.key)\"")
            }
        }
        guard let source, let destination else {
            throw ConfigError(description: "error in migration configuration \(file): both storage_source and storage_destination are required")
        }
        if case .inmem = source { throw ConfigError(description: "error in migration configuration \(file): an inmem store has nothing to migrate") }
        if case .inmem = destination { throw ConfigError(description: "error in migration configuration \(file): an inmem destination would be lost on exit") }
        guard source != destination else {
            throw ConfigError(description: "error in migration configuration \(file): the source and the destination are the same store")
        }
        return MigrateConfig(source: source, destination: destination)
    }
}

extension ServerConfig.StorageKind {
    /// Opens the store this stanza describes.
    public func open(logger: Logger) async throws -> any PhysicalStorage {
        switch self {
        case .inmem: return InMemoryStorage()
        case .sqlite(let path): return try SQLiteStorage(path: path)
        case .postgresql(let settings): return try await PostgresStorage.open(settings, logger: logger)
        }
    }
}
