import Foundation
import SwredisBytes
import SwredisKeyspace
import XCTest

/// The treap against a sorted array: the same random inserts, removals, pops from either end and score changes, then
/// every query compared.
final class ScoreTreeTests: XCTestCase {
    struct Model {
        var elements: [(member: ByteString, score: Double)] = []

        mutating func insert(_ member: ByteString, _ score: Double) {
            let position =
                elements.firstIndex { !ScoreTree.precedes($0.score, $0.member, score, member) } ?? elements.count
            elements.insert((member, score), at: position)
        }

        mutating func remove(_ member: ByteString) -> Double? {
            guard let position = elements.firstIndex(where: { $0.member == member }) else { return nil }
            return elements.remove(at: position).score
        }
    }

    func testRandomOperationsMatchASortedArray() {
        var generator = SplitMix64(seed: 42)
        var tree = ScoreTree()
        var model = Model()
        for step in 0..<6000 {
            let member = ByteString("m\(Int.random(in: 0..<400, using: &generator))")
            // Few distinct scores, so ties ordered by member are common.
            let score = Double(Int.random(in: -20...20, using: &generator)) / 2
            switch Int.random(in: 0..<4, using: &generator) {
            case 0, 1:
                if let old = model.remove(member) {
                    XCTAssertTrue(tree.remove(member, old))
                }
                tree.insert(member, score)
                model.insert(member, score)
            case 2:
                let first = Bool.random(using: &generator)
                let expected = first ? model.elements.first : model.elements.last
                let popped = tree.removeExtreme(first: first)
                XCTAssertEqual(popped?.member, expected?.member)
                XCTAssertEqual(popped?.score, expected?.score)
                if expected != nil { model.elements.remove(at: first ? 0 : model.elements.count - 1) }
            default:
                if let old = model.remove(member) {
                    XCTAssertTrue(tree.remove(member, old))
                } else {
                    XCTAssertFalse(tree.remove(member, score), "removed an absent member")
                }
            }
            if step % 97 == 0 { assertSame(tree, model) }
        }
        assertSame(tree, model)
    }

    func testAbsentRemovalLeavesSizesIntact() {
        var tree = ScoreTree()
        for value in 0..<100 { tree.insert(ByteString("m\(value)"), Double(value)) }
        XCTAssertFalse(tree.remove(ByteString("m5"), 6))
        XCTAssertFalse(tree.remove(ByteString("zz"), 1000))
        XCTAssertEqual(tree.count, 100)
        for rank in 0..<100 { XCTAssertEqual(tree.element(at: rank)?.score, Double(rank)) }
    }

    func assertSame(_ tree: ScoreTree, _ model: Model, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(tree.count, model.elements.count, file: file, line: line)
        var listed: [(ByteString, Double)] = []
        if tree.count > 0 { tree.forEach(ranks: 0...(tree.count - 1)) { listed.append(($0, $1)) } }
        XCTAssertEqual(listed.map(\.0), model.elements.map(\.member), file: file, line: line)
        XCTAssertEqual(listed.map(\.1), model.elements.map(\.score), file: file, line: line)
        for (rank, element) in model.elements.enumerated() {
            XCTAssertEqual(tree.rank(element.member, element.score), rank, file: file, line: line)
            XCTAssertEqual(tree.element(at: rank)?.member, element.member, file: file, line: line)
        }
        let belowZero = tree.countPreceding { score, _ in score < 0 }
        XCTAssertEqual(belowZero, model.elements.filter { $0.score < 0 }.count, file: file, line: line)
    }
}

/// `%.17g` shortcuts: integral scores skip `vsnprintf` but must print exactly as it would.
final class ScoreFormatTests: XCTestCase {
    func testIntegralShortcutMatchesPrintf() {
        let samples: [Double] = [
            0, -0.0, 1, -1, 42, 1e14, -1e14, 999_999_999_999_999, 1e15, 1e16, 1e17, 1e20, 2.5, -0.5,
            9_007_199_254_740_993, .infinity, -.infinity, .nan, 1e-300,
        ]
        for value in samples {
            let printed =
                value.isNaN ? "nan" : value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(format: "%.17g", value)
            XCTAssertEqual(ScoreFormat.format(value), printed, "\(value)")
            if let integer = ScoreFormat.integral(value) { XCTAssertEqual(String(integer), printed) }
        }
        XCTAssertNil(ScoreFormat.integral(-0.0), "-0 must keep its sign")
        XCTAssertNil(ScoreFormat.integral(1e15))
        XCTAssertEqual(ScoreFormat.integral(-123), -123)
    }
}
