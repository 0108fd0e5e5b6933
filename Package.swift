// swift-tools-version: 6.1
import PackageDescription

// Package-wide settings: Swift 6 mode everywhere, and the two upcoming features that keep
// existentials and imports honest (as Hummingbird's own Package.swift does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "coffer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "coffer", targets: ["coffer"]),
        .executable(name: "coffer-bench-seed", targets: ["coffer-bench-seed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CofferCrypto", dependencies: ["CSodium", "COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "CofferSDK", swiftSettings: swiftSettings),
        .target(
            name: "CofferStorage",
            dependencies: [
                "CofferSDK", "CofferCrypto", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CofferHCL", dependencies: ["CofferSDK"], swiftSettings: swiftSettings),
        .target(
            name: "CofferEngines",
            dependencies: [
                "CofferSDK", "CofferCrypto",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CofferAuth",
            dependencies: [
                "CofferSDK",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CofferCore",
            dependencies: [
                "CofferSDK", "CofferCrypto", "CofferStorage", "CofferEngines", "CofferAuth", "CofferHCL",
                .product(name: "Logging", package: "swift-log"), .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CofferServer",
            dependencies: [
                "CofferCore", "CofferHCL", "CofferSDK", "CofferStorage", "CofferEngines",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "CofferTemplate", dependencies: ["CofferSDK"], swiftSettings: swiftSettings),
        .target(
            name: "CofferAgent",
            dependencies: [
                "CofferTemplate", "CofferHCL", "CofferSDK", "CofferCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CofferCLI",
            dependencies: [
                "CofferServer", "CofferCore", "CofferSDK", "CofferHCL", "CofferAgent", "CofferStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "coffer", dependencies: ["CofferCLI"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "coffer-bench-seed",
            dependencies: ["CofferCore", "CofferServer", "CofferStorage", "CofferSDK", .product(name: "Logging", package: "swift-log"), .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(name: "CofferTesting", dependencies: ["CofferSDK"], swiftSettings: swiftSettings),

        .testTarget(name: "CofferCryptoTests", dependencies: ["CofferCrypto"], swiftSettings: swiftSettings),
        .testTarget(name: "CofferHCLTests", dependencies: ["CofferHCL"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CofferStorageTests",
            dependencies: [
                "CofferStorage", "CofferCrypto", "CofferSDK", "CofferTesting", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CofferCoreTests",
            dependencies: ["CofferCore", "CofferEngines", "CofferSDK", "CofferStorage", "CofferTesting", "CofferCrypto", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CofferServerTests",
            dependencies: [
                "CofferServer", "CofferHCL", "CofferStorage",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CofferEnginesTests", dependencies: ["CofferEngines", "CofferSDK"], swiftSettings: swiftSettings),
        .testTarget(name: "CofferTemplateTests", dependencies: ["CofferTemplate", "CofferSDK"], swiftSettings: swiftSettings),
        .testTarget(name: "CofferAgentTests", dependencies: ["CofferAgent", "CofferSDK", "CofferCrypto"], swiftSettings: swiftSettings),
        .testTarget(name: "CofferCLITests", dependencies: ["CofferCLI"], swiftSettings: swiftSettings),
        .testTarget(name: "IntegrationTests", dependencies: ["CofferTesting", "CofferSDK", "CofferCrypto"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
