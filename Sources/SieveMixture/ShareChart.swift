import Foundation

/// The shares of each language per stage as a standalone SVG bar chart: one panel a
/// stage, languages by share, largest first (the 40 largest, then the rest together).
public enum ShareChart {
    public static func svg(_ plan: MixturePlan) -> String {
        let width = 760.0, barHeight = 14.0, left = 110.0, right = 90.0
        var y = 10.0
        var body = ""
        for stage in plan.stages {
            var shares: [String: Double] = [:]
            for t in stage.targets { shares[t.language, default: 0] += t.share }
            var rows = shares.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
            if rows.count > 40 {
                let rest = rows[40...].reduce(0) { $0 + $1.1 }
                rows = Array(rows[..<40]) + [("\(shares.count - 40) others", rest)]
            }
            let largest = max(rows.first?.1 ?? 1, 1e-12)
            body += "<text x=\"10\" y=\"\(y + 14)\" font-weight=\"bold\">\(escape(stage.request.name)): \(stage.request.budget) tokens, \(stage.request.strategy.rawValue)</text>\n"
            y += 24
            for (language, share) in rows {
                let length = (width - left - right) * share / largest
                body += "<text x=\"\(left - 6)\" y=\"\(y + 11)\" text-anchor=\"end\">\(escape(language))</text>"
                body += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(String(format: "%.1f", length))\" height=\"\(barHeight - 3)\" fill=\"#4c78a8\"/>"
                body += "<text x=\"\(String(format: "%.1f", left + length + 4))\" y=\"\(y + 11)\">\(String(format: "%.2f%%", 100 * share))</text>\n"
                y += barHeight
            }
            y += 12
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(y))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            \(body)</svg>

            """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
