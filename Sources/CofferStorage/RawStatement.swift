import GRDB
import GRDBSQLite

/// A GRDB-cached statement driven through the SQLite C API. On the paths every request and
/// every lease revocation takes (a point read, a key scan, a put or delete), GRDB's argument
/// values, validation and cursors cost as much as the B-tree work itself. Each use binds, steps
/// and resets, and clears its bindings, so the statement is left as GRDB expects to find it.
/// These statements are only ever run through this type.
struct RawStatement {
    private let handle: SQLiteStatement
    private let connection: SQLiteConnection?

    init(_ db: Database, sql: String) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        connection = db.sqliteConnection
    }

    /// Runs the statement with `texts` bound in order (then `blob` and `limit`, if given) and
    /// hands each result row to `row`.
    func run(_ texts: [String], blob: [UInt8]? = nil, limit: Int? = nil, row: (SQLiteStatement) throws -> Void = { _ in }) throws {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var index: Int32 = 1
        for var text in texts {
            // By length, not as a C string: a key may hold a NUL.
            try check(text.withUTF8 { sqlite3_bind_text(handle, index, ($0.baseAddress.map(UnsafeRawPointer.init) ?? Self.empty).assumingMemoryBound(to: CChar.self), Int32($0.count), Self.transient) })
            index += 1
        }
        if let blob {
            try check(blob.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress ?? Self.empty, Int32($0.count), Self.transient) })
            index += 1
        }
        if let limit { try check(sqlite3_bind_int64(handle, index, Int64(limit))) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw error(code) }
            try row(handle)
        }
    }

    /// Column 0 of the current row as bytes.
    static func bytes(_ row: SQLiteStatement) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(row, 0))
        guard count > 0, let base = sqlite3_column_blob(row, 0) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Column 0 of the current row as text.
    static func text(_ row: SQLiteStatement) -> String {
        let count = Int(sqlite3_column_bytes(row, 0))
        guard count > 0, let base = sqlite3_column_text(row, 0) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// Names the failure but never the bound values: they are keys and sealed secrets.
    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) })
    }

    /// Where an empty value points: a null pointer would bind SQL NULL instead.
    private static var empty: UnsafeRawPointer { UnsafeRawPointer(("" as StaticString).utf8Start) }

    /// SQLite copies what is bound: the Swift buffers do not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
