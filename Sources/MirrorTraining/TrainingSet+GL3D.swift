import MirrorCore

extension TrainingSet {
    /// Path of the image list under a GL3D root, as the seed's `train.py` `main` builds it.
    public static let gl3dImageList = "list/global_stats/global_img_list.txt"
    /// Path of the training records under a GL3D root.
    public static let gl3dTrainList = "forward/train_list_with_mask.bin"

    /// Reads the GL3D training data under `root` as the seed's `--gl3d ROOT` does (SPEC §8.1).
    ///
    /// - `ROOT/list/global_stats/global_img_list.txt`: one image path per line, relative to
    ///   `ROOT` (the seed joins `ROOT/` and the line; an absolute line is kept as is). Every line
    ///   counts, blank ones included, because the records index the list by line (`splitlines()`);
    ///   a record pointing at a blank line is an error.
    /// - `ROOT/forward/train_list_with_mask.bin`: datasets of records (`GL3DTrainList` documents
    ///   the layout and every error). Each dataset becomes a scene named `dataset D`.
    ///
    /// - Throws: `TrainingError.unreadable` for a missing or unreadable file,
    ///   `.malformed(path:offset:reason:)` for a damaged binary file, `.unusableData` for fewer
    ///   than two datasets.
    public static func gl3d(root: String) throws -> TrainingSet {
        let listPath = TextList.join(root, gl3dImageList)
        let binaryPath = TextList.join(root, gl3dTrainList)
        let lines = try TextLines.read(listPath)
        let scenes = try GL3DTrainList.read(path: binaryPath, imageLines: lines, listPath: listPath)
        return try TrainingSet(images: lines.map { TextList.join(root, String($0)) }, scenes: scenes, source: binaryPath)
    }
}
