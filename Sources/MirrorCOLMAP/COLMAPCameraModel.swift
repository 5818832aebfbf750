/// COLMAP's camera models as its sparse-model files name them: `cameras.bin` stores the numeric
/// id, `cameras.txt` the name; the model fixes how many parameters follow. mirror only needs
/// the count (to read the parameters and step over them) and keeps the values as read; the
/// overlap measure uses observed pixel positions, never the projection.
///
/// Ids, names and parameter counts follow COLMAP's model list as of COLMAP 4.2 (ids 0–10 since the
/// earliest versions, later ones appended, 12–17 in the 3.12–4.x releases); `Fixtures/colmap/small/expected.json` records the
/// table of the pycolmap that wrote the fixture and a test checks this one against it.
public struct COLMAPCameraModel: Hashable, Sendable, CustomStringConvertible {
    public let id: Int
    public let name: String
    public let parameterCount: Int

    public var description: String { name }

    public static let all: [COLMAPCameraModel] = [
        .init(id: 0, name: "SIMPLE_PINHOLE", parameterCount: 3),
        .init(id: 1, name: "PINHOLE", parameterCount: 4),
        .init(id: 2, name: "SIMPLE_RADIAL", parameterCount: 4),
        .init(id: 3, name: "RADIAL", parameterCount: 5),
        .init(id: 4, name: "OPENCV", parameterCount: 8),
        .init(id: 5, name: "OPENCV_FISHEYE", parameterCount: 8),
        .init(id: 6, name: "FULL_OPENCV", parameterCount: 12),
        .init(id: 7, name: "FOV", parameterCount: 5),
        .init(id: 8, name: "SIMPLE_RADIAL_FISHEYE", parameterCount: 4),
        .init(id: 9, name: "RADIAL_FISHEYE", parameterCount: 5),
        .init(id: 10, name: "THIN_PRISM_FISHEYE", parameterCount: 12),
        .init(id: 11, name: "RAD_TAN_THIN_PRISM_FISHEYE", parameterCount: 16),
        .init(id: 12, name: "SIMPLE_DIVISION", parameterCount: 4),
        .init(id: 13, name: "DIVISION", parameterCount: 5),
        .init(id: 14, name: "SIMPLE_FISHEYE", parameterCount: 3),
        .init(id: 15, name: "FISHEYE", parameterCount: 4),
        .init(id: 16, name: "EUCM", parameterCount: 6),
        .init(id: 17, name: "EQUIRECTANGULAR", parameterCount: 2),
    ]

    public static func withID(_ id: Int) -> COLMAPCameraModel? { all.first { $0.id == id } }
    public static func named(_ name: String) -> COLMAPCameraModel? { all.first { $0.name == name } }
}
