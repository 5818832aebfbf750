/// Errors from reading a PyTorch `.pth` state dict. Every case names the file.
public enum TorchError: Error, Equatable, CustomStringConvertible {
    /// Neither a ZIP (`PK\x03\x04`) nor a legacy pickle (`\x80\x02`) file, or the pickle's
    /// top-level value is not a dict of tensors.
    case notAStateDict(path: String, reason: String)
    /// The ZIP directory is inconsistent or truncated.
    case malformedZip(path: String, reason: String)
    /// A ZIP entry is compressed (torch.save stores entries uncompressed) or encrypted.
    case compressedEntry(path: String, entry: String, method: Int)
    /// A ZIP entry's bytes do not match its CRC-32 (a flipped byte?).
    case zipChecksumMismatch(path: String, entry: String, stored: UInt32, computed: UInt32)
    /// A required archive member (`*/data.pkl`, `*/data/<key>`) is absent.
    case missingEntry(path: String, entry: String)
    /// The pickle names a global outside the allow-list; nothing is ever executed.
    case disallowedGlobal(path: String, module: String, name: String)
    /// The pickle uses an opcode the restricted machine does not implement.
    case unsupportedOpcode(path: String, opcode: UInt8, offset: Int)
    /// The pickle is structurally wrong (stack underflow, wrong argument types, truncation, …).
    case malformedPickle(path: String, offset: Int, reason: String)
    /// The legacy format's magic number, protocol or storage records are wrong.
    case malformedLegacyFile(path: String, reason: String)
    /// The file was written on a big-endian machine.
    case bigEndian(path: String)
    /// A storage's byte length disagrees with its element count, or it lies outside the file.
    case badStorage(path: String, key: String, reason: String)
    /// A tensor's view (offset, sizes, strides) reaches outside its storage.
    case viewOutOfBounds(path: String, name: String, reason: String)
    /// No tensor of that name.
    case unknownTensor(path: String, name: String)

    public var description: String {
        switch self {
        case .notAStateDict(let path, let reason):
            return "\(path): not a PyTorch state dict: \(reason)"
        case .malformedZip(let path, let reason):
            return "\(path): malformed ZIP archive: \(reason)"
        case .compressedEntry(let path, let entry, let method):
            return "\(path): archive member '\(entry)' is compressed or encrypted (method \(method)); torch.save writes stored (uncompressed) members — re-save with torch.save"
        case .zipChecksumMismatch(let path, let entry, let stored, let computed):
            return "\(path): CRC-32 mismatch in archive member '\(entry)' (stored 0x\(String(stored, radix: 16)), computed 0x\(String(computed, radix: 16))): the file is corrupt (a flipped byte?)"
        case .missingEntry(let path, let entry):
            return "\(path): archive member '\(entry)' is missing"
        case .disallowedGlobal(let path, let module, let name):
            return "\(path): the pickle refers to '\(module).\(name)', which is not on the allow-list for state dicts; refusing to load"
        case .unsupportedOpcode(let path, let opcode, let offset):
            return "\(path): unsupported pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset)"
        case .malformedPickle(let path, let offset, let reason):
            return "\(path): malformed pickle at byte \(offset): \(reason)"
        case .malformedLegacyFile(let path, let reason):
            return "\(path): malformed legacy torch.save file: \(reason)"
        case .bigEndian(let path):
            return "\(path): saved on a big-endian machine; only little-endian files are supported"
        case .badStorage(let path, let key, let reason):
            return "\(path): storage '\(key)': \(reason)"
        case .viewOutOfBounds(let path, let name, let reason):
            return "\(path): tensor '\(name)': \(reason)"
        case .unknownTensor(let path, let name):
            return "\(path): no tensor named '\(name)'"
        }
    }
}
