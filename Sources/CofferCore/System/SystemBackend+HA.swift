import CofferSDK

/// `sys/step-down`: the active node hands over to a standby (a standby forwards it there).
extension SystemBackend {
    var haPaths: [PathSpec] {
        [
            PathSpec("step-down", help: "Make the active node give up the HA lock", handlers: [
                .update: { [core] _ in
                    try await core.stepDown()
                    return nil
                },
            ])
        ]
    }
}
