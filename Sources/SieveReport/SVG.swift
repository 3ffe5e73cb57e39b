import Foundation

/// The report's charts, drawn as inline SVG text: no scripts, no fonts or files to fetch.
enum SVG {
    static let palette = ["#3b6ea8", "#d9822b", "#5b9e4d", "#b9474a", "#7d62a8", "#8a6d4f", "#c9699f", "#7a7a7a"]

    /// Horizontal bars, one per row, with the value printed after each bar.
    static func bars(_ rows: [(label: String, value: Double, text: String)]) -> String {
        guard !rows.isEmpty else { return "" }
        // About 7 px a character at 12 px sans-serif, so that labels are not cut.
        let labelWidth = min(360, 12 + 7 * (rows.map(\.label.count).max() ?? 10)), width = labelWidth + 470
        let rowHeight = 18, room = width - labelWidth - 130
        let top = max(rows.map(\.value).max() ?? 1, 1e-12)
        var svg = open(width: width, height: rows.count * rowHeight + 4)
        for (i, row) in rows.enumerated() {
            let y = i * rowHeight + 2
            let length = Int((row.value / top * Double(room)).rounded())
            svg += text(labelWidth - 6, y + 13, row.label, anchor: "end")
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(max(length, row.value > 0 ? 1 : 0))\" height=\"\(rowHeight - 5)\" fill=\"\(palette[0])\"/>"
            svg += text(labelWidth + length + 5, y + 13, row.text, anchor: "start")
        }
        return svg + "</svg>"
    }

    /// The funnel: for each stage, documents in (light) and out (dark).
    static func funnel(_ stages: [(name: String, documentsIn: Int, documentsOut: Int)], width: Int = 640) -> String {
        guard !stages.isEmpty else { return "" }
        let rowHeight = 26, labelWidth = 90, room = width - labelWidth - 150
        let top = Double(max(stages.map(\.documentsIn).max() ?? 1, 1))
        var svg = open(width: width, height: stages.count * rowHeight + 4)
        for (i, stage) in stages.enumerated() {
            let y = i * rowHeight + 2
            let inLength = Int(Double(stage.documentsIn) / top * Double(room))
            let outLength = Int(Double(stage.documentsOut) / top * Double(room))
            svg += text(labelWidth - 6, y + 16, stage.name, anchor: "end")
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(inLength)\" height=\"\(rowHeight - 8)\" fill=\"#c8d6e8\"/>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(outLength)\" height=\"\(rowHeight - 8)\" fill=\"\(palette[0])\"/>"
            svg += text(labelWidth + inLength + 5, y + 16, "\(Format.count(stage.documentsOut)) of \(Format.count(stage.documentsIn))", anchor: "start")
        }
        return svg + "</svg>"
    }

    /// Columns over bins, labelled at both ends.
    static func histogram(_ bins: [Int], from low: String, to high: String, width: Int = 300, height: Int = 90) -> String {
        guard !bins.isEmpty else { return "" }
        let top = Double(max(bins.max() ?? 1, 1)), plot = height - 18
        let column = Double(width) / Double(bins.count)
        var svg = open(width: width, height: height)
        for (i, n) in bins.enumerated() where n > 0 {
            let h = max(1, Int(Double(n) / top * Double(plot - 2)))
            svg += "<rect x=\(q(Format.fixed(Double(i) * column, 1))) y=\"\(plot - h)\" width=\(q(Format.fixed(column - 1, 1))) height=\"\(h)\" fill=\"\(palette[1])\"><title>\(n)</title></rect>"
        }
        svg += "<line x1=\"0\" y1=\"\(plot)\" x2=\"\(width)\" y2=\"\(plot)\" stroke=\"#888\"/>"
        svg += text(0, height - 4, low, anchor: "start") + text(width, height - 4, high, anchor: "end")
        return svg + "</svg>"
    }

    /// A rising line of `points` (x, cumulative y), axes labelled at their ends.
    static func cumulative(_ points: [(x: Double, y: Double)], xLabel: String, yLabel: String, width: Int = 640, height: Int = 180) -> String {
        guard let last = points.last else { return "" }
        let left = 60, bottom = height - 22, plotWidth = width - left - 10
        let maxX = max(last.x, 1e-9), maxY = max(points.map(\.y).max() ?? 1, 1e-9)
        var svg = open(width: width, height: height)
        let path = ([(0.0, 0.0)] + points).map { x, y in
            Format.fixed(Double(left) + x / maxX * Double(plotWidth), 1) + "," + Format.fixed(Double(bottom) - y / maxY * Double(bottom - 8), 1)
        }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"2\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(width - 10)\" y2=\"\(bottom)\" stroke=\"#888\"/>"
        svg += "<line x1=\"\(left)\" y1=\"8\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"#888\"/>"
        svg += text(left - 4, 16, yLabel, anchor: "end") + text(left - 4, bottom, "0", anchor: "end")
        svg += text(width - 10, height - 4, xLabel, anchor: "end")
        return svg + "</svg>"
    }

    /// A grid of cells shaded by value; rows and columns labelled.
    static func heatMap(rows: [String], columns: [String], value: (String, String) -> Int) -> String {
        guard !rows.isEmpty, !columns.isEmpty else { return "" }
        let cell = 22, labelWidth = 150, header = 70
        let top = Double(max(rows.flatMap { r in columns.map { value(r, $0) } }.max() ?? 1, 1))
        var svg = open(width: labelWidth + columns.count * cell + 4, height: header + rows.count * cell + 4)
        for (j, column) in columns.enumerated() {
            let x = labelWidth + j * cell + cell / 2
            svg += "<text x=\"\(x)\" y=\"\(header - 4)\" transform=\"rotate(-60 \(x) \(header - 4))\" font-size=\"11\">\(escape(column))</text>"
        }
        for (i, row) in rows.enumerated() {
            let y = header + i * cell
            svg += text(labelWidth - 6, y + 15, row, anchor: "end")
            for (j, column) in columns.enumerated() {
                let v = value(row, column)
                // Square root: a few large languages must not wash out the rest.
                let shade = v == 0 ? 0 : 0.12 + 0.88 * (Double(v) / top).squareRoot()
                svg += "<rect x=\"\(labelWidth + j * cell)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(palette[0])\" fill-opacity=\(q(Format.fixed(shade, 3)))><title>\(escape(row)) · \(escape(column)): \(Format.count(v)) tokens</title></rect>"
            }
        }
        return svg + "</svg>"
    }

    static func open(width: Int, height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">"
    }

    static func text(_ x: Int, _ y: Int, _ s: String, anchor: String) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\">\(escape(s))</text>"
    }

    static func q(_ s: String) -> String { "\"\(s)\"" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Numbers as the report prints them.
enum Format {
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var value = Double(n), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : fixed(value, value < 10 ? 2 : 1) + " " + units[unit]
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func percent(_ part: Int, of whole: Int) -> String { whole == 0 ? "–" : fixed(100 * Double(part) / Double(whole), 1) + "%" }
}
