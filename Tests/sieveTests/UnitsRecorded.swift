import SieveShards

/// Work units a manifest records as done; 0 while it cannot be read yet.
func unitsRecorded(in manifest: String) -> Int {
    (try? Manifest(readingFrom: manifest).query("SELECT count(*) FROM units").rows[0][0].int) ?? 0
}
