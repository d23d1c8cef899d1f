/// Case folding for `equals-ignore-case` and the `prefix`/`suffix` ignore-case forms.
///
/// Choice: both the pattern and the event value are mapped scalar by scalar to their simple lowercase (the
/// full lowercase mapping when it is a single scalar, otherwise the scalar itself) and then compared as
/// bytes. Unlike `String.lowercased()` this never changes the length in scalars, so `ß` does not become
/// `ss` and `İ` does not become `i̇`. It is symmetric, where Ruler's per-UTF-16-unit upper-or-lower test is
/// not (Ruler lets pattern `straße` match `STRASSE` but not the reverse); it gives `ÉCOLE` ~ `école`,
/// Kelvin `K` ~ `k`, `ς` ≁ `Σ`, `İ` ≁ `i`, and it does not copy Ruler's bug that fails any non-BMP text.
enum CaseFolding {
    static func fold(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        }
        var folded = String.UnicodeScalarView()
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            folded.append(fold(scalar))
        }
        return Array(String(folded).utf8)
    }

    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return scalar >= "A" && scalar <= "Z" ? Unicode.Scalar(scalar.value | 0x20)! : scalar
        }
        guard scalar.properties.changesWhenLowercased else { return scalar }
        let mapping = scalar.properties.lowercaseMapping.unicodeScalars
        return mapping.count == 1 ? mapping.first! : scalar
    }
}
