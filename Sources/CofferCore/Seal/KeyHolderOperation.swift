/// An operation the unseal key holders authorise together while the server is unsealed (a
/// rekey, a root token generation): its nonce, and the shares collected toward the threshold.
/// A pure value: the seal manager keeps it, the tests drive it without I/O.
struct KeyHolderOperation: Sendable {
    /// Identifies this attempt; every share must name it, so a stale client cannot add to a new one.
    let nonce: String
    private(set) var progress = UnsealProgress()

    init(nonce: String) { self.nonce = nonce }

    /// Why a share was not taken.
    enum Refusal: Error, Equatable {
        case wrongNonce
        case wrongLength
        case duplicate
    }

    /// Takes one share for `nonce`; the shares to combine once `threshold` distinct ones are in.
    mutating func offer(_ share: [UInt8], nonce given: String, threshold: Int) throws(Refusal) -> [[UInt8]]? {
        guard given == nonce else { throw .wrongNonce }
        do {
            switch try progress.offer(share, threshold: threshold, newNonce: { nonce }) {
            case .wait: return nil
            case .combine(let shares): return shares
            }
        } catch {
            switch error {
            case .wrongLength: throw .wrongLength
            case .duplicate: throw .duplicate
            }
        }
    }

    /// Shares taken so far.
    var count: Int { progress.count }
}
