import Foundation

/// Lower-case UUID text, the form of EventBridge event ids.
enum UUIDText {
    static func random() -> String { UUID().uuidString.lowercased() }
}
