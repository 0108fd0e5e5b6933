import CofferServer
import CofferStorage
import Foundation
import Logging

/// `coffer operator migrate -config=migrate.hcl`: Vault's offline copy of all storage from one
/// backend to another (here SQLite ⇄ PostgreSQL), verified entry by entry afterwards.
enum MigrateCommand {
    static let usage = """
        Usage: coffer operator migrate [options]

          Copies every entry from storage_source to storage_destination, as stored (sealed),
          then compares both stores entry by entry. Stop every server using either store first;
          the destination must be empty.

          -config=PATH    Migration configuration (HCL, or JSON by .json suffix) with
                          storage_source and storage_destination stanzas.

        """

    static func run(_ arguments: [String]) async -> Int32 {
        var flags = GoFlags(["config": .string, "log-level": .string, "h": .bool, "help": .bool])
        if let status = flags.parseCommand(arguments, usage: usage) { return status }
        guard flags.positional.isEmpty else {
            Output.error("Too many arguments: \(flags.positional.joined(separator: " "))\n\n\(usage)")
            return 1
        }
        guard let path = flags.string("config"), !path.isEmpty else {
            Output.error("Error: a migration configuration must be given with -config=PATH\n\n\(usage)")
            return 1
        }
        let config: MigrateConfig
        do {
            config = try MigrateConfig.load(path: path)
        } catch {
            Output.error("Error: \(error)")
            return 1
        }
        // Opening a SQLite path creates it: a mistyped source must not turn into an empty copy.
        if case .sqlite(let file) = config.source, !FileManager.default.fileExists(atPath: file) {
            Output.error("Error: the source database \(file) does not exist")
            return 1
        }
        var logger = Logger(label: "migrate")
        logger.logLevel = .warning
        do {
            let source = try await config.source.open(logger: logger)
            let destination: any PhysicalStorage
            do {
                destination = try await config.destination.open(logger: logger)
            } catch {
                try? await source.close()
                throw error
            }
            let summary: StorageMigration.Summary
            do {
                summary = try await StorageMigration.run(from: source, to: destination) { count in
                    if count % 10_000 == 0 { Output.out("copied \(count) entries") }
                }
            } catch {
                try? await source.close()
                try? await destination.close()
                throw error
            }
            try await source.close()
            try await destination.close()
            Output.out("Success! All of the keys have been migrated: \(summary.copied) entries copied and verified.")
            return 0
        } catch {
            Output.error("Error migrating storage: \(error)")
            return 2
        }
    }
}
