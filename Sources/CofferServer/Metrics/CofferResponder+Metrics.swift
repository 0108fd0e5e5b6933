import CofferCore
import CofferCrypto
import CofferSDK
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET sys/metrics`: Vault's JSON summary, or Prometheus text with `?format=prometheus`.
extension CofferResponder {
    func metricsEndpoint(_ request: Request, query: [String: String]) async throws -> Response {
        guard request.method == .get else { throw CofferError.unsupportedOperation }
        let format = query["format"] ?? ""
        guard format.isEmpty || format == "prometheus" else { throw CofferError.badRequest("metric response format \"\(format)\" unknown") }
        if !unauthenticatedMetrics {
            // A standby has no token store to check the caller against: the active node answers.
            if let forwarded = try await forwardIfStandby(request, path: "sys/metrics") { return forwarded }
            // The core decides: the caller needs `read` on sys/metrics, and the read is audited.
            var check = LogicalRequest(id: SecureRandom.identifier(), operation: .read, path: "sys/metrics", data: format.isEmpty ? [:] : ["format": .string(format)])
            check.clientToken = Self.token(from: request.headers)
            _ = try await core.handle(check)
        }
        let ha = core.haStatus
        metrics.refresh(sealed: try await core.sealStatus().sealed, active: !ha.enabled || ha.isSelf)
        if format == "prometheus" {
            guard metrics.prometheusEnabled else { throw CofferError.badRequest("prometheus is not enabled") }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.prometheusText())))
        }
        return ResponseRenderer.json(metrics.summaries.snapshot())
    }
}
