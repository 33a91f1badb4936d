// swift-tools-version: 6.0
// dcl — a model-definition language and interpreter for device-cloud collaborative learning.
//
// Build flags, deliberately:
// * Numeric targets are compiled with `-target-cpu $DCL_TARGET_CPU` (default `native`). Without
//   it, `SIMD.addingProduct` lowers to one scalar `fmaf` call per lane (a 60-100x slowdown);
//   with it the GEMM micro-kernel uses AVX-512/AVX2 FMA. Set `DCL_TARGET_CPU=x86-64-v3` (or any
//   LLVM CPU name) to build a binary for other machines.
// * Every target uses the Swift 5 language mode: the kernels share raw pointers across the
//   thread pool by design, which Swift 6's strict checking would force through unchecked wrappers.
import PackageDescription

let targetCPU = Context.environment["DCL_TARGET_CPU"] ?? "native"
let numericFlags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", targetCPU, "-enforce-exclusivity=unchecked"]),
]
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "dcl",
    // macOS 15: gRPC Swift 2 marks its API available from macOS 15 (Linux has no such floor).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dcl", targets: ["dcl"]),
        .library(name: "DCL", targets: ["DCLDriver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // The fleet transport (DCLFleet): gRPC over HTTP/2, protobuf messages, a SQLite store.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Already in the graph through grpc-swift-nio-transport's TLS stack; named for SHA-256.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // Already in the graph through grpc-swift-nio-transport: TLS (NIOSSL), the /metrics
        // responder (NIOHTTP1), and certificates made in tests (X509).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // `dcl serve --metrics-listen`: counters and histograms, exported in Prometheus' text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Structured logs of `dcl serve` and `dcl device` (already resolved: gRPC's transport brings it through swift-nio-extras).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The shared store of several cloud replicas (DCLFleetPostgres): PostgreSQL's wire protocol.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System libraries (Debian: libreadline-dev, zlib1g-dev).
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .systemLibrary(name: "SystemZlib", path: "Sources/SystemZlib"),
        // The REPL's SIGINT handler and its one counter (C: a signal handler must be).
        .target(name: "CInterrupt"),
        // The CPU's spin-wait hint (`pause`) for the thread pool's bounded polling.
        .target(name: "CSpin"),
        // The executable's allocator settings (glibc's `mallopt`, which Swift's Glibc module lacks).
        .target(name: "CAllocator"),

        // The one string quoter (JSON, dcl source, graph text, messages), shared by the front
        // end and the engine, which do not import each other.
        .target(name: "DCLText", swiftSettings: v5),

        // Front end.
        .target(name: "DCLDiagnostics", dependencies: ["DCLText"], swiftSettings: v5),
        .target(name: "DCLSyntax", dependencies: ["DCLDiagnostics", "DCLText"], swiftSettings: v5),
        .target(name: "DCLStdLib", swiftSettings: v5),
        .target(name: "DCLSema", dependencies: ["DCLSyntax", "DCLDiagnostics", "DCLStdLib"], swiftSettings: v5),

        // Engine.
        .target(name: "DCLTensor", dependencies: ["DCLText", "CSpin"], swiftSettings: v5 + numericFlags),
        .target(name: "DCLGraph", dependencies: ["DCLTensor", "DCLText"], swiftSettings: v5 + numericFlags),

        // Middle and back end.
        .target(name: "DCLData", dependencies: ["DCLTensor", "DCLText", "SystemZlib"], swiftSettings: v5 + numericFlags),
        .target(name: "DCLCompiler", dependencies: ["DCLSema", "DCLSyntax", "DCLGraph", "DCLTensor", "DCLData"], swiftSettings: v5 + numericFlags),
        // Figures (SVG and PNG) drawn from plain numbers: knows nothing of the language.
        .target(name: "DCLPlot", dependencies: ["DCLText", "SystemZlib"], swiftSettings: v5),
        .target(name: "DCLRuntime", dependencies: ["DCLCompiler", "DCLGraph", "DCLTensor", "DCLData", "DCLPlot", "DCLText", "DCLExport",
                                                 "DCLFleet", "DCLFleetPostgres"], swiftSettings: v5 + numericFlags),
        .target(name: "DCLExport", dependencies: ["DCLGraph", "DCLTensor", "DCLText", "DCLONNXProto",
                                                 .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                                                 .product(name: "Crypto", package: "swift-crypto"),
                                                 .product(name: "ZIPFoundation", package: "ZIPFoundation")], swiftSettings: v5 + numericFlags),
        // The ONNX messages DCLExport writes and reads, generated by Scripts/generate-proto.sh from
        // Proto/onnx/dcl_onnx.proto (committed, never generated in a build). Only DCLExport uses
        // them (an `internal import`: they are not part of its API).
        .target(name: "DCLONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["PROTO_SHA256"]),
        // `dcl bench`'s workloads (generated parse program, reference networks, the training
        // benchmark), kept out of the library targets; numeric flags because it runs the engine.
        .target(name: "DCLBench", dependencies: ["DCLRuntime", "DCLCompiler", "DCLData", "DCLDiagnostics", "DCLGraph", "DCLTensor"],
                swiftSettings: v5 + numericFlags),
        .target(name: "DCLRepl", dependencies: ["DCLRuntime", "DCLCompiler", "DCLSema", "DCLSyntax", "DCLDiagnostics", "DCLGraph",
                                                "DCLStdLib", "DCLTensor", "CReadline", "CInterrupt"], swiftSettings: v5),
        // `dcl lsp`: the language server (its checking is injected by the driver).
        .target(name: "DCLLanguageServer", dependencies: ["DCLDiagnostics", "DCLSyntax", "DCLSema", "DCLStdLib", "DCLCompiler", "DCLGraph",
                                                         "DCLTensor"], swiftSettings: v5),
        // The device-cloud transport and store (docs/deploy.md): a gRPC service, device hosts and
        // a SQLite store exchanging opaque work items. Generated protobuf/gRPC code is its own
        // target (Scripts/generate-proto.sh writes it; it is committed, never generated in a build).
        // Swift 6 mode: service code shared across tasks is checked for data races.
        .target(name: "DCLFleetProto", dependencies: [
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["PROTO_SHA256"]),
        .target(name: "DCLFleet", dependencies: [
            "DCLFleetProto",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // The fleet store on PostgreSQL (`--store postgres://…`): several `dcl serve` replicas
        // share it. Its own target so the SQLite-only parts do not build the Postgres client.
        .target(name: "DCLFleetPostgres", dependencies: [
            "DCLFleet",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "DCLDriver", dependencies: [
            "DCLLanguageServer", "DCLDiagnostics", "DCLSyntax", "DCLSema", "DCLCompiler", "DCLRuntime", "DCLExport", "DCLRepl", "DCLData", "DCLBench", "DCLText", "DCLFleet", "DCLFleetPostgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: v5 + numericFlags),
        // `dcl serve`, `dcl device`, `dcl status`: the deployed run over the fleet transport. Apart
        // from DCLDriver so that what depends on the driver alone (the fuzzers) does not build gRPC.
        .target(name: "DCLDeploy", dependencies: ["DCLDriver", "DCLFleet", "DCLFleetPostgres", "DCLRuntime", "DCLCompiler", "DCLDiagnostics", "DCLData", "DCLText",
                                                 .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                                 .product(name: "Logging", package: "swift-log")],
                swiftSettings: v5),
        // The `dcl` command line: every subcommand, from the driver and the deployment.
        .target(name: "DCLCommandLine", dependencies: ["DCLDriver", "DCLDeploy", "DCLTensor",
                                                      .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: v5),
        .executableTarget(name: "dcl", dependencies: ["DCLCommandLine", "CAllocator"], swiftSettings: v5),

        // Tests.
        .testTarget(name: "DCLTensorTests", dependencies: ["DCLTensor", "DCLTestScratch"], swiftSettings: v5 + numericFlags),
        .testTarget(name: "DCLGraphTests", dependencies: ["DCLGraph", "DCLTensor", "DCLBench"], swiftSettings: v5 + numericFlags),
        .testTarget(name: "DCLSyntaxTests", dependencies: ["DCLSyntax", "DCLDiagnostics", "DCLBench", "DCLText"],
                    exclude: ["Golden", "Samples", "Snapshots"], swiftSettings: v5),
        .testTarget(name: "DCLSemaTests", dependencies: ["DCLSema", "DCLSyntax", "DCLDiagnostics", "DCLStdLib"],
                    exclude: ["Golden"], swiftSettings: v5),
        .testTarget(name: "DCLDataTests", dependencies: ["DCLData", "DCLTensor", "DCLPlot", "DCLPythonChecks", "DCLTestScratch"], swiftSettings: v5),
        .testTarget(name: "DCLPlotTests", dependencies: ["DCLPlot", "DCLText", "SystemZlib"], swiftSettings: v5),
        // One folder per test process for the tests' temporary files, removed at exit.
        .target(name: "DCLTestScratch", path: "Tests/DCLTestScratch", swiftSettings: v5),
        .target(name: "DCLScriptTestSupport", dependencies: ["DCLCompiler", "DCLRuntime", "DCLSema", "DCLSyntax", "DCLDiagnostics", "DCLTestScratch"],
                path: "Tests/DCLScriptTestSupport", swiftSettings: v5),
        .testTarget(name: "DCLCompilerTests", dependencies: ["DCLScriptTestSupport", "DCLCompiler", "DCLRuntime", "DCLSema", "DCLSyntax", "DCLGraph", "DCLTensor", "DCLData"],
                    exclude: ["Snapshots"], swiftSettings: v5),
        .testTarget(name: "DCLRuntimeTests", dependencies: ["DCLScriptTestSupport", "DCLPythonChecks", "DCLTestScratch", "DCLPlot", "DCLRuntime", "DCLCompiler", "DCLSema", "DCLSyntax", "DCLGraph", "DCLTensor", "DCLData"],
                    exclude: ["Golden"], swiftSettings: v5),
        .target(name: "DCLPythonChecks", path: "Tests/DCLPythonChecks", swiftSettings: v5),
        .testTarget(name: "DCLExportTests", dependencies: ["DCLPythonChecks", "DCLTestScratch", "DCLExport", "DCLONNXProto", "DCLGraph", "DCLTensor", "DCLData",
                                                       .product(name: "SwiftProtobuf", package: "swift-protobuf")], swiftSettings: v5),
        .testTarget(name: "DCLLanguageServerTests", dependencies: ["DCLLanguageServer", "DCLDriver", "DCLDiagnostics", "DCLSyntax", "DCLTestScratch"],
                    swiftSettings: v5),
        .testTarget(name: "DCLReplTests", dependencies: ["DCLRepl", "DCLTestScratch"], swiftSettings: v5),
        .testTarget(name: "DCLFleetTests", dependencies: [
            "DCLFleet", "DCLFleetProto", "DCLFleetPostgres", "DCLDriver",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            "DCLTestPKI", "DCLTestScratch",
        ], swiftSettings: v5),
        // The fuzz harnesses (Fuzz/Harness): one function per fuzz target, shared by the libFuzzer
        // executables below and by the replay test, which runs every kept finding and committed
        // seed through them on each `swift test`.
        .target(name: "DCLFuzzHarness", dependencies: ["DCLExport", "DCLGraph", "DCLTensor", "DCLDriver", "DCLData", "DCLDiagnostics"],
                path: "Fuzz/Harness", swiftSettings: v5),
        .testTarget(name: "DCLFuzzReplayTests", dependencies: ["DCLFuzzHarness", "DCLTestScratch"], swiftSettings: v5),
        // Throwaway certificate authorities and server certificates for the TLS tests.
        .target(name: "DCLTestPKI", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
            "DCLTestScratch",
        ], path: "Tests/DCLTestPKI", swiftSettings: v5),
        .testTarget(name: "DCLDriverTests", dependencies: [
            "DCLPythonChecks", "DCLDriver", "DCLCommandLine", "DCLDeploy", "DCLFleet", "DCLRuntime", "DCLCompiler", "DCLExport", "DCLGraph", "DCLTensor", "DCLData", "DCLDiagnostics",
            "DCLTestPKI", "DCLTestScratch",
        ], swiftSettings: v5),
    ]
)

// Coverage-guided fuzzers (Fuzz/, docs/fuzzing.md), declared only when DCL_FUZZ=1 so that the
// ordinary `swift build` and `swift test` never see them. `Scripts/fuzz.sh` builds them in their
// own scratch path (.build-fuzz) with libFuzzer and AddressSanitizer instrumentation on every
// module (the instrumentation of the library code is what guides the fuzzer). They are targets of
// this package rather than a separate package because SwiftPM refuses the numeric targets'
// unsafe flags in a package used as a dependency.
if Context.environment["DCL_FUZZ"] == "1" {
    for name in ["fuzz-bundle", "fuzz-script", "fuzz-data", "fuzz-predict-input"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["DCLFuzzHarness"],
                                                 path: "Fuzz/Targets/\(name)", swiftSettings: v5))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
