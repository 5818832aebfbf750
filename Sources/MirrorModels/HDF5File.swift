internal import CHDF5

/// One open HDF5 file, owning its `hid_t`; the only place in mirror that calls the HDF5 library.
///
/// Scope is what weight files need: float32 datasets addressed by `/`-separated paths (groups
/// are created on the way), reading any numeric dataset as `[Float]` through HDF5's own type
/// conversion (float64, float16, integers), a recursive list of dataset paths, and string and
/// float attributes on the root group. Every object handle opened here is closed before the
/// method returns, so closing the file really releases it.
///
/// Errors: every failing HDF5 call becomes `HDF5Error.callFailed` carrying HDF5's error stack
/// as text; HDF5's automatic printing to stderr is switched off. Debian's libhdf5 is built
/// thread-safe, which makes the error stack and its auto-print setting per thread, so the
/// switch-off is repeated at every entry point rather than done once per process.
///
/// Not thread-safe itself: use one instance from one thread at a time.
public final class HDF5File {
    /// The file's path, as given; used in every error.
    public let path: String
    /// The HDF5 file id, or -1 once closed.
    private var id: hid_t

    /// Creates a new file at `path`, replacing an existing one unless `exclusive` is set, in
    /// which case an existing file is an error.
    public init(creating path: String, exclusive: Bool = false) throws {
        Self.silenceAutomaticErrorPrinting()
        self.path = path
        let flags = exclusive ? mirror_h5f_acc_excl() : mirror_h5f_acc_trunc()
        let id = H5Fcreate(path, flags, mirror_h5p_default(), mirror_h5p_default())
        guard id >= 0 else { throw Self.failure(path: path, operation: "create file") }
        self.id = id
    }

    /// Opens an existing file read-only.
    public init(readingFrom path: String) throws {
        Self.silenceAutomaticErrorPrinting()
        self.path = path
        let id = H5Fopen(path, mirror_h5f_acc_rdonly(), mirror_h5p_default())
        guard id >= 0 else { throw Self.failure(path: path, operation: "open file") }
        self.id = id
    }

    deinit {
        if id >= 0 { H5Fclose(id) }
    }

    /// Closes the file, reporting failures (a failed final flush of a written file shows up
    /// here, so writers call this rather than relying on `deinit`). Further calls do nothing.
    public func close() throws {
        guard id >= 0 else { return }
        Self.silenceAutomaticErrorPrinting()
        let status = H5Fclose(id)
        id = -1
        try check(status, "close file")
    }

    // MARK: Datasets

    /// Writes `values` (row-major, `shape.reduce(1, *)` of them) as a float32 little-endian
    /// dataset at `name`, e.g. `res2a_branch2a/kernel`; missing groups on the way are created.
    /// An empty `shape` writes a scalar. Throws if the name already exists. No timestamps are
    /// stored, so writing equal contents gives byte-identical files.
    public func writeFloats(_ values: [Float], shape: [Int], at name: String) throws {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "\(values.count) values do not fill shape \(shape)")
        Self.silenceAutomaticErrorPrinting()
        let space = try makeDataspace(shape, for: name)
        defer { H5Sclose(space) }
        let linkOptions = try checked(H5Pcreate(mirror_h5p_link_create()), "create link property list")
        defer { H5Pclose(linkOptions) }
        try check(H5Pset_create_intermediate_group(linkOptions, 1), "enable intermediate groups")
        let creationOptions = try checked(H5Pcreate(mirror_h5p_dataset_create()), "create dataset property list")
        defer { H5Pclose(creationOptions) }
        try check(H5Pset_obj_track_times(creationOptions, false), "turn off timestamps")
        let dataset = try checked(
            H5Dcreate2(try openId(), name, mirror_h5t_ieee_f32le(), space, linkOptions,
                       creationOptions, mirror_h5p_default()),
            "create dataset '\(name)'")
        defer { H5Dclose(dataset) }
        guard !values.isEmpty else { return }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(dataset, mirror_h5t_native_float(), mirror_h5s_all(), mirror_h5s_all(),
                     mirror_h5p_default(), $0.baseAddress)
        }
        try check(status, "write dataset '\(name)'")
    }

    /// Reads the dataset at `name` as float32 with its shape (`[]` for a scalar). float64 and
    /// integer data are converted by HDF5 (rounded to nearest float); float16 widens exactly.
    /// Throws `HDF5Error.unsupportedType` for strings, compounds and other non-numeric data.
    public func readFloats(at name: String) throws -> (shape: [Int], values: [Float]) {
        Self.silenceAutomaticErrorPrinting()
        let dataset = try checked(H5Dopen2(try openId(), name, mirror_h5p_default()), "open dataset '\(name)'")
        defer { H5Dclose(dataset) }
        let type = try checked(H5Dget_type(dataset), "get type of '\(name)'")
        defer { H5Tclose(type) }
        try requireNumeric(type, object: name)
        let space = try checked(H5Dget_space(dataset), "get dataspace of '\(name)'")
        defer { H5Sclose(space) }
        let shape = try self.shape(of: space, object: name)
        let count = shape.reduce(1, *)
        guard count > 0 else { return (shape, []) }
        var status: herr_t = 0
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = H5Dread(dataset, mirror_h5t_native_float(), mirror_h5s_all(), mirror_h5s_all(),
                             mirror_h5p_default(), buffer.baseAddress)
            if status < 0 { buffer.initialize(repeating: 0) }
            initialized = count
        }
        try check(status, "read dataset '\(name)'")
        return (shape, values)
    }

    /// Paths of all datasets in the file, found recursively (e.g. `conv1/kernel`), sorted by
    /// name. Objects reachable by several hard links are listed once.
    public func datasetPaths() throws -> [String] {
        Self.silenceAutomaticErrorPrinting()
        let file = try openId()
        var paths: [String] = []
        let status = withUnsafeMutablePointer(to: &paths) { pointer in
            H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_INC, { _, name, info, context in
                guard let name, let info, let context else { return -1 }
                if info.pointee.type == H5O_TYPE_DATASET {
                    context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                }
                return 0
            }, pointer, UInt32(H5O_INFO_BASIC))
        }
        try check(status, "list objects")
        return paths.sorted()
    }

    // MARK: Root attributes

    /// Sets a string attribute on the root group (variable-length UTF-8, scalar), replacing
    /// any attribute of that name.
    public func setAttribute(_ name: String, string value: String) throws {
        Self.silenceAutomaticErrorPrinting()
        let type = try variableStringType(cset: H5T_CSET_UTF8)
        defer { H5Tclose(type) }
        let space = try makeDataspace([], for: name)
        defer { H5Sclose(space) }
        let attribute = try createAttribute(name, type: type, space: space)
        defer { H5Aclose(attribute) }
        let status = value.withCString { text -> herr_t in
            var pointer: UnsafePointer<CChar>? = text
            return H5Awrite(attribute, type, &pointer)
        }
        try check(status, "write attribute '\(name)'")
    }

    /// Sets a float32 attribute on the root group: a scalar when `scalar` is true (then
    /// `values` must hold one value), otherwise a 1-D array.
    public func setAttribute(_ name: String, floats values: [Float], scalar: Bool = false) throws {
        precondition(!scalar || values.count == 1, "a scalar attribute holds one value")
        Self.silenceAutomaticErrorPrinting()
        let space = try makeDataspace(scalar ? [] : [values.count], for: name)
        defer { H5Sclose(space) }
        let attribute = try createAttribute(name, type: mirror_h5t_ieee_f32le(), space: space)
        defer { H5Aclose(attribute) }
        let status = values.withUnsafeBufferPointer { H5Awrite(attribute, mirror_h5t_native_float(), $0.baseAddress) }
        try check(status, "write attribute '\(name)'")
    }

    /// The root group's string attribute `name`, or nil when there is none. Reads both
    /// variable-length strings (h5py's default for `str`) and fixed-length ones (`numpy.bytes_`),
    /// dropping fixed-length padding. Throws `unsupportedType` for non-string attributes.
    public func stringAttribute(_ name: String) throws -> String? {
        Self.silenceAutomaticErrorPrinting()
        guard let attribute = try openAttribute(name) else { return nil }
        defer { H5Aclose(attribute) }
        let fileType = try checked(H5Aget_type(attribute), "get type of attribute '\(name)'")
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw HDF5Error.unsupportedType(path: path, object: name, found: Self.className(H5Tget_class(fileType)),
                                            expected: "a string")
        }
        let count = try elementCount(ofAttribute: attribute, name: name)
        guard count == 1 else {
            throw HDF5Error.unsupportedShape(path: path, object: name, reason: "\(count) strings, expected one")
        }
        if try checked(H5Tis_variable_str(fileType), "inspect attribute '\(name)'") > 0 {
            let memoryType = try variableStringType(cset: H5Tget_cset(fileType))
            defer { H5Tclose(memoryType) }
            var text: UnsafeMutablePointer<CChar>? = nil
            try check(H5Aread(attribute, memoryType, &text), "read attribute '\(name)'")
            defer { H5free_memory(text) }
            return text.map { String(cString: $0) } ?? ""
        }
        let size = H5Tget_size(fileType)
        var bytes = [UInt8](repeating: 0, count: size)
        try check(H5Aread(attribute, fileType, &bytes), "read attribute '\(name)'")
        if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The root group's numeric attribute `name` as float32 values (a scalar gives one value),
    /// or nil when there is none. Throws for non-numeric or multi-dimensional attributes.
    public func floatsAttribute(_ name: String) throws -> [Float]? {
        Self.silenceAutomaticErrorPrinting()
        guard let attribute = try openAttribute(name) else { return nil }
        defer { H5Aclose(attribute) }
        let type = try checked(H5Aget_type(attribute), "get type of attribute '\(name)'")
        defer { H5Tclose(type) }
        try requireNumeric(type, object: name)
        let count = try elementCount(ofAttribute: attribute, name: name)
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            try check(H5Aread(attribute, mirror_h5t_native_float(), &values), "read attribute '\(name)'")
        }
        return values
    }

    // MARK: Helpers

    private func openId() throws -> hid_t {
        guard id >= 0 else {
            throw HDF5Error.callFailed(path: path, operation: "use file", stack: "the file was already closed")
        }
        return id
    }

    private func makeDataspace(_ shape: [Int], for name: String) throws -> hid_t {
        if shape.isEmpty { return try checked(H5Screate(H5S_SCALAR), "create scalar dataspace for '\(name)'") }
        let dims = shape.map { hsize_t($0) }
        return try checked(H5Screate_simple(Int32(dims.count), dims, nil), "create dataspace \(shape) for '\(name)'")
    }

    /// Axis extents of a dataspace; `[]` for a scalar. A null dataspace (no elements, no shape)
    /// cannot hold a tensor and is rejected.
    private func shape(of space: hid_t, object: String) throws -> [Int] {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR:
            return []
        case H5S_SIMPLE:
            let rank = try checked(H5Sget_simple_extent_ndims(space), "get rank of '\(object)'")
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            try check(H5Sget_simple_extent_dims(space, &dims, nil), "get extents of '\(object)'")
            return dims.map { Int($0) }
        default:
            throw HDF5Error.unsupportedShape(path: path, object: object, reason: "null dataspace (no shape)")
        }
    }

    private func elementCount(ofAttribute attribute: hid_t, name: String) throws -> Int {
        let space = try checked(H5Aget_space(attribute), "get dataspace of attribute '\(name)'")
        defer { H5Sclose(space) }
        let shape = try self.shape(of: space, object: name)
        guard shape.count <= 1 else {
            throw HDF5Error.unsupportedShape(path: path, object: name, reason: "rank \(shape.count) attribute \(shape)")
        }
        return shape.reduce(1, *)
    }

    private func requireNumeric(_ type: hid_t, object: String) throws {
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw HDF5Error.unsupportedType(path: path, object: object, found: Self.className(typeClass),
                                            expected: "numbers")
        }
    }

    private func variableStringType(cset: H5T_cset_t) throws -> hid_t {
        let type = try checked(H5Tcopy(mirror_h5t_c_s1()), "copy string type")
        guard H5Tset_size(type, mirror_h5t_variable()) >= 0, H5Tset_cset(type, cset) >= 0 else {
            H5Tclose(type)
            throw Self.failure(path: path, operation: "make variable-length string type")
        }
        return type
    }

    private func openAttribute(_ name: String) throws -> hid_t? {
        let exists = try checked(H5Aexists(try openId(), name), "look up attribute '\(name)'")
        guard exists > 0 else { return nil }
        return try checked(H5Aopen(id, name, mirror_h5p_default()), "open attribute '\(name)'")
    }

    private func createAttribute(_ name: String, type: hid_t, space: hid_t) throws -> hid_t {
        if try checked(H5Aexists(try openId(), name), "look up attribute '\(name)'") > 0 {
            try check(H5Adelete(id, name), "replace attribute '\(name)'")
        }
        return try checked(H5Acreate2(id, name, type, space, mirror_h5p_default(), mirror_h5p_default()),
                           "create attribute '\(name)'")
    }

    private static func className(_ typeClass: H5T_class_t) -> String {
        switch typeClass {
        case H5T_INTEGER: return "integer"
        case H5T_FLOAT: return "float"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "variable-length sequence"
        case H5T_REFERENCE: return "reference"
        case H5T_OPAQUE: return "opaque"
        case H5T_BITFIELD: return "bitfield"
        case H5T_TIME: return "time"
        default: return "unknown type class \(typeClass.rawValue)"
        }
    }

    /// Returns `value` when it is a valid id or count (non-negative), else throws with HDF5's stack.
    @discardableResult
    private func checked<T: BinaryInteger>(_ value: T, _ operation: @autoclosure () -> String) throws -> T {
        guard value >= 0 else { throw Self.failure(path: path, operation: operation()) }
        return value
    }

    private func check(_ status: herr_t, _ operation: @autoclosure () -> String) throws {
        try checked(status, operation())
    }

    // MARK: Error stack

    /// Turns off HDF5's printing of error stacks to stderr for the calling thread.
    private static func silenceAutomaticErrorPrinting() {
        H5Eset_auto2(mirror_h5e_default(), nil, nil)
    }

    /// An error for a failed call, carrying (and clearing) the thread's HDF5 error stack.
    private static func failure(path: String, operation: String) -> HDF5Error {
        .callFailed(path: path, operation: operation, stack: takeErrorStack())
    }

    /// The current HDF5 error stack, outermost call first, as
    /// `H5Fopen(): unable to open file (file accessibility: unable to open file); …`.
    private static func takeErrorStack() -> String {
        var lines: [String] = []
        withUnsafeMutablePointer(to: &lines) { pointer in
            _ = H5Ewalk2(mirror_h5e_default(), H5E_WALK_DOWNWARD, { _, record, context in
                guard let record, let context else { return 0 }
                let entry = record.pointee
                let function = entry.func_name.map { String(cString: $0) } ?? "?"
                // Some descriptions embed a newline (e.g. after a ctime() timestamp); keep one line.
                let description = (entry.desc.map { String(cString: $0) } ?? "")
                    .split(whereSeparator: \.isNewline).joined(separator: " ")
                let major = HDF5File.message(entry.maj_num), minor = HDF5File.message(entry.min_num)
                context.assumingMemoryBound(to: [String].self).pointee
                    .append("\(function)(): \(description) (\(major): \(minor))")
                return 0
            }, pointer)
        }
        H5Eclear2(mirror_h5e_default())
        return lines.isEmpty ? "no HDF5 error details" : lines.joined(separator: "; ")
    }

    private static func message(_ id: hid_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard H5Eget_msg(id, nil, &buffer, buffer.count) > 0 else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Failures of the HDF5 layer; each names the file and, where there is one, the object.
public enum HDF5Error: Error, Equatable, CustomStringConvertible {
    /// An HDF5 call returned a negative status; `stack` is HDF5's error stack as text.
    case callFailed(path: String, operation: String, stack: String)
    /// A dataset or attribute of a type that cannot be read as requested (e.g. a string where
    /// numbers are expected); `found` names HDF5's type class.
    case unsupportedType(path: String, object: String, found: String, expected: String)
    /// A dataspace that cannot be read as requested (null dataspace, matrix-valued attribute, …).
    case unsupportedShape(path: String, object: String, reason: String)

    public var description: String {
        switch self {
        case .callFailed(let path, let operation, let stack):
            return "\(path): HDF5 could not \(operation): \(stack)"
        case .unsupportedType(let path, let object, let found, let expected):
            return "\(path): '\(object)' holds \(found) data, expected \(expected)"
        case .unsupportedShape(let path, let object, let reason):
            return "\(path): '\(object)' has an unsupported shape: \(reason)"
        }
    }
}
