// Loading and saving a DiffusionTransformer: weights in safetensors (F16 when shipped),
// its DiTConfig as JSON beside them (same stem, .json), and where the default lives.

import Foundation
import ReelNumerics
import ReelSafetensors

extension DiffusionTransformer {
    /// "a/dit.safetensors" -> "a/dit.json".
    public static func configPath(forWeights path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().appendingPathExtension("json").path
    }

    /// Loads weights and the config beside them.
    public static func load(weightsPath: String) throws(DiTError) -> DiffusionTransformer {
        let configPath = configPath(forWeights: weightsPath)
        guard FileManager.default.isReadableFile(atPath: weightsPath) else {
            throw .cannotOpen("cannot open the diffusion transformer weights \(weightsPath)")
        }
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw .cannotOpen("cannot open the diffusion transformer config \(configPath) (expected beside the weights \(weightsPath))")
        }
        let config = try DiTConfig.decode(data, name: configPath)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: weightsPath) } catch {
            throw .badWeights("\(weightsPath) is not a safetensors file: \(error)")
        }
        let model = try DiffusionTransformer(config: config, seed: 0)
        try model.loadParameters(from: file, name: weightsPath)
        return model
    }

    /// Copies every parameter from `file` (matched by name and shape; extra tensors are an error).
    public func loadParameters(from file: SafetensorsFile, name: String) throws(DiTError) {
        let params = namedParameters()
        let expected = Set(params.map(\.name))
        if let extra = file.tensorNames.first(where: { !expected.contains($0) }) {
            throw .badWeights("\(name) has a tensor \"\(extra)\" that this diffusion transformer config does not use")
        }
        for (pname, tensor) in params {
            do {
                let info = try file.info(pname)
                guard info.shape == tensor.shape else {
                    throw DiTError.badWeights("\(name): tensor \"\(pname)\" has shape \(info.shape), the config needs \(tensor.shape)")
                }
                try file.copyFloats(pname, into: tensor.valueBuffer)
            } catch let e as DiTError {
                throw e
            } catch {
                throw .badWeights("\(name): cannot read tensor \"\(pname)\": \(error)")
            }
            for i in 0..<tensor.count where !tensor.data[i].isFinite {
                throw .badWeights("\(name): tensor \"\(pname)\" holds a non-finite value at element \(i)")
            }
        }
    }

    /// Writes the weights (F16 by default) and the config beside them; both atomically.
    public func save(weightsPath: String, dtype: SafetensorsDtype = .f16, config overriding: DiTConfig? = nil) throws {
        var writer = SafetensorsWriter(metadata: ["format": "reel-dit", "id": (overriding ?? config).id])
        for (name, tensor) in namedParameters() {
            try writer.add(name, shape: tensor.shape, dtype: dtype, values: UnsafeBufferPointer(tensor.valueBuffer))
        }
        try writer.write(toPath: weightsPath)
        let json = try (overriding ?? config).jsonData()
        try json.write(to: URL(fileURLWithPath: Self.configPath(forWeights: weightsPath)), options: .atomic)
    }

    /// "reel-dit-w192d6p2-" + 8 hex digits of a hash of the F16 values.
    public func weightsID() -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for (_, tensor) in namedParameters() {
            for i in 0..<tensor.count {
                let bits = Float16(tensor.data[i]).bitPattern
                h = (h ^ UInt64(bits & 0xff)) &* 0x100_0000_01b3
                h = (h ^ UInt64(bits >> 8)) &* 0x100_0000_01b3
            }
        }
        let hex = String(h >> 32, radix: 16)
        return "reel-dit-w\(config.width)d\(config.depth)p\(config.patchHeight)-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// Where the shipped default model is: `dit-default.safetensors` (+ `.json`) in ReelDiT's
/// resource bundle next to the executables (`reel_ReelDiT.resources`, copied by
/// `make install`), then in the sources (a development checkout).
public enum DefaultDiT {
    public static let fileName = "dit-default.safetensors"
    public static let bundleName = "reel_ReelDiT.resources"

    public static func candidates() -> [String] {
        var dirs: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let dir = URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent()
            dirs.append(dir.appendingPathComponent(bundleName).path)
            dirs.append(dir.appendingPathComponent("../share/reel").standardized.path)
        }
        dirs.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources").path)
        return dirs.map { $0 + "/" + fileName }
    }

    public static func path() -> String? { candidates().first { FileManager.default.isReadableFile(atPath: $0) } }

    /// The model to use: `path` when given, else the default.
    public static func resolve(_ path: String?) throws(DiTError) -> DiffusionTransformer {
        if let path { return try DiffusionTransformer.load(weightsPath: path) }
        guard let found = Self.path() else {
            throw .cannotOpen("no default diffusion transformer found (looked for \(candidates().joined(separator: ", "))); give one with --model")
        }
        return try DiffusionTransformer.load(weightsPath: found)
    }
}
