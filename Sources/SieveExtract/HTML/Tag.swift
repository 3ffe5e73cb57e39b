/// The HTML elements main-text extraction treats specially; everything else is `.other`
/// and counts as inline.
enum Tag: UInt8 {
    case other, html, body, head, title, meta, link, p, pre, td, th, blockquote, div, section, article, main, a, br,
         form, ul, ol, dl, dd, dt, li, h1, h2, h3, h4, h5, h6, table, tr, tbody, thead, tfoot, caption, header, address,
         figure, figcaption, hr, center, details, summary, nav, button, select, input, textarea, label, aside, footer,
         menu, dialog, canvas, map, noembed, frame, frameset,
         /// Not an element: a text node (no HTML element has this name).
         textNode

    private static let byName: [String: Tag] = {
        var names: [String: Tag] = [:]
        var raw: UInt8 = 1
        while let tag = Tag(rawValue: raw) {
            names["\(tag)"] = tag
            raw += 1
        }
        return names
    }()

    init(name: String) { self = Self.byName[name] ?? .other }

    /// Starts a new line of text; separates paragraphs.
    var isBlock: Bool {
        switch self {
        case .p, .div, .section, .article, .main, .h1, .h2, .h3, .h4, .h5, .h6, .li, .ul, .ol, .dl, .dt, .dd, .table, .tr,
             .pre, .blockquote, .br, .hr, .figure, .figcaption, .header, .address, .center, .body, .html, .tbody, .thead,
             .tfoot, .caption, .details, .summary, .td, .th, .form:
            return true
        default:
            return false
        }
    }

    /// Never part of the main text: controls, embedded objects, and image captions
    /// (photo credits and fragments, not prose).
    var isDropped: Bool {
        switch self {
        case .button, .select, .input, .textarea, .label, .canvas, .map, .noembed, .frame, .frameset, .figcaption:
            return true
        default:
            return false
        }
    }

    /// Page furniture: navigation, side boxes, footers.
    var isFurniture: Bool {
        switch self {
        case .nav, .aside, .footer, .menu, .dialog: return true
        default: return false
        }
    }

    var isHeading: Bool {
        switch self {
        case .h1, .h2, .h3, .h4, .h5, .h6: return true
        default: return false
        }
    }
}
