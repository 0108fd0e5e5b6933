import CofferSDK
import Foundation

/// Vault's data arguments: `key=value`, `key=@file`, `key=-` or `key=@-` (stdin), `@file.json`
/// (a JSON object), and a lone `-` or `@-` for a JSON object on stdin.
enum DataArguments {
    static func parse(_ arguments: [String], stdin: () -> Data) throws -> JSONObject {
        var data = JSONObject()
        var stdinUsed = false
        func readStdin() throws -> Data {
            guard !stdinUsed else { throw LocalError("Error parsing arguments: stdin can only be read once") }
            stdinUsed = true
            return stdin()
        }
        for argument in arguments {
            if argument == "-" || argument == "@-" {
                for (key, value) in try object(from: try readStdin(), source: "stdin") { data[key] = value }
                continue
            }
            if argument.hasPrefix("@") {
                let path = String(argument.dropFirst())
                for (key, value) in try object(from: try InputFile.read(path), source: path) { data[key] = value }
                continue
            }
            guard let equals = argument.firstIndex(of: "=") else {
                throw LocalError("Error parsing arguments: \"\(argument)\" is not of the form key=value")
            }
            let key = String(argument[..<equals])
            var value = String(argument[argument.index(after: equals)...])
            if value == "-" || value == "@-" {
                value = String(decoding: try readStdin(), as: UTF8.self)
            } else if value.hasPrefix("@") {
                value = String(decoding: try InputFile.read(String(value.dropFirst())), as: UTF8.self)
            }
            data[key] = .string(value)
        }
        return data
    }

    private static func object(from data: Data, source: String) throws -> JSONObject {
        guard let object = (try? JSONParser.parse(Array(data)))?.objectValue else {
            throw LocalError("Error parsing \(source): expected a JSON object")
        }
        return object
    }
}
