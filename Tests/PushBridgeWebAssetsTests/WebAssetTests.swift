import Foundation
import Testing

@testable import PushBridgeWebAssets

/// The embedded copies are the repository's files: a file edited without running `Scripts/embed-web-assets` fails here.
@Suite struct WebAssetTests {
    /// The repository's root, found from this file's path so the test runs from any working directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: WebAsset.all.filter(\.isVerbatim).map(\.path))
    func embeddedTextIsTheFile(path: String) throws {
        let asset = try #require(WebAsset.served(at: path))
        let file = try String(contentsOf: Self.root.appendingPathComponent(asset.source), encoding: .utf8)
        #expect(asset.text == file, "\(asset.source) changed since it was embedded: run Scripts/embed-web-assets")
    }

    /// The JSON forms are converted from the YAML files; the integration tests compare them with the parsed YAML.
    @Test func jsonFormsParseAsJSONObjects() throws {
        for asset in WebAsset.all where !asset.isVerbatim {
            let object = try JSONSerialization.jsonObject(with: Data(asset.text.utf8))
            #expect(object is [String: Any], "\(asset.path) is not a JSON object")
        }
    }

    @Test func servedPathsAreDistinct() {
        #expect(Set(WebAsset.all.map(\.path)).count == WebAsset.all.count)
        #expect(WebAsset.served(at: "/nowhere") == nil)
    }
}
