import SwredisConfig
import XCTest

final class SettingsTests: XCTestCase {
    private func kind(_ name: String) -> DirectiveKind? {
        DirectiveTable.all.first { $0.name == name }?.kind
    }

    func testEveryBoolSettingIsABooleanDirective() {
        for setting in BoolSetting.allCases {
            guard case .bool = kind(setting.rawValue) else {
                return XCTFail("\(setting.rawValue): \(String(describing: kind(setting.rawValue)))")
            }
        }
    }

    func testEveryIntSettingIsANumericDirective() {
        for setting in IntSetting.allCases {
            switch kind(setting.rawValue) {
            case .integer, .memory: continue
            default: XCTFail("\(setting.rawValue): \(String(describing: kind(setting.rawValue)))")
            }
        }
    }

    func testEveryStringSettingIsATextOrEnumeratedDirective() {
        for setting in StringSetting.allCases {
            switch kind(setting.rawValue) {
            case .string, .enumeration: continue
            default: XCTFail("\(setting.rawValue): \(String(describing: kind(setting.rawValue)))")
            }
        }
    }

    func testEveryWordsSettingIsAListDirective() {
        for setting in WordsSetting.allCases {
            switch kind(setting.rawValue) {
            case .words, .accumulating: continue
            default: XCTFail("\(setting.rawValue): \(String(describing: kind(setting.rawValue)))")
            }
        }
    }

    func testReadsSeeTheValuesTheFileSet() throws {
        let store = ConfigStore()
        XCTAssertEqual(store[.hz], 10)
        XCTAssertEqual(store[.maxmemoryPolicy], "noeviction")
        try store.apply(name: "hz", arguments: ["50"])
        try store.apply(name: "maxmemory", arguments: ["1mb"])
        try store.apply(name: "appendonly", arguments: ["yes"])
        try store.apply(name: "bind", arguments: ["127.0.0.1", "-::1"])
        XCTAssertEqual(store[.hz], 50)
        XCTAssertEqual(store[.maxmemory], 1024 * 1024)
        XCTAssertTrue(store[.appendonly])
        XCTAssertEqual(store[.bind], ["127.0.0.1", "-::1"])
    }
}
