import Foundation
import XCTest

/// Locations every test suite needs: the repository's `Fixtures/` (benchmark lists included), the
/// built `mirror` binary, and fresh temporary folders. Tests read nothing outside the repository.
public enum TestPaths {
    /// Repository root, derived from this file's location (Tests/TestSupport/TestPaths.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let fixtures = repositoryRoot.appendingPathComponent("Fixtures")

    /// The seed's benchmark lists and ground truth, copied into `Fixtures/reference-data`
    /// (its README says from where), so a clone without `../shared` tests the same.
    public static let referenceData = fixtures.appendingPathComponent("reference-data")

    /// The `mirror` executable built alongside the tests (override with `MIRROR_BINARY`).
    public static var mirrorBinary: URL {
        if let override = ProcessInfo.processInfo.environment["MIRROR_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = [Bundle.main.bundleURL]
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for directory in candidates {
            let binary = directory.appendingPathComponent("mirror")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        return Bundle.main.bundleURL.appendingPathComponent("mirror")
    }

    /// A new empty directory under the system temp folder, removed by the caller (or the OS).
    public static func makeTemporaryDirectory(_ label: String = "mirror-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A copy of the bundled demo (`Fixtures/demo`) as `folder/demo`, for tests that run `mirror
    /// pairs` on it; throws `XCTSkip` when the default model is not installed.
    public static func copyDemo(into folder: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("Models/efficientnet-lite0.h5").path) else {
            throw XCTSkip("the default model is installed by 'make setup' (Models/efficientnet-lite0.h5)")
        }
        // The committed files only: a user who ran the README's quick start has features and a
        // pairs state in Fixtures/demo/.mirror-features, which must not leak into a test's copy.
        let demo = folder.appendingPathComponent("demo")
        let source = fixtures.appendingPathComponent("demo")
        try FileManager.default.createDirectory(at: demo, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where !name.hasPrefix(".") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: demo.appendingPathComponent(name))
        }
        return demo
    }
}
