import ReelSafetensors

/// Writes the parameter values (no optimizer state) as a safetensors file of
/// model weights, each under its name with its shape, encoded as `dtype`
/// (F32, or F16/BF16 rounded to nearest even to halve the size). Atomic.
public func saveParameters(path: String, parameters: [ParameterRef], dtype: SafetensorsDtype = .f32,
                           metadata: [String: String]? = nil) throws {
    var writer = SafetensorsWriter(metadata: metadata)
    var seen = Set<String>()
    for p in parameters {
        guard seen.insert(p.name).inserted else { throw OptimizerError.duplicateParameter(p.name) }
        guard p.shape.allSatisfy({ $0 >= 0 }), p.shape.reduce(1, *) == p.count else {
            throw OptimizerError.checkpoint("parameter \"\(p.name)\" has shape \(p.shape) but \(p.count) elements")
        }
        try writer.add(p.name, shape: p.shape, dtype: dtype, values: UnsafeBufferPointer(p.value))
    }
    try writer.write(toPath: path)
}

/// Fills `parameters` from a safetensors file of weights: every parameter
/// must be present with exactly its shape (any float dtype, converted to
/// Float). Tensors in the file that no parameter asks for are an error
/// unless `allowUnused` is true. Returns the file's metadata.
@discardableResult
public func loadParameters(path: String, into parameters: [ParameterRef], allowUnused: Bool = false) throws -> [String: String] {
    let file = try SafetensorsFile(path: path)
    for p in parameters {
        guard file.contains(p.name) else {
            throw OptimizerError.checkpoint("\(path) has no tensor \"\(p.name)\"")
        }
        let info = try file.info(p.name)
        guard info.shape == p.shape else {
            throw OptimizerError.checkpoint("\(path): tensor \"\(p.name)\" has shape \(info.shape) but the parameter has \(p.shape)")
        }
        try file.copyFloats(p.name, into: p.value)
    }
    if !allowUnused {
        let wanted = Set(parameters.map(\.name))
        let unused = file.tensorNames.filter { !wanted.contains($0) }
        if !unused.isEmpty {
            throw OptimizerError.checkpoint("\(path) has tensors no parameter uses: \(unused.prefix(5).joined(separator: ", "))\(unused.count > 5 ? ", ..." : "")")
        }
    }
    return file.metadata
}
