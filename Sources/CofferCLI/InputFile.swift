import Foundation

/// Reads a file the way the Vault CLI does for `@file`, `policy write` and friends: to its end,
/// so that pipes, FIFOs and process substitution (`@<(cmd)`, which is `/dev/fd/63`) work as
/// well as regular files, whose size a stat would give but a pipe's it would not.
enum InputFile {
    /// The whole contents of `path`, or a LocalError naming it.
    static func read(_ path: String, what: String = "Error loading data") throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LocalError("\(what): cannot read \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
        }
        defer { try? handle.close() }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw LocalError("\(what): cannot read \(path)")
        }
    }
}
