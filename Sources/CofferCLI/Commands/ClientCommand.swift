import CofferSDK
import Foundation

/// A client command: its own flags, usage, and what it does.
struct ClientCommand: Sendable {
    let flags: [String: GoFlags.Kind]
    let usage: String
    let run: @Sendable (Invocation) async throws -> Int32

    init(flags: [String: GoFlags.Kind] = [:], usage: String, run: @escaping @Sendable (Invocation) async throws -> Int32) {
        self.flags = flags
        self.usage = usage
        self.run = run
    }

    /// Runs with Vault's exit codes: 0 done, 1 local error, 2 the server said no.
    func execute(_ arguments: [String], environment: [String: String], action: String) async -> Int32 {
        do {
            let invocation = try Invocation(arguments, flags: flags, environment: environment, stdin: { FileHandle.standardInput.readDataToEndOfFile() })
            if invocation.wantsHelp {
                Output.out(usage + "\n" + FlagHelp.text(own: flags, shared: Invocation.sharedFlags))
                return 0
            }
            return try await run(invocation)
        } catch let error as APIError {
            Output.error("Error \(action): \(error)")
            return 2
        } catch let error as LocalError {
            Output.error(error.description.hasPrefix("Error") || error.description.hasPrefix("Field") ? error.description : "Error: \(error.description)")
            return 1
        } catch {
            Output.error("Error: \(error)")
            return 1
        }
    }
}

extension Invocation {
    /// Exactly `count` positional arguments, or a usage error.
    func require(_ count: Int, _ what: String) throws {
        guard arguments.count >= count else { throw LocalError("Not enough arguments (expected \(what))") }
    }
}
