import Foundation

/// Where the real `coffer` executable is: `COFFER_BIN` when set (scripts/test sets it), else the
/// debug build beside this package.
public enum CofferBinary {
    /// The executable's path.
    public static var path: String {
        if let configured = ProcessInfo.processInfo.environment["COFFER_BIN"], !configured.isEmpty { return configured }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/coffer").path
    }
}
