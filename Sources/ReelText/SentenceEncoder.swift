// The all-MiniLM-L6-v2 sentence encoder: a BERT encoder (6 layers, width 384,
// 12 heads, GELU (erf), post-LayerNorm) followed by mean pooling over the real
// tokens and L2 normalization, as sentence-transformers runs it
// (Transformer -> Pooling(mean) -> Normalize). Inference only.
//
// Port of transformers' BertModel (modeling_bert.py); weight names are its
// state-dict names. Dimension letters: B batch, T tokens, D width (384),
// H heads (12), E head width (32), F feed-forward width (1536).
import Foundation
import ReelNumerics
import ReelSafetensors

/// The BERT hyper-parameters in config.json.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize = 30522
    public var hiddenSize = 384
    public var layerCount = 6
    public var headCount = 12
    public var intermediateSize = 1536
    public var maxPositions = 512
    public var typeVocabularySize = 2
    public var layerNormEpsilon: Float = 1e-12

    public init() {}

    /// Reads config.json; refuses what this port does not implement.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TextError.cannotRead(path: url.path, reason: error.localizedDescription)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TextError.badModelFile(path: url.path, reason: "not a JSON object")
        }
        func int(_ key: String, _ fallback: Int) throws -> Int {
            guard let v = json[key] else { return fallback }
            guard let i = v as? Int, i > 0 else {
                throw TextError.badModelFile(path: url.path, reason: "\(key) is \(v), expected a positive integer")
            }
            return i
        }
        vocabularySize = try int("vocab_size", vocabularySize)
        hiddenSize = try int("hidden_size", hiddenSize)
        layerCount = try int("num_hidden_layers", layerCount)
        headCount = try int("num_attention_heads", headCount)
        intermediateSize = try int("intermediate_size", intermediateSize)
        maxPositions = try int("max_position_embeddings", maxPositions)
        typeVocabularySize = try int("type_vocab_size", typeVocabularySize)
        if let eps = json["layer_norm_eps"] as? Double { layerNormEpsilon = Float(eps) }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw TextError.badModelFile(path: url.path, reason: "hidden_act is \(act), but this encoder implements gelu (erf)")
        }
        if let pos = json["position_embedding_type"] as? String, pos != "absolute" {
            throw TextError.badModelFile(path: url.path, reason: "position_embedding_type is \(pos), expected absolute")
        }
        guard hiddenSize % headCount == 0 else {
            throw TextError.badModelFile(path: url.path, reason: "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(headCount)")
        }
    }

    public var headSize: Int { hiddenSize / headCount }
}

/// A text's encoding: the token ids, the last layer's state of every token,
/// and the pooled, L2-normalized sentence embedding.
public struct SentenceEmbedding: Sendable, Equatable {
    public var ids: [Int32]
    /// (T, D) row-major: one vector per token, [CLS] and [SEP] included.
    public var tokenStates: [Float]
    /// (D): the mean of the token states, scaled to unit length.
    public var pooled: [Float]
    public var dim: Int
    public var tokenCount: Int { ids.count }
}

/// LayerNorm over the last axis with weights loaded from the checkpoint.
struct LoadedLayerNorm {
    let weight: Tensor  // (D)
    let bias: Tensor    // (D)
    let eps: Float
    func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }
}

/// One BERT layer: self-attention and a feed-forward block, each followed by
/// a residual connection and LayerNorm (post-LN).
final class BertLayer {
    let query: Linear, key: Linear, value: Linear, attentionOutput: Linear
    let attentionNorm: LoadedLayerNorm
    let intermediate: Linear, output: Linear
    let outputNorm: LoadedLayerNorm
    let heads: Int

    init(query: Linear, key: Linear, value: Linear, attentionOutput: Linear, attentionNorm: LoadedLayerNorm,
         intermediate: Linear, output: Linear, outputNorm: LoadedLayerNorm, heads: Int) {
        self.query = query; self.key = key; self.value = value; self.attentionOutput = attentionOutput
        self.attentionNorm = attentionNorm; self.intermediate = intermediate; self.output = output
        self.outputNorm = outputNorm; self.heads = heads
    }

    /// x (B,T,D) -> (B,T,D). `mask` marks padding keys (nil: no padding).
    func callAsFunction(_ x: Tensor, mask: AttentionMask?) -> Tensor {
        // Fused scaled dot-product attention over the heads, 1/sqrt(E) scale.
        let context = scaledDotProductAttention(query: query(x), key: key(x), value: value(x),
                                                heads: heads, mask: mask)             // (B,T,D)
        let h = attentionNorm(attentionOutput(context) + x)               // (B,T,D)
        let f = output(gelu(intermediate(h), approximation: .erf))       // (B,T,F) -> (B,T,D)
        return outputNorm(f + h)                                          // (B,T,D)
    }
}

/// all-MiniLM-L6-v2 in Swift: tokenizer, BERT encoder, mean pooling, normalization.
/// @unchecked Sendable: the weights are written once in `init` and only read
/// afterwards (forward passes run without gradients and allocate their own
/// activations), so concurrent `encode` calls share nothing mutable.
public final class SentenceEncoder: @unchecked Sendable {
    public let tokenizer: WordPieceTokenizer
    public let configuration: BertConfiguration
    public let modelDirectory: TextModelDirectory
    let wordEmbeddings: Tensor       // (V,D)
    let positionEmbeddings: Tensor   // (P,D)
    let tokenTypeEmbeddings: Tensor  // (2,D)
    let embeddingNorm: LoadedLayerNorm
    let layers: [BertLayer]

    /// Embedding width (384).
    public var dim: Int { configuration.hiddenSize }

    /// Loads the model from `directory` (see `TextModelDirectory.locate`).
    /// `maxLength` overrides the tokenizer's truncation length (256).
    public init(directory: TextModelDirectory, maxLength: Int? = nil) throws {
        modelDirectory = directory
        let configURL = directory.url.appendingPathComponent("config.json")
        let config = FileManager.default.fileExists(atPath: configURL.path)
            ? try BertConfiguration(contentsOf: configURL) : BertConfiguration()
        configuration = config
        let tok = try WordPieceTokenizer(modelDirectory: directory.url, maxLength: maxLength)
        guard tok.maxLength <= config.maxPositions else {
            throw TextError.badArgument("max length \(tok.maxLength) exceeds the model's \(config.maxPositions) positions")
        }
        guard tok.vocabularySize == config.vocabularySize else {
            throw TextError.badModelFile(path: directory.vocabularyURL.path,
                                         reason: "\(tok.vocabularySize) tokens, but config.json says vocab_size \(config.vocabularySize)")
        }
        tokenizer = tok

        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: directory.weightsURL) } catch {
            throw TextError.badModelFile(path: directory.weightsURL.path, reason: "\(error)")
        }
        let d = config.hiddenSize, f = config.intermediateSize
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            // Checkpoints saved from BertModel have no "bert." prefix; from BertFor* they do.
            let key = file.contains(name) ? name : "bert." + name
            do {
                return Tensor(try file.floats(key, shape: shape), shape: shape)
            } catch {
                throw TextError.badModelFile(path: directory.weightsURL.path, reason: "tensor \(name): \(error)")
            }
        }
        func linear(_ name: String, _ outFeatures: Int, _ inFeatures: Int) throws -> Linear {
            Linear(weight: try tensor(name + ".weight", [outFeatures, inFeatures]), bias: try tensor(name + ".bias", [outFeatures]))
        }
        func norm(_ name: String) throws -> LoadedLayerNorm {
            try LoadedLayerNorm(weight: tensor(name + ".weight", [d]), bias: tensor(name + ".bias", [d]), eps: config.layerNormEpsilon)
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [config.vocabularySize, d])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositions, d])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [config.typeVocabularySize, d])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<config.layerCount).map { i in
            let p = "encoder.layer.\(i)."
            return BertLayer(query: try linear(p + "attention.self.query", d, d),
                             key: try linear(p + "attention.self.key", d, d),
                             value: try linear(p + "attention.self.value", d, d),
                             attentionOutput: try linear(p + "attention.output.dense", d, d),
                             attentionNorm: try norm(p + "attention.output.LayerNorm"),
                             intermediate: try linear(p + "intermediate.dense", f, d),
                             output: try linear(p + "output.dense", d, f),
                             outputNorm: try norm(p + "output.LayerNorm"),
                             heads: config.headCount)
        }
    }

    /// Loads the model found by `TextModelDirectory.locate(explicit:)`.
    public convenience init(modelDirectory explicit: String? = nil, maxLength: Int? = nil) throws {
        try self.init(directory: try TextModelDirectory.locate(explicit: explicit), maxLength: maxLength)
    }

    /// Tokenizes and encodes one text.
    public func encode(_ text: String) -> SentenceEmbedding {
        encode(ids: [tokenizer.encode(text)])[0]
    }

    /// Encodes several texts in one padded batch.
    public func encode(_ texts: [String]) -> [SentenceEmbedding] {
        encode(ids: texts.map { tokenizer.encode($0) })
    }

    /// Encodes token id sequences (each already [CLS] ... [SEP]) as one batch,
    /// padded to the longest with an attention mask. Ids outside the vocabulary
    /// are encoded as [UNK].
    public func encode(ids batch: [[Int32]]) -> [SentenceEmbedding] {
        guard !batch.isEmpty else { return [] }
        let d = dim
        let b = batch.count
        let lengths = batch.map { min($0.count, configuration.maxPositions) }
        let t = max(1, lengths.max() ?? 1)
        return GradMode.withoutGrad {
            // Embeddings: word + position + token type 0, then LayerNorm.
            let x = Tensor(zeros: [b, t, d])                                    // (B,T,D)
            let words = wordEmbeddings.data, positions = positionEmbeddings.data, types = tokenTypeEmbeddings.data
            for (s, ids) in batch.enumerated() {
                for (i, raw) in ids.prefix(lengths[s]).enumerated() {
                    let id = (raw >= 0 && Int(raw) < configuration.vocabularySize) ? Int(raw) : Int(tokenizer.unknownID)
                    let row = x.data + (s * t + i) * d
                    for c in 0..<d { row[c] = words[id * d + c] + positions[i * d + c] + types[c] }
                }
            }
            var h = embeddingNorm(x)                                            // (B,T,D)
            var mask: AttentionMask?
            if lengths.contains(where: { $0 < t }) {                            // padding keys are not attended to
                mask = AttentionMask(keyValid: (0..<b).flatMap { s in (0..<t).map { $0 < lengths[s] } })
            }
            for layer in layers { h = layer(h, mask: mask) }                   // (B,T,D)

            // Mean over real tokens, then L2 normalization (eps 1e-12 as F.normalize).
            return (0..<b).map { s in
                let n = lengths[s]
                let states = Array(UnsafeBufferPointer(start: h.data + s * t * d, count: n * d))  // (T,D)
                var pooled = [Float](repeating: 0, count: d)
                for i in 0..<n { for c in 0..<d { pooled[c] += states[i * d + c] } }
                var norm: Float = 0
                for c in 0..<d { pooled[c] /= Float(max(n, 1)); norm += pooled[c] * pooled[c] }
                let scale = 1 / max(norm.squareRoot(), 1e-12)
                for c in 0..<d { pooled[c] *= scale }
                return SentenceEmbedding(ids: Array(batch[s].prefix(n)), tokenStates: states, pooled: pooled, dim: d)
            }
        }
    }
}
