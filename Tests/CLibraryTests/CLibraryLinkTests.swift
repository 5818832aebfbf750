import CBLAS
import CHDF5
import CPNG
import CTurboJPEG
import XCTest

/// Link-and-call checks: each system-library shim resolves its header, links, and answers a
/// trivial call with the expected result.
final class CLibraryLinkTests: XCTestCase {
    func testOpenBLASMultipliesTwoByTwo() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
        XCTAssertGreaterThan(openblas_get_num_threads(), 0)
    }

    func testTurboJPEGCreatesDecompressorAndRejectsGarbage() throws {
        let handle = try XCTUnwrap(tjInitDecompress())
        defer { tjDestroy(handle) }
        var bytes: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7]
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(handle, &bytes, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        XCTAssertEqual(status, -1)
        XCTAssertNotNil(tjGetErrorStr2(handle))
    }

    func testLibPNGReportsVersionAndRejectsGarbage() {
        XCTAssertEqual(png_access_version_number() / 10000, 1)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let bytes: [UInt8] = [1, 2, 3, 4]
        XCTAssertEqual(png_image_begin_read_from_memory(&image, bytes, bytes.count), 0)
        XCTAssertEqual(mirror_png_image_failed(&image), 1)
        png_image_free(&image)
    }

    func testHDF5OpensLibraryAndReportsVersion() {
        XCTAssertGreaterThanOrEqual(H5open(), 0)
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        XCTAssertGreaterThanOrEqual(H5get_libversion(&major, &minor, &release), 0)
        XCTAssertEqual(major, 1)
        XCTAssertGreaterThanOrEqual(minor, 10)
        XCTAssertGreaterThan(mirror_h5t_native_float(), 0)
    }
}
