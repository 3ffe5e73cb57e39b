#!/usr/bin/env python3
"""Writes Parquet files with pyarrow, and beside each the rows as JSON the way Sieve
reads them, for Tests/SieveParquetTests.

    python3 scripts/parquet-fixtures.py OUTDIR

One table of generated rows (seeded) with every kind of column Sieve maps: strings with
nulls, integers signed and unsigned, floats, booleans, dates, timestamps, decimals,
binary, lists, structs, maps and a list of structs holding lists. It is written once per
codec (none, snappy, gzip, zstd, lz4, which pyarrow writes as LZ4_RAW), data page version (1.0, 2.0), with and without
dictionaries, and with the DELTA and BYTE_STREAM_SPLIT encodings; small pages and row
groups so that every file has many of both; page checksums on. `OUTDIR/NAME.parquet`
and `OUTDIR/NAME.jsonl` (the expected rows), and `OUTDIR/files.txt` listing the names.

The expected JSON follows docs/formats.md: dates and timestamps as ISO 8601 strings
(Python's `isoformat`: microseconds when not zero, `+00:00` for UTC-adjusted timestamps), decimals as numbers, binary as base64, maps as
objects, NaN as null.
"""
import base64, datetime, decimal, json, math, os, random, sys

import pyarrow as pa
import pyarrow.parquet as pq


def table(rows=2500, seed=7):
    rng = random.Random(seed)
    words = ["sieve", "tokens", "Wörter", "日本語", "données", "🙂", "kata", "مرحبا", "line\nbreak", "tab\tquote\""]
    def text(i):
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) + f" #{i}"
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    data = {
        "id": [f"doc-{i:05d}" for i in range(rows)],
        "text": [text(i) for i in range(rows)],
        "lang": [rng.choice(["en", "de", "ja", None]) for _ in range(rows)],
        "n32": pa.array([rng.randint(-2**31, 2**31 - 1) for _ in range(rows)], pa.int32()),
        "n64": pa.array([None if rng.random() < 0.2 else rng.randint(-2**63, 2**63 - 1) for _ in range(rows)], pa.int64()),
        "u32": pa.array([rng.randint(0, 2**32 - 1) for _ in range(rows)], pa.uint32()),
        "u64": pa.array([rng.randint(0, 2**64 - 1) for _ in range(rows)], pa.uint64()),
        "f32": pa.array([rng.uniform(-1e6, 1e6) for _ in range(rows)], pa.float32()),
        "f64": pa.array([float("nan") if i % 97 == 0 else rng.uniform(-1e300, 1e300) for i in range(rows)], pa.float64()),
        "flag": pa.array([None if i % 11 == 0 else rng.random() < 0.5 for i in range(rows)], pa.bool_()),
        "day": pa.array([datetime.date(1900, 1, 1) + datetime.timedelta(days=rng.randint(0, 80000)) for _ in range(rows)], pa.date32()),
        "at": pa.array([epoch + datetime.timedelta(microseconds=rng.randint(-2**50, 2**50)) for _ in range(rows)], pa.timestamp("us", tz="UTC")),
        "local": pa.array([datetime.datetime(2000, 1, 1) + datetime.timedelta(milliseconds=rng.randint(0, 2**40)) for _ in range(rows)], pa.timestamp("ms")),
        "price": pa.array([decimal.Decimal(rng.randint(-10**9, 10**9)) / 100 for _ in range(rows)], pa.decimal128(12, 2)),
        "blob": pa.array([bytes(rng.randrange(256) for _ in range(rng.randint(0, 12))) for _ in range(rows)], pa.binary()),
        "tags": pa.array([None if i % 13 == 0 else [rng.choice(words) for _ in range(rng.randint(0, 4))] for i in range(rows)], pa.list_(pa.string())),
        "counts": pa.array([[rng.randint(-5, 5) for _ in range(rng.randint(0, 3))] for _ in range(rows)], pa.list_(pa.int64())),
        "meta": pa.array([None if i % 17 == 0 else {"a": rng.randint(0, 9), "b": rng.choice(words + [None])} for i in range(rows)],
                         pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "attrs": pa.array([[(rng.choice(["k1", "k2", "k3"]) + str(j), rng.randint(0, 99)) for j in range(rng.randint(0, 3))] for _ in range(rows)],
                          pa.map_(pa.string(), pa.int32())),
        "nested": pa.array([[{"x": rng.randint(0, 9), "y": [rng.choice(words) for _ in range(rng.randint(0, 2))]}
                             for _ in range(rng.randint(0, 2))] for _ in range(rows)],
                           pa.list_(pa.struct([("x", pa.int16()), ("y", pa.list_(pa.string()))]))),
    }
    return pa.table(data)


def expected(value, kind):
    """A Python value as pyarrow gives it for an Arrow type, in Sieve's JSON."""
    if value is None:
        return None
    if pa.types.is_map(kind):
        return {str(k): expected(v, kind.item_type) for k, v in value}
    if pa.types.is_list(kind):
        return [expected(x, kind.value_type) for x in value]
    if pa.types.is_struct(kind):
        return {kind.field(i).name: expected(value[kind.field(i).name], kind.field(i).type) for i in range(kind.num_fields)}
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


VARIANTS = [
    # name, write_table options
    ("plain-none-v1", dict(compression="none", use_dictionary=False, data_page_version="1.0")),
    ("dict-snappy-v1", dict(compression="snappy", use_dictionary=True, data_page_version="1.0")),
    ("dict-gzip-v2", dict(compression="gzip", use_dictionary=True, data_page_version="2.0")),
    ("plain-zstd-v2", dict(compression="zstd", use_dictionary=False, data_page_version="2.0")),
    ("dict-zstd-v1", dict(compression="zstd", use_dictionary=True, data_page_version="1.0")),
    ("delta-snappy-v2", dict(compression="snappy", use_dictionary=False, data_page_version="2.0",
                             column_encoding={"id": "DELTA_BYTE_ARRAY", "text": "DELTA_LENGTH_BYTE_ARRAY",
                                              "n32": "DELTA_BINARY_PACKED", "n64": "DELTA_BINARY_PACKED",
                                              "u64": "DELTA_BINARY_PACKED", "f32": "BYTE_STREAM_SPLIT",
                                              "f64": "BYTE_STREAM_SPLIT", "lang": "DELTA_BYTE_ARRAY"})),
    ("dict-lz4-v2", dict(compression="lz4", use_dictionary=True, data_page_version="2.0")),
    ("plain-lz4-v1", dict(compression="lz4", use_dictionary=False, data_page_version="1.0")),
    ("delta-none-v1", dict(compression="none", use_dictionary=False, data_page_version="1.0",
                           column_encoding={"id": "DELTA_BYTE_ARRAY", "text": "DELTA_LENGTH_BYTE_ARRAY",
                                            "n32": "DELTA_BINARY_PACKED", "n64": "DELTA_BINARY_PACKED"})),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    t = table()
    rows = t.to_pylist()
    kinds = {field.name: field.type for field in t.schema}
    lines = "".join(json.dumps({k: expected(v, kinds[k]) for k, v in row.items()}, ensure_ascii=False) + "\n" for row in rows)
    names = []
    for name, options in VARIANTS:
        pq.write_table(t, os.path.join(out, name + ".parquet"), row_group_size=700, data_page_size=8192,
                       write_page_checksum=True, **options)
        with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as f:
            f.write(lines)
        names.append(name)
    with open(os.path.join(out, "files.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    print(f"{len(names)} files of {len(rows)} rows in {out} (pyarrow {pa.__version__})")


if __name__ == "__main__":
    main()
