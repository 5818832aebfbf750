/// Why `mirror synth` cannot make a data set. Every case names the file or folder at fault.
public enum SynthError: Error, Equatable, CustomStringConvertible {
    /// The photo folder does not exist or is not a folder.
    case missingFolder(path: String)
    /// The photo folder holds no `.jpg`, `.jpeg` or `.png` file.
    case noPhotos(path: String)
    /// Two photos would write the same view files (`a.jpg` and `a.png` both give `a_v00.jpg`).
    case sameStem(first: String, second: String)
    /// The output folder is not empty (and `--force` was not given), or is not a folder.
    case outputNotEmpty(path: String)
    /// The output folder is, or would put its views into, the photo folder.
    case outputIsInput(path: String)
    /// No view of `size` fits inside the photo after `ViewDistribution.maxRejections` draws.
    case photoTooSmall(path: String, width: Int, height: Int, size: Int)
    /// No photo of the folder could be used (each is listed in `failed.txt` and on stderr).
    case allPhotosFailed(count: Int)

    public var description: String {
        switch self {
        case .missingFolder(let path): return "\(path): no such folder of photos"
        case .noPhotos(let path): return "\(path): no photos (.jpg, .jpeg or .png) in the folder"
        case .sameStem(let first, let second):
            return "\(first) and \(second) have the same stem, so their views would share file names; rename one"
        case .outputNotEmpty(let path):
            return "\(path): the output folder is not empty; choose an empty or new folder, or give --force to "
                + "replace the files mirror synth writes there"
        case .outputIsInput(let path):
            return "\(path): the output folder must not be the photo folder or contain it as images/"
        case .photoTooSmall(let path, let width, let height, let size):
            return "\(path): a \(width)×\(height) photo is too small: no \(size)×\(size) view fits inside it "
                + "with a 1-pixel margin"
        case .allPhotosFailed(let count): return "none of the \(count) photo(s) could be used"
        }
    }
}
