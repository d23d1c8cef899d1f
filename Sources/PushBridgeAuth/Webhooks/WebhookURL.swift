import Foundation

/// Checks a webhook's URL at start, so a typo stops the start instead of refusing every connect later.
public enum WebhookURL {
    /// An absolute `http://` or `https://` URL with a host.
    public static func isValid(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return false }
        return (scheme == "http" || scheme == "https") && !(components.host ?? "").isEmpty
    }
}
