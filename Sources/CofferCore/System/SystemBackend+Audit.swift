import CofferSDK

extension SystemBackend {
    var auditPaths: [PathSpec] {
        [
            PathSpec("audit", help: "List audit devices", handlers: [
                .read: { [core] _ in
                    LogicalResponse(data: await (try core.unsealed()).audit.listing(), mergeDataIntoEnvelope: true)
                },
            ]),
            PathSpec("audit/*path", fields: [
                "type": FieldSpec(.string, required: true), "description": FieldSpec(.string, default: ""),
                "options": FieldSpec(.keyValuePairs), "local": FieldSpec(.bool, default: false),
            ], help: "Enable or disable an audit device", handlers: [
                .update: { [core] ctx in
                    let path = SystemBackend.normalise(ctx.fields.string("path") ?? "")
                    let config = try AuditDeviceConfig.parse(
                        path: path, type: ctx.fields.string("type") ?? "", description: ctx.fields.string("description") ?? "",
                        options: (ctx.fields.object("options") ?? [:]).compactMapValues(\.stringValue),
                        protectedDirectories: core.options.protectedDirectories
                    )
                    try await core.unsealed().audit.enable(config)
                    return nil
                },
                .delete: { [core] ctx in
                    try await core.unsealed().audit.disable(SystemBackend.normalise(ctx.fields.string("path") ?? ""))
                    return nil
                },
            ]),
            PathSpec("audit-hash/*path", fields: ["input": FieldSpec(.string, required: true)], help: "Hash a value as an audit device does", handlers: [
                .update: { [core] ctx in
                    let hash = try core.unsealed().audit.hash(path: SystemBackend.normalise(ctx.fields.string("path") ?? ""), input: ctx.fields.string("input") ?? "")
                    return LogicalResponse(data: ["hash": .string(hash)], mergeDataIntoEnvelope: true)
                },
            ]),
            PathSpec(
                "audit-verify/*path",
                fields: [
                    "files": FieldSpec(.commaStringList, description: "The device's file and its rotated copies, oldest first; default the current file"),
                    "start": FieldSpec(.string, description: "SEQ:TAG of the last entry before the first file, when older files are gone"),
                ],
                help: "Verify an audit device's keyed chain against its live head (beyond Vault)",
                handlers: [
                    .update: { [core] ctx in
                        var start = AuditChain.Head.start
                        if let text = ctx.fields.string("start"), !text.isEmpty {
                            guard let parsed = AuditChain.Head(text) else { throw CofferError.badRequest("start must be SEQ:hmac-sha256:HEX") }
                            start = parsed
                        }
                        let outcome = try core.unsealed().audit.verify(
                            path: SystemBackend.normalise(ctx.fields.string("path") ?? ""), files: ctx.fields.strings("files") ?? [], start: start
                        )
                        return LogicalResponse(data: outcome.json())
                    },
                ]
            ),
        ]
    }
}
