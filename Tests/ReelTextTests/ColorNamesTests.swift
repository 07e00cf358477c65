import XCTest
import ReelWorld
@testable import ReelText

final class ColorNamesTests: XCTestCase {
    func testTableIsTheCSSList() {
        XCTAssertEqual(ColorNames.css.count, 148)
        XCTAssertEqual(ColorNames.css["maroon"], RGB(128, 0, 0))
        XCTAssertEqual(ColorNames.css["rebeccapurple"], RGB(102, 51, 153))
    }

    func testNearestObjectColour() {
        XCTAssertEqual(ColorNames.objectColor("maroon")?.color, .red)
        XCTAssertEqual(ColorNames.objectColor("teal")?.color, .green)
        XCTAssertEqual(ColorNames.objectColor("chocolate")?.color, .orange)
        // Greys have no hue: white or black, never the nearest hue (silver is nearer pink by RGB).
        XCTAssertEqual(ColorNames.objectColor("silver")?.color, .white)
        XCTAssertEqual(ColorNames.objectColor("dimgray")?.color, .black)
        XCTAssertNil(ColorNames.objectColor("mustard"))
    }

    func testParserReadsCSSNamesAndMotionSynonyms() {
        let p = PromptParser.parse("a maroon ball soaring")
        XCTAssertEqual(p.objects.count, 1)
        XCTAssertEqual(p.objects.first?.color, .red)
        XCTAssertEqual(p.objects.first?.motion, .movesUp)
        XCTAssertTrue(p.unknownWords.isEmpty, "\(p.unknownWords)")
        XCTAssertEqual(PromptParser.parse("an unmoving teal-colored star").objects.first?.motion, .still)
        XCTAssertEqual(PromptParser.parse("an unmoving teal-colored star").objects.first?.color, .green)
        XCTAssertEqual(PromptParser.parse("a ball deflating").objects.first?.motion, .shrinks)
    }
}
