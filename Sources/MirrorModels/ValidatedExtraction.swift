import Foundation

/// The extraction settings a model was validated at, recorded in its weight file (the optional
/// `extraction` attribute, a JSON object) so that `mirror extract` and `mirror pairs` use them
/// unless flags say otherwise: the best input size of a model is not necessarily the seed's 896
/// (a model fine-tuned at 224 on 224-pixel views may do best well below it), and the JPEG
/// decoder's inverse DCT is part of the preprocessing a model was trained and measured with.
///
/// JSON: `{"img_size": 448, "rmac_step": [1, 3, 5], "dct": "fast", "note": "…"}`; `note` (free
/// text: on what data, with which result) is optional.
public struct ValidatedExtraction: Equatable, Sendable {
    public var imageSize: Int
    public var rmacSteps: [Int]
    /// "fast" (libjpeg IFAST, TF1's decode_jpeg) or "accurate" (ISLOW).
    public var dct: String
    public var note: String?

    public init(imageSize: Int, rmacSteps: [Int], dct: String, note: String? = nil) {
        self.imageSize = imageSize
        self.rmacSteps = rmacSteps
        self.dct = dct
        self.note = note
    }

    public var json: String {
        var object: [String: Any] = ["img_size": imageSize, "rmac_step": rmacSteps, "dct": dct]
        if let note { object["note"] = note }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses the attribute; nil with a reason when it is not the object above.
    public static func parse(_ text: String) -> Result<ValidatedExtraction, ParseFailure> {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            return .failure(ParseFailure(reason: "not a JSON object"))
        }
        guard let size = object["img_size"] as? Int, (32...8192).contains(size) else {
            return .failure(ParseFailure(reason: "img_size must be an integer in 32…8192"))
        }
        guard let steps = object["rmac_step"] as? [Int], !steps.isEmpty, steps.allSatisfy({ (1...64).contains($0) }) else {
            return .failure(ParseFailure(reason: "rmac_step must be a non-empty list of integers in 1…64"))
        }
        guard let dct = object["dct"] as? String, ["fast", "accurate"].contains(dct) else {
            return .failure(ParseFailure(reason: "dct must be \"fast\" or \"accurate\""))
        }
        return .success(ValidatedExtraction(imageSize: size, rmacSteps: steps, dct: dct, note: object["note"] as? String))
    }

    public struct ParseFailure: Error { public let reason: String }
}
