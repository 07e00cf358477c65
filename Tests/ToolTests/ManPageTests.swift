import Foundation
import XCTest

/// Every tool has a man page whose OPTIONS section lists exactly the long
/// options its --help shows, and whose sections come in the standard order.
final class ManPageTests: XCTestCase {
    static let sectionOrder = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]

    /// Long options in roff text: `\-\-name` or `--name`.
    static func longOptions(inRoff text: String) -> Set<String> {
        var out = Set<String>()
        let plain = text.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\f[BIRP]", with: "", options: .regularExpression)
        let re = try! NSRegularExpression(pattern: "(?<![A-Za-z0-9-])--[a-z][a-z0-9-]*")
        for m in re.matches(in: plain, range: NSRange(plain.startIndex..., in: plain)) {
            out.insert(String(plain[Range(m.range, in: plain)!]))
        }
        return out
    }

    /// Sections of a man page by `.SH` heading.
    static func sections(_ page: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for chunk in page.components(separatedBy: "\n.SH ").dropFirst() {
            let lines = chunk.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            let title = String(lines[0]).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            result.append((title, lines.count > 1 ? String(lines[1]) : ""))
        }
        return result
    }

    func testEveryToolHasAManPageListingExactlyItsOptions() throws {
        let tools = Tools.allTools
        XCTAssertFalse(tools.isEmpty)
        for tool in tools {
            let pagePath = Tools.packageRoot.appendingPathComponent("man/man1/\(tool).1").path
            guard let page = try? String(contentsOfFile: pagePath, encoding: .utf8) else {
                XCTFail("\(tool) has no man page at man/man1/\(tool).1"); continue
            }
            let secs = Self.sections(page)
            XCTAssertEqual(secs.map { $0.0 }, Self.sectionOrder, "\(tool).1 sections")
            guard let options = secs.first(where: { $0.0 == "OPTIONS" })?.1 else { continue }
            // Options named in .TP paragraph tags (the line after .TP).
            var documented = Set<String>()
            let lines = options.components(separatedBy: "\n")
            for (i, line) in lines.enumerated() where line.hasPrefix(".TP") && i + 1 < lines.count {
                documented.formUnion(Self.longOptions(inRoff: lines[i + 1]))
            }
            _ = try Tools.path(tool)
            let help = try Tools.sh("\(tool) --help")
            XCTAssertEqual(help.status, 0, "\(tool) --help: \(help.stderr)")
            let shown = Self.longOptions(inRoff: help.out)
            XCTAssertEqual(documented, shown,
                           "\(tool): man page documents \(documented.subtracting(shown).sorted()) not in --help; --help shows \(shown.subtracting(documented).sorted()) not in the man page")
        }
    }

    /// Every page renders without a groff warning (a line starting with "." is a macro call:
    /// ".webm or .gif" once swallowed a sentence of reel-decode(1)).
    func testEveryPageRendersWithoutGroffWarnings() throws {
        let man = Tools.packageRoot.appendingPathComponent("man")
        var pages: [String] = []
        for section in ["man1", "man5", "man7"] {
            let dir = man.appendingPathComponent(section)
            for f in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] { pages.append(dir.appendingPathComponent(f).path) }
        }
        XCTAssertGreaterThan(pages.count, 10)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") else { throw Tools.unavailable("groff is not installed (make test installs groff-base)") }
        for page in pages.sorted() {
            let r = try Tools.sh("groff -ww -z -man '\(page)'")
            XCTAssertEqual(r.status, 0, page)
            XCTAssertEqual(r.stderr, "", "\(page): \(r.stderr)")
        }
    }

    func testOverviewAndFormatPagesExist() throws {
        for p in ["man/man7/reel.7", "man/man5/reel.5"] {
            let text = try String(contentsOfFile: Tools.packageRoot.appendingPathComponent(p).path, encoding: .utf8)
            XCTAssertTrue(text.contains(".SH NAME"), p)
        }
    }
}

/// What every tool does with its own command line: --help and --version to a full disk are an
/// I/O error (74), not success; a negative value reaches the tool, which names it.
final class CommandLineTests: XCTestCase {
    func testHelpAndVersionToAFullDeviceExit74() throws {
        for tool in Tools.allTools {
            for flag in ["--help", "--version"] {
                let r = try Tools.sh("\(tool) \(flag) > /dev/full")
                XCTAssertEqual(r.status, 74, "\(tool) \(flag): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("cannot write to standard output"), "\(tool): \(r.stderr)")
            }
            XCTAssertEqual(try Tools.sh("\(tool) --version > /dev/null").status, 0, tool)
        }
    }

    func testNegativeValuesAreNamedNotMissing() throws {
        let r = try Tools.sh("reel-synth --count -3 --out never")
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("-3") && !r.stderr.contains("Missing value"), r.stderr)
        let s = try Tools.sh("reel-prompt-expand 'a red ball' | reel-denoise --frames -1")
        XCTAssertEqual(s.status, 64, s.stderr)
        XCTAssertTrue(s.stderr.contains("--frames -1"), s.stderr)
    }
}
