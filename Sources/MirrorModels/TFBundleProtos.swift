/// The two messages of a TensorFlow V2 checkpoint `.index` (tensor_bundle.proto; SPEC §6.2),
/// decoded field by field with `ProtobufReader`.

/// `BundleHeaderProto`, the value of the `""` key: 1 num_shards, 2 endianness (0 little,
/// 1 big), 3 version (VersionDef: 1 producer, 2 min_consumer, 3 bad_consumers).
struct BundleHeader: Equatable {
    var shardCount = 0
    var isBigEndian = false
    var producer = 0
    var minConsumer = 0

    init(decoding bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes)
        while let (number, wireType) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wireType, .varint, field: "num_shards")
                shardCount = Int(truncatingIfNeeded: try reader.int64())
            case 2:
                try reader.expect(wireType, .varint, field: "endianness")
                isBigEndian = try reader.varint() != 0
            case 3:
                try reader.expect(wireType, .lengthDelimited, field: "version")
                var version = try reader.message()
                while let (inner, innerType) = try version.nextField() {
                    switch (inner, innerType) {
                    case (1, .varint): producer = Int(truncatingIfNeeded: try version.int64())
                    case (2, .varint): minConsumer = Int(truncatingIfNeeded: try version.int64())
                    default: try version.skip(innerType)
                    }
                }
            default:
                try reader.skip(wireType)
            }
        }
    }
}

/// `BundleEntryProto`: where one tensor's bytes live and how to check them.
/// 1 dtype, 2 shape (TensorShapeProto: repeated 2 dim {1 size, 2 name}, 3 unknown_rank),
/// 3 shard_id, 4 offset, 5 size, 6 crc32c (fixed32, masked), 7 slices (partitioned variables).
/// Proto3 zero values (shard 0, offset 0, scalar shape) are omitted by the writer.
struct BundleEntry: Equatable {
    var dtypeCode = 0
    var shape: [Int] = []
    var unknownRank = false
    var shardID = 0
    var offset = 0
    var size = 0
    var maskedCRC32C: UInt32 = 0
    var sliceCount = 0

    init(decoding bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes)
        while let (number, wireType) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wireType, .varint, field: "dtype")
                dtypeCode = Int(truncatingIfNeeded: try reader.int64())
            case 2:
                try reader.expect(wireType, .lengthDelimited, field: "shape")
                var shapeReader = try reader.message()
                while let (inner, innerType) = try shapeReader.nextField() {
                    switch (inner, innerType) {
                    case (2, .lengthDelimited):
                        var dim = try shapeReader.message()
                        var size: Int64 = 0
                        while let (field, type) = try dim.nextField() {
                            if field == 1, type == .varint { size = try dim.int64() } else { try dim.skip(type) }
                        }
                        guard size >= 0 else {
                            throw ProtobufReader.Malformed(description: "dimension size \(size) (unknown dimensions cannot be stored)")
                        }
                        shape.append(Int(size))
                    case (3, .varint):
                        unknownRank = try shapeReader.varint() != 0
                    default:
                        try shapeReader.skip(innerType)
                    }
                }
            case 3:
                try reader.expect(wireType, .varint, field: "shard_id")
                shardID = try Self.nonNegative(reader.int64(), "shard_id")
            case 4:
                try reader.expect(wireType, .varint, field: "offset")
                offset = try Self.nonNegative(reader.int64(), "offset")
            case 5:
                try reader.expect(wireType, .varint, field: "size")
                size = try Self.nonNegative(reader.int64(), "size")
            case 6:
                try reader.expect(wireType, .fixed32, field: "crc32c")
                maskedCRC32C = try reader.fixed32()
            case 7:
                try reader.expect(wireType, .lengthDelimited, field: "slices")
                _ = try reader.lengthDelimited()
                sliceCount += 1
            default:
                try reader.skip(wireType)
            }
        }
    }

    private static func nonNegative(_ value: Int64, _ field: String) throws -> Int {
        guard value >= 0 else { throw ProtobufReader.Malformed(description: "negative \(field) \(value)") }
        return Int(value)
    }

    /// Element count, or nil if the product overflows.
    var elementCount: Int? {
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
