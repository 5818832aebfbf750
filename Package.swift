// swift-tools-version:6.0
// mirror — matchable image retrieval (a Swift reimplementation of the ACCV 2018 "Mirror" method).
//
// Module graph (only the module that needs a C library imports it):
//   mirror (executable) → MirrorCLI → MirrorTraining, MirrorSynth, MirrorRetrieval, MirrorModels, MirrorImageIO, Engines → engines → MirrorCore
//   MirrorImageIO → CTurboJPEG, CPNG;  BLASBackend, MirrorRetrieval → CBLAS;  MirrorModels → CHDF5
import PackageDescription

let package = Package(
    name: "mirror",
    products: [
        .executable(name: "mirror", targets: ["mirror"]),
    ],
    targets: [
        // Thin system-library shims over Debian's -dev packages.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),

        .target(name: "MirrorCore"),
        .target(name: "MirrorImageIO", dependencies: ["MirrorCore", "CTurboJPEG", "CPNG"]),
        .target(name: "NaiveBackend", dependencies: ["MirrorCore"]),
        .target(name: "SIMDBackend", dependencies: ["MirrorCore", "NaiveBackend"]),
        .target(name: "BLASBackend", dependencies: ["MirrorCore", "NaiveBackend", "SIMDBackend", "CBLAS"]),
        // The engine factory (`makeBackend(kind:threads:)`): the only module that sees all three.
        .target(name: "Engines", dependencies: ["MirrorCore", "NaiveBackend", "SIMDBackend", "BLASBackend"]),
        .target(name: "MirrorModels", dependencies: ["MirrorCore", "CHDF5"]),
        .target(name: "MirrorRetrieval", dependencies: ["MirrorCore", "CBLAS"]),
        // Triplet training (`mirror train`): data, sampler, augmentation, loss, solver, snapshots.
        .target(name: "MirrorTraining", dependencies: ["MirrorCore", "MirrorModels", "MirrorImageIO"]),
        // COLMAP sparse models (binary and text) and the co-visibility overlaps of `mirror overlaps`.
        .target(name: "MirrorCOLMAP", dependencies: ["MirrorCore"]),
        // Synthetic training data from photos (`mirror synth`): homography views, rendering, overlaps.
        .target(name: "MirrorSynth", dependencies: ["MirrorCore", "MirrorImageIO"]),
        .target(name: "MirrorCLI", dependencies: [
            "MirrorCore", "MirrorImageIO", "NaiveBackend", "SIMDBackend", "BLASBackend", "Engines",
            "MirrorModels", "MirrorRetrieval", "MirrorTraining", "MirrorCOLMAP", "MirrorSynth",
        ]),
        .executableTarget(name: "mirror", dependencies: ["MirrorCLI"]),

        .target(name: "TestSupport", dependencies: ["MirrorCore", "MirrorModels"], path: "Tests/TestSupport"),
        .testTarget(name: "CLibraryTests", dependencies: ["CBLAS", "CTurboJPEG", "CPNG", "CHDF5"]),
        .testTarget(name: "MirrorCoreTests", dependencies: ["MirrorCore", "TestSupport"]),
        .testTarget(name: "MirrorModelsTests", dependencies: ["MirrorModels", "MirrorCore", "TestSupport"]),
        .testTarget(name: "MirrorModelsNetworkTests", dependencies: [
            "MirrorModels", "MirrorCore", "Engines", "MirrorImageIO", "TestSupport",
        ]),
        .testTarget(name: "EngineTests", dependencies: [
            "Engines", "MirrorCore", "NaiveBackend", "SIMDBackend", "BLASBackend", "TestSupport",
        ]),
        .testTarget(name: "MirrorImageIOTests", dependencies: ["MirrorImageIO", "MirrorCore", "TestSupport"]),
        .testTarget(name: "MirrorRetrievalTests", dependencies: ["MirrorRetrieval", "MirrorCore", "TestSupport"]),
        .testTarget(name: "MirrorTrainingTests", dependencies: [
            "MirrorTraining", "MirrorModels", "MirrorCore", "MirrorImageIO", "Engines", "TestSupport",
        ]),
        .testTarget(name: "MirrorCOLMAPTests", dependencies: ["MirrorCOLMAP", "MirrorCore", "TestSupport"]),
        .testTarget(name: "MirrorSynthTests", dependencies: [
            "MirrorSynth", "MirrorCore", "MirrorImageIO", "MirrorTraining", "TestSupport",
        ]),
        .testTarget(name: "MirrorCLITests", dependencies: [
            "TestSupport", "mirror", "MirrorCLI", "MirrorCore", "MirrorImageIO", "MirrorModels", "MirrorRetrieval", "Engines",
        ]),
    ],
    swiftLanguageModes: [.v5]
)
