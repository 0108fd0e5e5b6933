import Foundation

/// A fresh directory under the system temp directory, for one test's files.
public enum TemporaryDirectory {
    /// Creates `<tmp>/<prefix><uuid>` and returns its path.
    public static func make(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + prefix + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
