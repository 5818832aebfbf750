/// The slot buffers of an optimizer in parameter order, and the conversion to and from the named
/// `OptimizerState`, shared by `MomentumSGD` and `Adam`.
struct SlotBuffers: Sendable {
    /// e.g. `["Momentum"]` or `["Adam", "Adam_1"]`.
    let slotNames: [String]
    /// `values[slot][parameter]`, each zero-initialised to the parameter's size (TF's slots
    /// start at zero).
    var values: [[[Float]]]

    init(slotNames: [String], parameters: [SolverParameter]) {
        let names = parameters.map(\.name)
        precondition(Set(names).count == names.count, "a parameter is listed twice")
        self.slotNames = slotNames
        values = slotNames.map { _ in parameters.map { [Float](repeating: 0, count: $0.count) } }
    }

    /// Moves one buffer out without copying it, so an update can hold several slots of one
    /// parameter mutably at once; `put` must give it back.
    mutating func take(slot: Int, parameter: Int) -> [Float] {
        var buffer = [Float]()
        swap(&buffer, &values[slot][parameter])
        return buffer
    }

    mutating func put(_ buffer: [Float], slot: Int, parameter: Int) {
        values[slot][parameter] = buffer
    }

    func state(algorithm: String, step: Int, parameters: [SolverParameter]) -> OptimizerState {
        var slots = [String: [String: [Float]]]()
        for (index, parameter) in parameters.enumerated() {
            var named = [String: [Float]]()
            for (slot, name) in slotNames.enumerated() { named[name] = values[slot][index] }
            slots[parameter.name] = named
        }
        return OptimizerState(algorithm: algorithm, step: step, slots: slots)
    }

    /// Takes over a saved state's buffers after checking that it belongs to this optimizer:
    /// the same algorithm, the same parameter names, the same slots and sizes. Every difference
    /// is listed before failing, so one run diagnoses a mismatched snapshot.
    /// - Returns: the saved step.
    /// - Throws: `TrainingError.incompatibleSnapshot(path: source, …)`.
    mutating func restore(_ state: OptimizerState, algorithm: String, parameters: [SolverParameter],
                          source: String) throws -> Int {
        var problems = [String]()
        if state.algorithm != algorithm {
            problems.append("it holds \(state.algorithm) state, this run uses \(algorithm)")
        }
        let expected = Set(parameters.map(\.name)), saved = Set(state.slots.keys)
        let missing = parameters.map(\.name).filter { !saved.contains($0) }
        let unexpected = state.slots.keys.filter { !expected.contains($0) }.sorted()
        if !missing.isEmpty { problems.append("missing parameters \(Self.list(missing))") }
        if !unexpected.isEmpty { problems.append("unexpected parameters \(Self.list(unexpected))") }
        var restored = values
        for (index, parameter) in parameters.enumerated() {
            guard let named = state.slots[parameter.name] else { continue }
            let extra = named.keys.filter { !slotNames.contains($0) }.sorted()
            if !extra.isEmpty { problems.append("\(parameter.name): unexpected slots \(Self.list(extra))") }
            for (slot, name) in slotNames.enumerated() {
                guard let buffer = named[name] else {
                    problems.append("\(parameter.name): missing slot \(name)")
                    continue
                }
                guard buffer.count == parameter.count else {
                    problems.append("\(parameter.name)/\(name): \(buffer.count) values, the parameter has \(parameter.count)")
                    continue
                }
                restored[slot][index] = buffer
            }
        }
        guard problems.isEmpty else {
            throw TrainingError.incompatibleSnapshot(path: source, reason: "optimizer state: " + problems.joined(separator: "; "))
        }
        values = restored
        return state.step
    }

    /// At most five names, then a count of the rest.
    private static func list(_ names: [String]) -> String {
        let shown = names.prefix(5).joined(separator: ", ")
        return names.count > 5 ? "\(shown) and \(names.count - 5) more" : shown
    }
}
