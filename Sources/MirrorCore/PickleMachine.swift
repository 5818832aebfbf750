/// A restricted pickle virtual machine: it rebuilds plain Python data (None, bools, ints, floats,
/// strings, bytes, tuples, lists, dicts) and asks a `PickleGlobals` for everything else, so no
/// code from the file ever runs. Clients: PyTorch state dicts (`TorchPickleGlobals`), the seed's
/// PCA dict and the revisited Oxford/Paris ground truth (NumPy objects, `NumPyPickleGlobals`).
///
/// Opcodes (protocols 2–5 as `pickle`, `torch.save` and `np.save` emit them): PROTO, FRAME, STOP,
/// GLOBAL/STACK_GLOBAL, MARK, TUPLE/TUPLE1/2/3, EMPTY_TUPLE, EMPTY_LIST, EMPTY_DICT, APPEND(S),
/// SETITEM(S), (SHORT_)BINUNICODE(8), (SHORT_)BINBYTES(8), (SHORT_)BINSTRING, BININT/1/2,
/// LONG1/LONG4, BINFLOAT, NEWTRUE/NEWFALSE, NONE, REDUCE, BUILD, BINPERSID, (LONG_)BINPUT,
/// MEMOIZE, (LONG_)BINGET, POP, POP_MARK and DUP. Any other opcode is
/// `PickleError.unsupportedOpcode`; a global the handler does not allow is
/// `PickleError.disallowedGlobal` as soon as it is named.
public struct PickleMachine {
    private var cursor: ByteCursor
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every tuple, list and dict built, in creation order (see `tearDown`).
    private var arena: [PickleValue] = []
    private var opcodeOffset = 0
    private let globals: any PickleGlobals
    private let persistentLoad: (PickleValue) throws -> PickleValue

    /// Runs one pickle starting at `start` and hands its value to `extract`; returns what
    /// `extract` returns and the offset after STOP. `persistentLoad` turns a BINPERSID id into a
    /// value (e.g. a storage reference; by default persistent ids are malformed). `extract` must
    /// copy out what it needs: the values are torn down when it returns.
    /// - Throws: `PickleError`, or what `persistentLoad` and `extract` throw.
    public static func run<Result>(_ bytes: [UInt8], from start: Int = 0, globals: any PickleGlobals,
                                   persistentLoad: @escaping (PickleValue) throws -> PickleValue = { _ in
                                       throw PickleError.Refusal("persistent ids are not expected here") },
                                   extract: (PickleValue) throws -> Result) throws -> (result: Result, end: Int) {
        var machine = PickleMachine(cursor: ByteCursor(bytes, range: start..<bytes.count), globals: globals,
                                    persistentLoad: persistentLoad)
        let outcome: Swift.Result<(result: Result, end: Int), Error>
        do {
            outcome = .success(try machine.executeAndExtract(extract))
        } catch let error as ByteCursor.OutOfBounds {
            outcome = .failure(PickleError.malformed(offset: machine.opcodeOffset, reason: "truncated: \(error)"))
        } catch let refusal as PickleError.Refusal {
            outcome = .failure(PickleError.malformed(offset: machine.opcodeOffset, reason: refusal.reason))
        } catch {
            outcome = .failure(error)
        }
        machine.tearDown()
        return try outcome.get()
    }

    /// Executes and extracts; every local value is released when this returns (or throws).
    private mutating func executeAndExtract<Result>(_ extract: (PickleValue) throws -> Result) throws -> (result: Result, end: Int) {
        let (value, end) = try execute()
        return (try extract(value), end)
    }

    /// Releases every container without recursion. A hostile pickle can nest tuples or lists a
    /// million deep at a few bytes per level, and releasing such a chain the ordinary way
    /// recurses once per level and overflows the stack. Every container is kept in `arena`
    /// from its creation, so: empty the mutable containers (their items stay alive through the
    /// arena; this also breaks cycles such as a list appended to itself), then release the arena
    /// newest first — a tuple's items are always older than the tuple, so each release frees one
    /// object and never a chain.
    private mutating func tearDown() {
        stack = []
        memo = [:]
        for value in arena {
            switch value {
            case .list(let list): list.items = []
            case .dict(let dict): dict.removeAll()
            case .object(let object): object.releaseContents()
            default: break
            }
        }
        while arena.popLast() != nil {}
    }

    /// Records a new container in the arena and returns it.
    private mutating func made(_ value: PickleValue) -> PickleValue {
        arena.append(value)
        return value
    }

    private init(cursor: ByteCursor, globals: any PickleGlobals, persistentLoad: @escaping (PickleValue) throws -> PickleValue) {
        self.cursor = cursor
        self.globals = globals
        self.persistentLoad = persistentLoad
    }

    private func malformed(_ reason: String) -> PickleError {
        .malformed(offset: opcodeOffset, reason: reason)
    }

    private mutating func pop() throws -> PickleValue {
        guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw malformed("stack underflow") }
        return value
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw malformed("no MARK on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func top() throws -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return value
    }

    private mutating func line() throws -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try cursor.u8()
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
            guard bytes.count < 4096 else { throw malformed("GLOBAL name too long") }
        }
    }

    private mutating func text(_ count: Int) throws -> String {
        guard let string = String(validating: try cursor.read(count), as: UTF8.self) else { throw malformed("invalid UTF-8 string") }
        return string
    }

    private mutating func pushGlobal(module: String, name: String) throws {
        guard globals.isAllowed(module: module, name: name) else {
            throw PickleError.disallowedGlobal(module: module, name: name)
        }
        stack.append(.global(module: module, name: name))
    }

    private func memoKey(_ value: Int) throws -> Int {
        guard value >= 0 else { throw malformed("negative memo index") }
        return value
    }

    private mutating func execute() throws -> (value: PickleValue, end: Int) {
        while true {
            opcodeOffset = cursor.position
            let opcode = try cursor.u8()
            switch opcode {
            case 0x80:  // PROTO
                let version = try cursor.u8()
                guard version <= 5 else { throw malformed("pickle protocol \(version)") }
            case 0x95: _ = try cursor.u64()  // FRAME: a length hint only
            case 0x2E:  // STOP
                let value = try pop()
                guard stack.isEmpty, marks.isEmpty else { throw malformed("values left on the stack at STOP") }
                return (value, cursor.position)
            case 0x63: try pushGlobal(module: try line(), name: try line())  // GLOBAL
            case 0x93:  // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw malformed("STACK_GLOBAL needs two strings")
                }
                try pushGlobal(module: module, name: name)
            case 0x28: marks.append(stack.count)  // MARK
            case 0x74: stack.append(made(.tuple(try popToMark())))  // TUPLE
            case 0x29: stack.append(made(.tuple([])))  // EMPTY_TUPLE
            case 0x85, 0x86, 0x87:  // TUPLE1/2/3
                var items: [PickleValue] = []
                for _ in 0..<Int(opcode - 0x84) { items.insert(try pop(), at: 0) }
                stack.append(made(.tuple(items)))
            case 0x5D: stack.append(made(.list(PickleList())))  // EMPTY_LIST
            case 0x7D: stack.append(made(.dict(PickleDict())))  // EMPTY_DICT
            case 0x61:  // APPEND
                let value = try pop()
                guard case .list(let list) = try top() else { throw malformed("APPEND to a non-list") }
                list.items.append(value)
            case 0x65:  // APPENDS
                let values = try popToMark()
                guard case .list(let list) = try top() else { throw malformed("APPENDS to a non-list") }
                list.items += values
            case 0x73:  // SETITEM
                let value = try pop(), key = try pop()
                guard case .dict(let dict) = try top() else { throw malformed("SETITEM on a non-dict") }
                dict.set(key, value)
            case 0x75:  // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of items") }
                guard case .dict(let dict) = try top() else { throw malformed("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: items.count, by: 2) { dict.set(items[i], items[i + 1]) }
            case 0x58: stack.append(.string(try text(Int(try cursor.u32()))))  // BINUNICODE
            case 0x8C: stack.append(.string(try text(Int(try cursor.u8()))))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try text(Int(clamping: try cursor.u64()))))  // BINUNICODE8
            case 0x42, 0x54: stack.append(.bytes(try cursor.read(Int(try cursor.u32()))))  // BINBYTES, BINSTRING
            case 0x43, 0x55: stack.append(.bytes(try cursor.read(Int(try cursor.u8()))))  // SHORT_BINBYTES, SHORT_BINSTRING
            case 0x8E: stack.append(.bytes(try cursor.read(Int(clamping: try cursor.u64()))))  // BINBYTES8
            case 0x4A: stack.append(.int(Int(Int32(bitPattern: try cursor.u32()))))  // BININT
            case 0x4B: stack.append(.int(Int(try cursor.u8())))  // BININT1
            case 0x4D: stack.append(.int(Int(try cursor.u16())))  // BININT2
            case 0x8A: stack.append(Self.long(try cursor.read(Int(try cursor.u8()))))  // LONG1
            case 0x8B:  // LONG4
                let count = Int(Int32(bitPattern: try cursor.u32()))
                guard count >= 0 else { throw malformed("negative LONG4 length") }
                stack.append(Self.long(try cursor.read(count)))
            case 0x47: stack.append(.float(Double(bitPattern: UInt64(bigEndian: UInt64(littleEndian: try cursor.u64())))))  // BINFLOAT
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4E: stack.append(.none)  // NONE
            case 0x52:  // REDUCE
                let arguments = try pop(), callable = try pop()
                guard case .tuple(let args) = arguments else { throw malformed("REDUCE arguments are not a tuple") }
                guard case .global(let module, let name) = callable else { throw malformed("REDUCE on a \(callable.kind)") }
                stack.append(made(try globals.call(module: module, name: name, arguments: args)))
            case 0x62:  // BUILD
                let state = try pop()
                try globals.build(try top(), state: state)
            case 0x51: stack.append(try persistentLoad(try pop()))  // BINPERSID
            case 0x71: memo[Int(try cursor.u8())] = try top()  // BINPUT
            case 0x72: memo[Int(try cursor.u32())] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68, 0x6A:  // BINGET, LONG_BINGET
                let index = opcode == 0x68 ? Int(try cursor.u8()) : Int(try cursor.u32())
                guard let value = memo[index] else { throw malformed("memo entry \(index) is missing") }
                stack.append(value)
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popToMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            default:
                throw PickleError.unsupportedOpcode(opcode: opcode, offset: opcodeOffset)
            }
        }
    }

    /// LONG1/LONG4 payload: little-endian two's complement, `.int` when it fits 64 bits.
    public static func long(_ bytes: [UInt8]) -> PickleValue {
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        guard let last = bytes.last else { return .int(0) }
        var value: UInt64 = last & 0x80 != 0 ? ~0 : 0  // sign extension
        for (i, byte) in bytes.enumerated() {
            value &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            value |= UInt64(byte) << (8 * UInt64(i))
        }
        return .int(Int(Int64(bitPattern: value)))
    }
}
