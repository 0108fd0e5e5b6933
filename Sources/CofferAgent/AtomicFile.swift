import Foundation

/// Writes files the way readers of secrets need: whole or not at all (a temporary file renamed
/// over the old one), with the permissions set before any content is visible.
enum AtomicFile {
    static func replace(_ content: [UInt8], at path: String, mode: Int, createDirectories: Bool) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        if createDirectories, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode_t(mode & 0o7777))
        guard fd >= 0 else { throw FileFailure(path: path, reason: String(cString: strerror(errno))) }
        var ok = fchmod(fd, mode_t(mode & 0o7777)) == 0
        if ok {
            ok = content.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { return false }
                    offset += written
                }
                return true
            }
        }
        let reason = ok ? nil : String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let failure = reason ?? String(cString: strerror(errno))
            unlink(temporary)
            throw FileFailure(path: path, reason: failure)
        }
    }
}

/// A file that could not be written.
struct FileFailure: Error, Sendable, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "writing \(path): \(reason)" }
}
