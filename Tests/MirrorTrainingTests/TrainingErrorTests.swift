import MirrorTraining
import XCTest

final class TrainingErrorTests: XCTestCase {
    func testMessagesNameTheFileAndTheLocation() {
        XCTAssertEqual(TrainingError.malformed(path: "a.bin", offset: 12, reason: "truncated").description,
                       "a.bin: at byte 12: truncated")
        XCTAssertEqual(TrainingError.invalidLine(path: "p.tsv", line: 3, reason: "index 9 out of range").description,
                       "p.tsv:3: index 9 out of range")
    }
}
