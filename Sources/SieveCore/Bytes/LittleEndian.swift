extension Array where Element == UInt8 {
    /// Appends `value`'s bytes, little-endian: the byte order of every binary file Sieve
    /// writes (spill files, fingerprint batches).
    @inlinable
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at byte `offset` (no alignment needed).
    @inlinable
    public func loadLittleEndian<T: FixedWidthInteger>(fromByteOffset offset: Int = 0, as type: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
