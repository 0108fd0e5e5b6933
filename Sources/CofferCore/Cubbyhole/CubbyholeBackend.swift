import CofferSDK

/// Per-token private storage: each token sees only its own cubbyhole, keyed by a non-secret id
/// the token store assigns, so even root cannot read another token's cubbyhole.
struct CubbyholeBackend: Backend {
    let paths: [PathSpec] = FlatStore.paths(help: "Private secret storage for the calling token") { ctx in
        guard let id = ctx.request.token?.cubbyholeID else {
            throw CofferError.badRequest("cubbyhole is not available to this token")
        }
        return ctx.storage.subView(id + "/")
    }
}
