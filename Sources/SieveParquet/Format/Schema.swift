/// A file's schema as a tree: the footer lists it depth first with child counts. Each
/// node knows its definition and repetition levels, each leaf its column index.
public final class SchemaNode {
    let element: SchemaElement
    let children: [SchemaNode]
    /// Definition level at which this node is present (its optional and repeated
    /// ancestors, itself included); repetition level likewise for repeated ones.
    let definitionLevel: Int
    let repetitionLevel: Int
    /// Leaves only: the index of its column chunk in every row group.
    let column: Int?
    /// Leaves under this node, in column order.
    let leaves: [Int]

    public var name: String { element.name }
    var isLeaf: Bool { children.isEmpty && element.type != nil }

    init(element: SchemaElement, children: [SchemaNode], definitionLevel: Int, repetitionLevel: Int, column: Int?) {
        self.element = element
        self.children = children
        self.definitionLevel = definitionLevel
        self.repetitionLevel = repetitionLevel
        self.column = column
        self.leaves = column.map { [$0] } ?? children.flatMap(\.leaves)
    }

    /// Builds the tree; the root is the first element (its repetition is ignored).
    static func tree(_ elements: [SchemaElement]) throws -> SchemaNode {
        guard !elements.isEmpty else { throw ParquetError.metadata("an empty schema") }
        var next = 0
        var columns = 0
        func build(depth: Int, definition: Int, repetition: Int, isRoot: Bool) throws -> SchemaNode {
            guard next < elements.count else { throw ParquetError.metadata("the schema's child counts run past its elements") }
            guard depth < 64 else { throw ParquetError.metadata("the schema nests deeper than 64") }
            let element = elements[next]
            next += 1
            let d = isRoot ? 0 : definition + (element.repetition == .required ? 0 : 1)
            let r = isRoot ? 0 : repetition + (element.repetition == .repeated ? 1 : 0)
            if element.numChildren == 0 && !isRoot {
                guard element.type != nil else { throw ParquetError.metadata("column \(element.name) has neither a type nor children") }
                defer { columns += 1 }
                return SchemaNode(element: element, children: [], definitionLevel: d, repetitionLevel: r, column: columns)
            }
            guard element.numChildren >= 0, element.numChildren <= elements.count - next else {
                throw ParquetError.metadata("group \(element.name) claims \(element.numChildren) children")
            }
            var children: [SchemaNode] = []
            for _ in 0..<element.numChildren {
                children.append(try build(depth: depth + 1, definition: d, repetition: r, isRoot: false))
            }
            return SchemaNode(element: element, children: children, definitionLevel: d, repetitionLevel: r, column: nil)
        }
        let root = try build(depth: 0, definition: 0, repetition: 0, isRoot: true)
        guard next == elements.count else { throw ParquetError.metadata("\(elements.count - next) schema elements outside the tree") }
        return root
    }

    /// Every leaf under this node, depth first.
    var leafNodes: [SchemaNode] { isLeaf ? [self] : children.flatMap(\.leafNodes) }
}
