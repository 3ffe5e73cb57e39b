import Foundation
import SieveFiles
import SieveIO

/// Hugging Face's safetensors format (float32 tensors only): a u64 little-endian header
/// length, a JSON header mapping each name to `dtype`, `shape` and `data_offsets` (begin,
/// end, relative to the end of the header), an optional `__metadata__` of strings, then
/// the tensors' bytes. Names are written sorted, tensors end to end in that order.
public enum Safetensors {
    public struct Tensor: Equatable, Sendable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
            self.shape = shape
            self.values = values
        }
    }

    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let bytes = tensors[name]!.values.count * 4
            header[name] = ["dtype": "F32", "shape": tensors[name]!.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // The data starts 8-byte aligned, as the reference writer pads with spaces.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for name in names { tensors[name]!.values.withUnsafeBytes { bytes += $0 } }  // little-endian platforms only
        try writeFileAtomically(bytes, to: path)
    }

    /// The tensors and the metadata of a file; refuses other dtypes and damaged files.
    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError("\(path): cannot read") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw ModelError("\(path): not a safetensors file (\(bytes.count) bytes)") }
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length <= bytes.count - 8,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any] else {
            throw ModelError("\(path): damaged safetensors header")
        }
        let start = 8 + length
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = value as? [String: String] ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ModelError("\(path): damaged entry \(name)")
            }
            guard entry["dtype"] as? String == "F32" else { throw ModelError("\(path): \(name) is \(entry["dtype"] ?? "?"), only F32 is read") }
            let count = shape.reduce(1, *)
            guard offsets[1] - offsets[0] == 4 * count, start + offsets[1] <= bytes.count, offsets[0] >= 0 else {
                throw ModelError("\(path): \(name) does not fit the file (truncated or damaged)")
            }
            let values = bytes.withUnsafeBytes { raw in
                (0..<count).map { raw.loadUnaligned(fromByteOffset: start + offsets[0] + 4 * $0, as: Float.self) }
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return (tensors, metadata)
    }
}
