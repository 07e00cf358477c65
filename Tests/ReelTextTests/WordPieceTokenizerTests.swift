import Foundation
import XCTest
@testable import ReelText

final class WordPieceTokenizerTests: XCTestCase {
    /// Every golden case from Hugging Face's tokenizer, id for id.
    func testMatchesHuggingFaceIDs() throws {
        let model = try Fixtures.modelDirectory()
        let tokenizer = try WordPieceTokenizer(modelDirectory: model.url)
        let golden = try Fixtures.json("tokenizer_ids.json")
        XCTAssertEqual(golden["max_length"] as? Int, tokenizer.maxLength)
        let cases = try XCTUnwrap(golden["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 200)
        var matched = 0
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let expected = try XCTUnwrap(c["ids"] as? [Int]).map(Int32.init)
            let got = tokenizer.encode(text)
            if got == expected {
                matched += 1
            } else {
                XCTFail("\(text.debugDescription): expected \(expected), got \(got)")
            }
        }
        print("tokenizer: \(matched)/\(cases.count) golden cases match Hugging Face exactly")
    }

    /// A small vocabulary shows each rule on its own, without the model files.
    func testRulesOnTinyVocabulary() throws {
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "ball", "##s", "un", "##believ",
                     "##able", ",", "!", "cafe", "日", "本", "x"]
        let t = try WordPieceTokenizer(vocabulary: vocab, maxLength: 6)
        XCTAssertEqual(t.tokenize("Red BALLS!"), ["red", "ball", "##s", "!"])
        XCTAssertEqual(t.tokenize("unbelievable,red"), ["un", "##believ", "##able", ",", "red"])
        XCTAssertEqual(t.tokenize("Café"), ["cafe"])                       // accents stripped
        XCTAssertEqual(t.tokenize("日本"), ["日", "本"])                      // CJK split
        XCTAssertEqual(t.tokenize("redx"), ["[UNK]"])                      // cannot be covered
        XCTAssertEqual(t.tokenize(String(repeating: "x", count: 101)), ["[UNK]"])
        XCTAssertEqual(t.tokenize("red\u{200B}\u{0007}ball"), ["[UNK]"])  // controls dropped: "redball"
        XCTAssertEqual(t.tokenize("red[SEP]ball [sep]"), ["red", "[SEP]", "ball", "[UNK]", "[UNK]", "[UNK]"])
        XCTAssertEqual(t.encode("red ball red ball red"), [2, 5, 6, 5, 6, 3])  // truncated to 6
        XCTAssertEqual(t.encode(""), [2, 3])
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: ["a"]))
    }
}
