// The ground truth as JSON text (keys sorted, so equal scenes give equal bytes).

import Foundation

extension Scene {
    /// The scene as UTF-8 JSON with sorted keys.
    public func jsonData() throws(WorldError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw .invalidScene("cannot encode as JSON: \(error)")
        }
    }

    /// A scene read from JSON, checked with `validate()`.
    public init(jsonData data: Data) throws(WorldError) {
        let scene: Scene
        do {
            scene = try JSONDecoder().decode(Scene.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidScene("not valid JSON: \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidScene("missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidScene("wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .invalidScene("missing value at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw .invalidScene("\(error)")
        }
        try scene.validate()
        self = scene
    }
}
