/// Parser for the Python dict literal in a `.npy` header. Accepts exactly the keys NumPy writes
/// (`descr`, `fortran_order`, `shape`) in any order, with either quote style, optional trailing
/// commas, and Python 2 long suffixes (`(2048L, 35L)`).
struct NpyHeader {
    var dtype: NpyDType
    var bigEndian: Bool
    var fortranOrder: Bool
    var shape: [Int]

    static func parse(_ text: String, name: String) throws -> NpyHeader {
        func fail(_ reason: String) -> NpyError { .malformed(path: name, reason: reason) }
        guard let descrText = value(of: "descr", in: text) else { throw fail("header has no 'descr'") }
        guard let fortranText = value(of: "fortran_order", in: text) else { throw fail("header has no 'fortran_order'") }
        guard let shapeText = value(of: "shape", in: text) else { throw fail("header has no 'shape'") }

        let descr = descrText.trimming("'\" ")
        var code = Substring(descr)
        var bigEndian = false
        if let first = code.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            code = code.dropFirst()
        }
        guard let dtype = NpyDType(rawValue: String(code)) ?? (code == "?" ? .bool : nil) else {
            throw NpyError.unsupportedDType(path: name, descr: descr)
        }
        let fortran: Bool
        switch fortranText.trimming(" ") {
        case "True": fortran = true
        case "False": fortran = false
        default: throw fail("fortran_order is '\(fortranText)', expected True or False")
        }
        let inner = shapeText.trimming(" ")
        guard inner.hasPrefix("("), inner.hasSuffix(")") else { throw fail("shape '\(inner)' is not a tuple") }
        var shape: [Int] = []
        for part in inner.dropFirst().dropLast().split(separator: ",") {
            var item = String(part).trimming(" ")
            if item.hasSuffix("L") { item.removeLast() }
            if item.isEmpty { continue }
            guard let extent = Int(item), extent >= 0 else { throw fail("shape '\(inner)' has a bad extent '\(item)'") }
            shape.append(extent)
        }
        guard shape.allSatisfy({ $0 < Int(Int32.max) }), shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) < Int.max / 8 else {
            throw fail("shape '\(inner)' is too large")
        }
        return NpyHeader(dtype: dtype, bigEndian: bigEndian && dtype.size > 1, fortranOrder: fortran, shape: shape)
    }

    /// The raw text of a key's value: a quoted string, a parenthesised tuple, or a bare word.
    private static func value(of key: String, in text: String) -> String? {
        for quote in ["'", "\""] {
            guard let keyRange = text.range(of: quote + key + quote) else { continue }
            var rest = text[keyRange.upperBound...].drop(while: { $0 == " " })
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop(while: { $0 == " " })
            guard let first = rest.first else { return nil }
            if first == "(" {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return String(rest[...close])
            }
            if first == "'" || first == "\"" {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: first) else { return nil }
                return String(rest[...close])
            }
            let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
            return String(rest[..<end])
        }
        return nil
    }
}

extension String {
    func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
