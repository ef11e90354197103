// swift-tools-version:6.0
import PackageDescription

/// swredis: Redis's high-availability stack in Swift. One module per layer; see ARCHITECTURE.md.
let package = Package(
    name: "swredis",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "swredisd", targets: ["swredisd"]),
        .executable(name: "swredis-fuzz", targets: ["swredis-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "CMallocInfo"),
        .target(name: "CSpawn"),
        // Lua 5.1, lua-cjson and lua-bitop from Debian's -dev packages, linked statically.
        .target(
            name: "CLua",
            linkerSettings: [
                .linkedLibrary(":liblua5.1-cjson.a"), .linkedLibrary(":liblua5.1-bitop.a"),
                .linkedLibrary(":liblua5.1.a"), .linkedLibrary("m"), .linkedLibrary("dl"),
            ]),
        .target(name: "SwredisBytes"),
        .target(
            name: "SwredisProtocol", dependencies: ["SwredisBytes", .product(name: "NIOCore", package: "swift-nio")]),
        .target(
            name: "SwredisKeyspace",
            dependencies: ["SwredisBytes", .product(name: "DequeModule", package: "swift-collections")]),
        .target(name: "SwredisConfig", dependencies: ["SwredisBytes"]),
        .target(
            name: "SwredisStorage",
            dependencies: [
                "CMallocInfo", "SwredisBytes", "SwredisConfig", "SwredisKeyspace", "SwredisProtocol",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(name: "SwredisLog"),
        .target(name: "SwredisSystemd", dependencies: ["CSystemd"]),
        .target(
            name: "SwredisEngine",
            dependencies: [
                "CMallocInfo", "SwredisBytes", "SwredisProtocol", "SwredisKeyspace", "SwredisConfig", "SwredisLog",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisPersistence",
            dependencies: [
                "SwredisEngine", "CMallocInfo", "SwredisBytes", "SwredisProtocol", "SwredisKeyspace", "SwredisConfig",
                "SwredisLog", "SwredisStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisScripting",
            dependencies: [
                "CLua", "SwredisEngine", "SwredisBytes", "SwredisProtocol", "SwredisKeyspace", "SwredisConfig",
                "SwredisClient", "SwredisLog",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisCluster",
            dependencies: [
                "SwredisBytes", "SwredisConfig", "SwredisEngine", "SwredisKeyspace", "SwredisLog", "SwredisStorage",
            ]),
        .target(
            name: "SwredisCommands",
            dependencies: [
                "SwredisEngine", "SwredisPersistence", "SwredisReplication", "SwredisScripting", "SwredisCluster",
                "SwredisClient", "CMallocInfo",
                "SwredisBytes",
                "SwredisProtocol", "SwredisKeyspace", "SwredisConfig", "SwredisLog", "SwredisStorage",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisClient",
            dependencies: [
                "SwredisBytes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisReplication",
            dependencies: [
                "SwredisClient", "SwredisEngine", "SwredisPersistence", "SwredisBytes", "SwredisConfig",
                "SwredisKeyspace", "SwredisProtocol", "SwredisLog", "SwredisStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisServer",
            dependencies: [
                "SwredisClient", "SwredisCluster",
                "SwredisCommands", "SwredisEngine", "SwredisPersistence", "SwredisReplication", "SwredisBytes",
                "SwredisProtocol",
                "SwredisKeyspace",
                "SwredisConfig", "SwredisLog",
                "SwredisSystemd", "SwredisStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisSentinel",
            dependencies: [
                "SwredisLog", "SwredisConfig", "SwredisBytes", "SwredisKeyspace", "SwredisEngine", "SwredisCommands",
                "SwredisClient", "SwredisServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .target(
            name: "SwredisSupervisor",
            dependencies: ["SwredisConfig", "SwredisSentinel", "SwredisLog", "SwredisSystemd", "CSystemd", "CSpawn"]),
        .executableTarget(
            name: "swredisd",
            dependencies: [
                "SwredisServer", "SwredisSentinel", "SwredisSupervisor", "SwredisConfig", "SwredisLog",
                "SwredisStorage",
            ]),
        // libFuzzer harnesses (`make fuzz`); built normally it only replays inputs. See Sources/swredis-fuzz/main.swift.
        .systemLibrary(name: "CFuzzerDriver"),
        .executableTarget(
            name: "swredis-fuzz",
            dependencies: [
                "SwredisClient", "SwredisReplication", "SwredisCluster",
                "CFuzzerDriver", "SwredisBytes", "SwredisProtocol", "SwredisKeyspace", "SwredisConfig",
                "SwredisStorage",
                "SwredisCommands", "SwredisEngine", "SwredisPersistence",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "SwredisBytesTests", dependencies: ["SwredisBytes"]),
        .testTarget(
            name: "SwredisProtocolTests",
            dependencies: ["SwredisProtocol", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "SwredisKeyspaceTests", dependencies: ["SwredisKeyspace", "SwredisBytes"]),
        .testTarget(
            name: "SwredisStorageTests",
            dependencies: [
                "SwredisStorage", "SwredisKeyspace", "SwredisBytes",
                .product(name: "DequeModule", package: "swift-collections"),
            ]),
        .testTarget(name: "SwredisSupervisorTests", dependencies: ["SwredisSupervisor"]),
        .testTarget(name: "SwredisSentinelTests", dependencies: ["SwredisSentinel"]),
        .testTarget(name: "SwredisClusterTests", dependencies: ["SwredisCluster", "SwredisBytes", "SwredisConfig"]),
        .testTarget(name: "SwredisEngineTests", dependencies: ["SwredisEngine", "SwredisConfig"]),
        .testTarget(name: "SwredisConfigTests", dependencies: ["SwredisConfig", "SwredisBytes"]),
        .testTarget(
            name: "SwredisCommandsTests",
            dependencies: [
                "SwredisCommands", "SwredisEngine", "SwredisPersistence", "SwredisBytes", "SwredisProtocol",
                "SwredisKeyspace",
                "SwredisConfig",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(
            name: "SwredisClientTests",
            dependencies: [
                "SwredisClient", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "SwredisPersistenceTests",
            dependencies: ["SwredisPersistence", "SwredisCommands", "SwredisEngine", "SwredisConfig", "SwredisBytes"]),
        .testTarget(
            name: "SwredisServerTests",
            dependencies: [
                "SwredisServer", "SwredisCommands", "SwredisEngine", "SwredisConfig",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "SwredisReplicationTests",
            dependencies: ["SwredisReplication", "SwredisClient", .product(name: "NIOCore", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v5]
)
