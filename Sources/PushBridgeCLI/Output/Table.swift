/// An aligned text table: a bold header row, then one line per row, columns padded to their widest cell.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// Colours a cell after padding (so escape codes never break alignment).
    var colour: (_ column: Int, _ cell: String, _ padded: String) -> String = { _, _, padded in padded }

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(style: Style = .stdout) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String], header: Bool) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let last = index == cells.count - 1
                let padded = last ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
                parts.append(header ? style.bold(padded) : colour(index, cell, padded))
            }
            return parts.joined(separator: "  ")
        }
        return ([line(headers, header: true)] + rows.map { line($0, header: false) }).joined(separator: "\n")
    }
}
