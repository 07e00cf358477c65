// Loading and saving a CausalVideoVAE: weights in safetensors (F16 when shipped),
// its VAEConfig as JSON beside them (same stem, .json), and where the default lives.

import Foundation
import ReelNumerics
import ReelSafetensors
import ReelStream

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

    /// Where this machine remembers the networks it has used by id, so that a stream naming its
    /// network decodes without --model: $REEL_CACHE/models, else $XDG_CACHE_HOME/reel/models,
    /// else ~/.cache/reel/models. Never in the package, never committed.
    public static func registryDirectory() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let c = env["REEL_CACHE"], !c.isEmpty { return c + "/models" }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/reel/models" }
        if let h = env["HOME"], !h.isEmpty { return h + "/.cache/reel/models" }
        return nil
    }

    /// Remembers `model`, loaded from `weightsPath`, under its id: links <id>.safetensors and
    /// <id>.json in the registry to the files (absolute paths). Best effort: a registry that
    /// cannot be written only means --model must be given again; the shipped network is not
    /// registered (it is always found).
    public static func register(_ model: CausalVideoVAE, weightsPath: String) {
        guard let dir = registryDirectory(), !model.config.id.isEmpty else { return }
        if let shipped = path(), URL(fileURLWithPath: shipped).standardizedFileURL == URL(fileURLWithPath: weightsPath).standardizedFileURL { return }
        let fm = FileManager.default
        guard (try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return }
        let weights = URL(fileURLWithPath: weightsPath).standardizedFileURL.resolvingSymlinksInPath().path
        let config = CausalVideoVAE.configPath(forWeights: weights)
        for (target, ext) in [(weights, "safetensors"), (config, "json")] {
            let link = dir + "/" + model.config.id + "." + ext
            if (try? fm.destinationOfSymbolicLink(atPath: link)) == target { continue }
            // Replace atomically: a link under a temporary name, renamed over the old one.
            let tmp = dir + "/." + model.config.id + "." + ext + ".\(getpid())"
            try? fm.removeItem(atPath: tmp)
            guard (try? fm.createSymbolicLink(atPath: tmp, withDestinationPath: target)) != nil else { continue }
            if rename(tmp, link) != 0 { try? fm.removeItem(atPath: tmp) }
        }
    }

    /// The network whose id is `id`: the shipped one, else one registered on this machine.
    /// nil when neither has that id.
    public static func find(id: String) throws(VAEError) -> CausalVideoVAE? {
        if let shipped = path() {
            let m = try CausalVideoVAE.load(weightsPath: shipped)
            if m.config.id == id { return m }
        }
        guard let dir = registryDirectory() else { return nil }
        let link = dir + "/" + id + ".safetensors"
        guard FileManager.default.isReadableFile(atPath: link) else { return nil }
        let m = try CausalVideoVAE.load(weightsPath: link)
        return m.config.id == id ? m : nil
    }
}

/// The network for each latent clip of a stream, by the id its HEAD names: `path` when given
/// (it must be that network), else the shipped one or one registered on this machine
/// (DefaultVAE.register). Networks are loaded once.
public final class NetworkChoice {
    public let path: String?
    var loaded: [String: CausalVideoVAE] = [:]
    var given: CausalVideoVAE?
    public init(path: String?) { self.path = path }

    public func network(for header: ClipHeader) throws -> CausalVideoVAE {
        if let path {
            let vae = try given ?? DefaultVAE.resolve(path)
            given = vae
            guard header.model.isEmpty || header.model == vae.config.id else {
                throw LatentStreamError.badClip("clip \(header.clip)'s latents were made by the network \(header.model), but \(path) is \(vae.config.id)")
            }
            return vae
        }
        if let vae = loaded[header.model] { return vae }
        if header.model.isEmpty {
            let vae = try DefaultVAE.resolve(nil)
            loaded[""] = vae
            return vae
        }
        guard let vae = try DefaultVAE.find(id: header.model) else {
            let shipped = (try? DefaultVAE.resolve(nil))?.config.id ?? "none found"
            throw LatentStreamError.badClip("clip \(header.clip)'s latents were made by the network \(header.model), which is neither the shipped one (\(shipped)) nor one used on this machine (\(DefaultVAE.registryDirectory() ?? "no cache directory")): choose it with --model")
        }
        loaded[header.model] = vae
        return vae
    }
}
