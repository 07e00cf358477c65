// Loading and saving a CausalVideoVAE: weights in safetensors (F16 when shipped),
// its VAEConfig as JSON beside them (same stem, .json), and where the default lives.

import Foundation
import ReelNumerics
import ReelSafetensors

extension CausalVideoVAE {
    /// The config file that goes with a weights file: "a/vae.safetensors" -> "a/vae.json".
    public static func configPath(forWeights path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingPathExtension().appendingPathExtension("json").path
    }

    /// Loads weights and the config beside them.
    public static func load(weightsPath: String) throws(VAEError) -> CausalVideoVAE {
        let configPath = configPath(forWeights: weightsPath)
        guard FileManager.default.isReadableFile(atPath: weightsPath) else {
            throw .cannotOpen("cannot open the VAE weights \(weightsPath)")
        }
        guard let data = FileManager.default.contents(atPath: configPath) else {
            throw .cannotOpen("cannot open the VAE config \(configPath) (expected beside the weights \(weightsPath))")
        }
        let config = try VAEConfig.decode(data, name: configPath)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: weightsPath) } catch {
            throw .badWeights("\(weightsPath) is not a safetensors file: \(error)")
        }
        let model = try CausalVideoVAE(config: config, seed: 0)
        try model.loadParameters(from: file, name: weightsPath)
        return model
    }

    /// Copies every parameter from `file` (matched by name and shape; extra tensors are an error).
    public func loadParameters(from file: SafetensorsFile, name: String) throws(VAEError) {
        let params = namedParameters()
        let expected = Set(params.map(\.name))
        if let extra = file.tensorNames.first(where: { !expected.contains($0) }) {
            throw .badWeights("\(name) has a tensor \"\(extra)\" that this VAE config does not use")
        }
        for (pname, tensor) in params {
            do {
                let info = try file.info(pname)
                guard info.shape == tensor.shape else {
                    throw VAEError.badWeights("\(name): tensor \"\(pname)\" has shape \(info.shape), the config needs \(tensor.shape)")
                }
                try file.copyFloats(pname, into: tensor.valueBuffer)
            } catch let e as VAEError {
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
    public func save(weightsPath: String, dtype: SafetensorsDtype = .f16, config overriding: VAEConfig? = nil) throws {
        var writer = SafetensorsWriter(metadata: ["format": "reel-vae", "id": (overriding ?? config).id])
        for (name, tensor) in namedParameters() {
            try writer.add(name, shape: tensor.shape, dtype: dtype, values: UnsafeBufferPointer(tensor.valueBuffer))
        }
        try writer.write(toPath: weightsPath)
        let json = try (overriding ?? config).jsonData()
        try json.write(to: URL(fileURLWithPath: Self.configPath(forWeights: weightsPath)), options: .atomic)
    }

    /// An id for these weights: "reel-vae-s4t4z32-" + 8 hex digits of a hash of the F16 values.
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
        return "reel-vae-s\(config.spatialFactor)t\(config.temporalFactor)z\(config.latentChannels)-"
            + String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// Where the shipped default VAE is: `vae-default.safetensors` (+ `.json`) in ReelVAE's
/// resource bundle, which SwiftPM puts next to the executables (`reel_ReelVAE.resources`)
/// and `make install` copies next to the installed tools. Found relative to the running
/// executable (/proc/self/exe, links resolved), then in the sources (a development checkout).
public enum DefaultVAE {
    public static let fileName = "vae-default.safetensors"
    public static let bundleName = "reel_ReelVAE.resources"

    /// Candidate paths, in search order.
    public static func candidates() -> [String] {
        var dirs: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let dir = URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent()
            dirs.append(dir.appendingPathComponent(bundleName).path)
            dirs.append(dir.appendingPathComponent("../share/reel").standardized.path)
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")
        dirs.append(sources.path)
        return dirs.map { $0 + "/" + fileName }
    }

    /// The default weights' path, or nil when none is installed.
    public static func path() -> String? {
        candidates().first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// The model to use: `path` when given, else the default.
    public static func resolve(_ path: String?) throws(VAEError) -> CausalVideoVAE {
        if let path { return try CausalVideoVAE.load(weightsPath: path) }
        guard let found = Self.path() else {
            throw .cannotOpen("no default VAE found (looked for \(candidates().joined(separator: ", "))); give one with --model")
        }
        return try CausalVideoVAE.load(weightsPath: found)
    }
}
