#!/usr/bin/env python3
"""Reads Megatron-LM IndexedDataset pairs (PREFIX.bin / PREFIX.idx) independently of
Sieve, following megatron/core/datasets/indexed_dataset.py (_IndexReader and
_MMapBinReader): numpy.frombuffer over the index, numpy.memmap over the tokens.

Usage: read-megatron-shard.py [--megatron] PREFIX...
Prints one JSON line per sequence, {"ids": [...]}, prefixes in the order given; with
--megatron, reads each pair a second time with megatron-core's own IndexedDataset (needs megatron-core and torch)
and fails unless both agree. Used by the tests and Benchmarks/shards.
"""
import json
import struct
import sys

import numpy

HEADER = b"MMIDIDX\x00\x00"
DTYPES = {1: numpy.uint8, 2: numpy.int8, 3: numpy.int16, 4: numpy.int32, 5: numpy.int64,
          6: numpy.float64, 7: numpy.float32, 8: numpy.uint16}


def read(prefix):
    with open(prefix + ".idx", "rb") as stream:
        assert stream.read(9) == HEADER, "bad header"
        version, = struct.unpack("<Q", stream.read(8))
        assert version == 1, "bad version"
        code, = struct.unpack("<B", stream.read(1))
        dtype = DTYPES[code]
        sequence_count, = struct.unpack("<Q", stream.read(8))
        document_count, = struct.unpack("<Q", stream.read(8))
        offset = stream.tell()
    buffer = memoryview(numpy.memmap(prefix + ".idx", mode="r", order="C"))
    lengths = numpy.frombuffer(buffer, dtype=numpy.int32, count=sequence_count, offset=offset)
    pointers = numpy.frombuffer(buffer, dtype=numpy.int64, count=sequence_count, offset=offset + lengths.nbytes)
    documents = numpy.frombuffer(buffer, dtype=numpy.int64, count=document_count,
                                 offset=offset + lengths.nbytes + pointers.nbytes)
    assert offset + lengths.nbytes + pointers.nbytes + documents.nbytes == len(buffer), "index size"
    assert documents[0] == 0 and documents[-1] == sequence_count, "document indices"
    tokens = numpy.memmap(prefix + ".bin", mode="r", order="C")
    assert len(tokens) == int(lengths.sum()) * numpy.dtype(dtype).itemsize, "bin size"
    data = memoryview(tokens)
    return [numpy.frombuffer(data, dtype=dtype, count=int(n), offset=int(p)).tolist()
            for n, p in zip(lengths, pointers)]


def main():
    megatron = "--megatron" in sys.argv
    for prefix in [a for a in sys.argv[1:] if a != "--megatron"]:
        sequences = read(prefix)
        if megatron:
            from megatron.core.datasets.indexed_dataset import IndexedDataset
            dataset = IndexedDataset(prefix)
            assert len(dataset) == len(sequences)
            for i, ids in enumerate(sequences):
                assert dataset[i].tolist() == ids, f"{prefix}: sequence {i} differs"
        for ids in sequences:
            sys.stdout.write(json.dumps({"ids": ids}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
