import Foundation
import XCTest
@testable import ReelText

/// Golden files written by Scripts/make_text_fixtures.py.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TextError.badModelFile(path: name, reason: "not a JSON object")
        }
        return object
    }

    /// The model directory, or an XCTSkip saying how to get it.
    static func modelDirectory() throws -> TextModelDirectory {
        do {
            return try TextModelDirectory.locate()
        } catch {
            throw XCTSkip("all-MiniLM-L6-v2 is not installed: \(error)")
        }
    }
}
