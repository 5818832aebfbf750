/// The parser of GL3D's `forward/train_list_with_mask.bin`, read exactly as the seed's
/// `read_samples` (`retrieval/train.py`) reads it (SPEC §8.1).
///
/// Layout, little-endian int32 throughout (`struct.unpack('i', …)` on the seed's x86 machines):
/// ```
/// dataset_num
/// per dataset:  image_num                       – the number of records that follow
///   per record: ref_idx  pos_num  pos_idx × pos_num  neg_num  neg_idx × neg_num
///               mask × pos_num                  – 392 bytes each, one bool per byte
/// ```
/// `image_num` is a record count: the seed's loop `for _ in range(image_num)` reads one record
/// (one anchor image of the dataset with its positives and negatives) per iteration. The masks
/// (28×14 co-visibility cells per positive) are batched by the seed but unused by its loss, so
/// they are skipped unread. Indices point into `global_img_list.txt` by line.
///
/// Errors (`TrainingError.malformed`, with the offset of the field at fault):
/// - the file ends inside a fixed field (`dataset_num`, `image_num`, `ref_idx`, `pos_num`,
///   `neg_num`): that field's offset;
/// - a negative count, or a count whose data cannot fit in the rest of the file: the count's
///   offset. The size check comes before any allocation, so a corrupt `2³¹ − 1` costs nothing.
///   `pos_num` must cover its indices, `neg_num` and its masks; `neg_num` its indices and the
///   masks; `image_num` 12 bytes per record; `dataset_num` 4 bytes per dataset;
/// - an index outside the image list, or naming an empty line of it: the index's offset;
/// - a dataset without records, or a record without positives: the count's offset. The seed's
///   sampler would stop on these the first time it drew them (`random.randint(0, -1)`);
///   reporting them when the file is read saves a failed run hours in;
/// - bytes after the last dataset: the offset where they start.
///
/// A record without negatives is accepted: mirror's sampler then takes a negative from another
/// scene (`TripletSampler`).
enum GL3DTrainList {
    /// Bytes per positive's mask: a 28×14 bool grid (rows 0–13 anchor, 14–27 positive).
    static let maskBytes = 392

    /// The datasets of the file at `path` as scenes named `dataset D` (0-based, file order).
    ///
    /// - Parameters:
    ///   - imageLines: The lines of the image list, blank ones included (indices count lines).
    ///   - listPath: The image list's path, for messages.
    static func read(path: String, imageLines: [Substring], listPath: String) throws -> [TrainingScene] {
        var file = try Int32FileReader(path: path)

        func count(_ what: String, bytesEach: Int, extra: Int = 0, detail: String) throws -> Int {
            let start = file.offset
            let value = Int(try file.int32(what))
            guard value >= 0 else { throw file.malformed(at: start, "\(what) is negative (\(value))") }
            let needed = value * bytesEach + extra
            guard needed <= file.remaining else {
                throw file.malformed(at: start, "\(what) is \(value), which needs \(needed) more bytes (\(detail)), but \(file.remaining) remain")
            }
            return value
        }

        func indices(_ count: Int, _ what: (Int) -> String) throws -> [Int] {
            var result: [Int] = []
            result.reserveCapacity(count)
            for k in 0 ..< count {
                let start = file.offset
                let value = Int(try file.int32(what(k)))
                guard (0 ..< imageLines.count).contains(value) else {
                    throw file.malformed(at: start, "\(what(k)) is \(value), outside the \(imageLines.count) images of \(listPath)")
                }
                guard !imageLines[value].isEmpty else {
                    throw file.malformed(at: start, "\(what(k)) is \(value), but line \(value + 1) of \(listPath) is empty")
                }
                result.append(value)
            }
            return result
        }

        let datasetCount = try count("dataset_num", bytesEach: 4, detail: "an image_num per dataset")
        var scenes: [TrainingScene] = []
        for d in 0 ..< datasetCount {
            let recordsStart = file.offset
            let recordCount = try count("image_num of dataset \(d)", bytesEach: 12,
                                        detail: "at least ref_idx, pos_num and neg_num per record")
            guard recordCount > 0 else {
                throw file.malformed(at: recordsStart, "dataset \(d) has no records (image_num 0); the seed's sampler cannot draw an anchor from it")
            }
            var records: [TrainingRecord] = []
            records.reserveCapacity(recordCount)
            for r in 0 ..< recordCount {
                let name = "record \(r) of dataset \(d)"
                let anchor = try indices(1) { _ in "ref_idx of \(name)" }[0]
                let positivesStart = file.offset
                let positiveCount = try count("pos_num of \(name)", bytesEach: 4 + maskBytes, extra: 4,
                                              detail: "its indices, neg_num and a \(maskBytes)-byte mask per positive")
                guard positiveCount > 0 else {
                    throw file.malformed(at: positivesStart, "\(name) has no positives (pos_num 0); the seed's sampler cannot draw it")
                }
                let positives = try indices(positiveCount) { "positive \($0) of \(name)" }
                let negativeCount = try count("neg_num of \(name)", bytesEach: 4, extra: positiveCount * maskBytes,
                                              detail: "its indices and the \(positiveCount) masks")
                let negatives = try indices(negativeCount) { "negative \($0) of \(name)" }
                try file.skip(positiveCount * maskBytes, "the masks of \(name)")
                records.append(TrainingRecord(anchor: anchor, positives: positives, negatives: negatives))
            }
            scenes.append(TrainingScene(name: "dataset \(d)", records: records))
        }
        guard file.remaining == 0 else {
            throw file.malformed(at: file.offset, "\(file.remaining) bytes follow the last of the \(datasetCount) datasets")
        }
        return scenes
    }
}
