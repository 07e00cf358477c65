import XCTest
@testable import ReelWorld

final class VocabularyTests: XCTestCase {
    /// reel-world(7)'s words and colours, copied from the page: the enums must match them exactly.
    func testWordsAndColoursMatchWorldMD() {
        XCTAssertEqual(Background.allCases.map(\.rawValue),
                       ["black", "white", "gray", "navy", "sand", "sky", "sunset", "night", "checker", "stripes"])
        XCTAssertEqual(Shape.allCases.map(\.rawValue), ["ball", "square", "triangle", "star"])
        XCTAssertEqual(ObjectColor.allCases.map(\.rawValue),
                       ["red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black"])
        XCTAssertEqual(ObjectSize.allCases.map(\.rawValue), ["small", "medium", "large"])
        XCTAssertEqual(ObjectSize.allCases.map(\.fraction), [0.15, 0.25, 0.40])
        XCTAssertEqual(Motion.allCases.map(\.rawValue),
                       ["still", "moves left", "moves right", "moves up", "moves down",
                        "bounces", "circles", "grows", "shrinks", "spins"])
        XCTAssertEqual(Speed.allCases.map(\.rawValue), ["slowly", "quickly"])
        XCTAssertEqual(Speed.allCases.map(\.value), [0.25, 0.6])
        XCTAssertEqual(Camera.allCases.map(\.rawValue), ["static", "pans left", "pans right"])

        let colours: [ObjectColor: RGB] = [
            .red: RGB(220, 40, 40), .orange: RGB(245, 140, 20), .yellow: RGB(240, 220, 40),
            .green: RGB(40, 170, 60), .blue: RGB(40, 80, 230), .purple: RGB(140, 60, 200),
            .pink: RGB(245, 120, 190), .white: RGB(245, 245, 245), .black: RGB(15, 15, 15),
        ]
        for c in ObjectColor.allCases { XCTAssertEqual(c.rgb, colours[c], c.rawValue) }
        XCTAssertEqual(Background.black.kind, .solid(RGB(12, 12, 16)))
        XCTAssertEqual(Background.white.kind, .solid(RGB(244, 244, 240)))
        XCTAssertEqual(Background.gray.kind, .solid(RGB(128, 128, 128)))
        XCTAssertEqual(Background.navy.kind, .solid(RGB(20, 30, 80)))
        XCTAssertEqual(Background.sand.kind, .solid(RGB(220, 200, 150)))
        XCTAssertEqual(Background.sky.kind, .gradient(top: RGB(90, 160, 230), bottom: RGB(190, 220, 250)))
        XCTAssertEqual(Background.sunset.kind, .gradient(top: RGB(250, 150, 60), bottom: RGB(120, 50, 130)))
        XCTAssertEqual(Background.night.kind, .gradient(top: RGB(5, 5, 25), bottom: RGB(30, 30, 70)))
        XCTAssertEqual(Background.checker.kind, .pattern(RGB(100, 100, 100), RGB(150, 150, 150)))
        XCTAssertEqual(Background.stripes.kind, .pattern(RGB(200, 200, 200), RGB(120, 120, 120)))
    }

    func testSynonymsMapToCanonicalWords() {
        for w in ["circle", "sphere", "ball", "balls", "circles"] where w != "circles" {
            XCTAssertEqual(Vocabulary.term(for: w), .shape(.ball), w)
        }
        for w in ["box", "cube", "block", "square", "boxes", "cubes"] {
            XCTAssertEqual(Vocabulary.term(for: w), .shape(.square), w)
        }
        XCTAssertEqual(Vocabulary.term(for: "crimson"), .color(.red))
        XCTAssertEqual(Vocabulary.term(for: "violet"), .color(.purple))
        XCTAssertEqual(Vocabulary.term(for: "big"), .size(.large))
        XCTAssertEqual(Vocabulary.term(for: "tiny"), .size(.small))
        XCTAssertEqual(Vocabulary.term(for: "fast"), .speed(.quickly))
        XCTAssertEqual(Vocabulary.term(for: "Moving  Left"), .motion(.movesLeft))
        XCTAssertEqual(Vocabulary.term(for: "circles"), .motion(.circles))
        XCTAssertEqual(Vocabulary.terms(in: "A crimson sphere bouncing on a white background, camera panning right."),
                       [.color(.red), .shape(.ball), .motion(.bounces), .background(.white), .camera(.pansRight)])
        XCTAssertEqual(Vocabulary.terms(in: "white cube moves in a circle at night"),
                       [.color(.white), .shape(.square), .motion(.circles), .background(.night)])
        XCTAssertEqual(Vocabulary.terms(in: "nothing here"), [])
        // Every canonical word maps to itself.
        for s in Shape.allCases { XCTAssertEqual(Vocabulary.term(for: s.rawValue), .shape(s)) }
        for c in ObjectColor.allCases { XCTAssertEqual(Vocabulary.term(for: c.rawValue), .color(c)) }
        for m in Motion.allCases { XCTAssertEqual(Vocabulary.term(for: m.rawValue), .motion(m)) }
        for m in Motion.allCases { XCTAssertEqual(Vocabulary.term(for: m.progressive), .motion(m)) }
        for s in Speed.allCases { XCTAssertEqual(Vocabulary.term(for: s.rawValue), .speed(s)) }
        for c in Camera.allCases { XCTAssertEqual(Vocabulary.term(for: c.rawValue), .camera(c)) }
        for b in Background.allCases {
            XCTAssertEqual(Vocabulary.term(for: "\(b.rawValue) background"), .background(b))
            XCTAssertEqual(Vocabulary.terms(in: b.promptPhrase), [.background(b)], b.promptPhrase)
            XCTAssertEqual(Vocabulary.terms(in: b.captionPhrase), [.background(b)], b.captionPhrase)
        }
    }

    func testColourRule() {
        XCTAssertFalse(Background.white.allows(.white))
        XCTAssertFalse(Background.black.allows(.black))
        XCTAssertFalse(Background.sunset.allows(.orange))      // 41 from the gradient's top
        XCTAssertFalse(Background.night.allows(.white))        // the stars
        XCTAssertTrue(Background.white.allows(.red))
        XCTAssertEqual(Background.gray.distance(to: RGB(128, 128, 128)), 0)
        // A colour on the middle of a gradient is at distance 0.
        XCTAssertEqual(Background.sky.distance(to: RGB(140, 190, 240)), 0, accuracy: 1e-9)
        for b in Background.allCases {
            XCTAssertGreaterThanOrEqual(b.allowedColors.count, 3, "\(b.rawValue) must host three distinct colours")
        }
    }
}
