import CofferCrypto

/// Vault's default password policy: 20 characters over lower and upper case letters, digits and
/// `-`, with at least one of each class. Candidates that miss a class are drawn again, as
/// Vault's generator does, so every character stays uniformly random.
public enum PasswordGenerator {
    /// The default length.
    public static let length = 20
    /// The classes, each of which must appear at least once.
    public static let classes: [[UInt8]] = [
        Array("abcdefghijklmnopqrstuvwxyz".utf8), Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8), Array("0123456789".utf8), Array("-".utf8),
    ]
    private static let alphabet = classes.flatMap { $0 }

    /// A fresh password under the default policy.
    public static func generate() -> String {
        while true {
            var out = [UInt8]()
            out.reserveCapacity(length)
            for _ in 0..<length { out.append(alphabet[Int(SecureRandom.uniform(UInt32(alphabet.count)))]) }
            if satisfiesDefaultPolicy(out) { return String(decoding: out, as: UTF8.self) }
        }
    }

    /// True when `password` has the default length, only allowed characters, and every class.
    public static func satisfiesDefaultPolicy(_ password: some Collection<UInt8>) -> Bool {
        guard password.count == length, password.allSatisfy(alphabet.contains) else { return false }
        return classes.allSatisfy { set in password.contains(where: set.contains) }
    }
}
