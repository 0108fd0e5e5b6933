/// Shamir's secret sharing over GF(256), byte by byte, in Vault's share format: each share is the
/// polynomial values followed by one byte holding its (non-zero, unique) x coordinate.
public enum Shamir {
    /// Why a split or combine was refused.
    public enum Failure: Error, Equatable, Sendable {
        case invalidParameters(String)
        case invalidShares(String)
    }

    /// Splits `secret` into `parts` shares of which any `threshold` reconstruct it.
    public static func split(_ secret: SecureBytes, parts: Int, threshold: Int) throws(Failure) -> [[UInt8]] {
        guard parts >= 1, parts <= 255 else { throw .invalidParameters("the number of shares must be between 1 and 255") }
        guard threshold >= 1, threshold <= parts else {
            throw .invalidParameters("the threshold must be between 1 and the number of shares")
        }
        guard threshold > 1 || parts == 1 else {
            throw .invalidParameters("a threshold of 1 needs exactly one share")
        }
        if parts == 1 {
            // A single share is the secret itself, as Vault does for one key share.
            return [secret.exportBytes()]
        }
        let xs = distinctNonZeroCoordinates(parts)
        var shares = xs.map { _ in [UInt8](repeating: 0, count: secret.count + 1) }
        for (index, x) in xs.enumerated() { shares[index][secret.count] = x }
        secret.withUnsafeBytes { bytes in
            var coefficients = [UInt8](repeating: 0, count: threshold)
            for position in 0..<bytes.count {
                coefficients[0] = bytes[position]
                let random = SecureRandom.bytes(threshold - 1)
                for k in 1..<threshold { coefficients[k] = random[k - 1] }
                for (index, x) in xs.enumerated() {
                    shares[index][position] = evaluate(coefficients, at: x)
                }
            }
            for k in coefficients.indices { coefficients[k] = 0 }
        }
        return shares
    }

    /// Reconstructs the secret from shares; with fewer than the threshold the result is garbage,
    /// which the caller detects by failing to open the keyring with it.
    public static func combine(_ shares: [[UInt8]]) throws(Failure) -> SecureBytes {
        guard let first = shares.first else { throw .invalidShares("no shares given") }
        if shares.count == 1 { return SecureBytes(copying: first) }
        let length = first.count
        guard length >= 2 else { throw .invalidShares("shares must be at least two bytes") }
        guard shares.allSatisfy({ $0.count == length }) else { throw .invalidShares("shares differ in length") }
        let xs = shares.map { $0[length - 1] }
        guard !xs.contains(0) else { throw .invalidShares("share has an invalid x coordinate") }
        guard Set(xs).count == xs.count else { throw .invalidShares("duplicate share") }
        let secretLength = length - 1
        return SecureBytes(count: secretLength) { out in
            for position in 0..<secretLength {
                var value: UInt8 = 0
                for i in 0..<shares.count {
                    // Lagrange basis polynomial for share i, evaluated at x = 0.
                    var basis: UInt8 = 1
                    for j in 0..<shares.count where j != i {
                        basis = GF256.mul(basis, GF256.div(xs[j], GF256.add(xs[i], xs[j])))
                    }
                    value ^= GF256.mul(shares[i][position], basis)
                }
                out[position] = value
            }
        }
    }

    static func evaluate(_ coefficients: [UInt8], at x: UInt8) -> UInt8 {
        var result: UInt8 = 0
        for coefficient in coefficients.reversed() {
            result = GF256.add(GF256.mul(result, x), coefficient)
        }
        return result
    }

    private static func distinctNonZeroCoordinates(_ count: Int) -> [UInt8] {
        var pool = (1...255).map { UInt8($0) }
        for i in stride(from: pool.count - 1, to: 0, by: -1) {
            let j = Int(SecureRandom.uniform(UInt32(i + 1)))
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(count))
    }
}
