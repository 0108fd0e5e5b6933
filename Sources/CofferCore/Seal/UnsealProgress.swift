/// The unseal state machine, kept free of I/O so it can be tested on its own: it collects
/// distinct shares until the threshold is reached and then says to combine them.
struct UnsealProgress: Sendable {
    /// What the caller should do after a share was offered.
    enum Action: Equatable {
        /// Keep waiting; `progress` shares so far.
        case wait(progress: Int)
        /// The threshold is reached: combine these shares and try them.
        case combine([[UInt8]])
    }

    /// Why a share was refused; progress is kept.
    enum Refusal: Error, Equatable {
        case wrongLength
        case duplicate
    }

    private(set) var shares: [[UInt8]] = []
    /// A fresh id per unseal attempt, reported as `nonce` in seal status.
    private(set) var nonce: String = ""

    var count: Int { shares.count }

    mutating func offer(_ share: [UInt8], threshold: Int, newNonce: () -> String) throws(Refusal) -> Action {
        if let first = shares.first, first.count != share.count { throw .wrongLength }
        if shares.contains(share) { throw .duplicate }
        if shares.isEmpty { nonce = newNonce() }
        shares.append(share)
        if shares.count >= threshold {
            let ready = shares
            reset()
            return .combine(ready)
        }
        return .wait(progress: shares.count)
    }

    mutating func reset() {
        for index in shares.indices {
            for byte in shares[index].indices { shares[index][byte] = 0 }
        }
        shares = []
        nonce = ""
    }
}
