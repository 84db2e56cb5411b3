package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLSPChange measures the time from a didChange to the
// publishDiagnostics of its version, in a golang-migrate folder of 500
// migrations, for a change in the first, the middle and the last file.
// Each file creates a table and indexes the table of the file before
// (a finding each). It prints
// the time; it asserts no speed.
func BenchmarkLSPChange(b *testing.B) {
	const n = 500
	dir := b.TempDir()
	files := map[string]string{".pgsafe.toml": "framework = \"golang-migrate\"\n"}
	for i := 1; i <= n; i++ {
		files[fmt.Sprintf("db/migrations/%04d_t%d.up.sql", i, i)] = lspBenchText(i, "v")
	}
	writeLSPFiles(b, dir, files)
	for _, at := range []struct {
		name string
		file int
	}{{"first", 1}, {"middle", n / 2}, {"last", n}} {
		b.Run(at.name, func(b *testing.B) {
			c := startLSP(b, dir)
			c.initialize(dir, nil)
			path := filepath.Join(dir, fmt.Sprintf("db/migrations/%04d_t%d.up.sql", at.file, at.file))
			uri := c.open(path, lspBenchText(at.file, "v"))
			c.diagnostics(uri) // the whole folder's first check
			var total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				c.change(uri, i+2, lspBenchText(at.file, fmt.Sprintf("v%d", i)))
				p := c.diagnostics(uri)
				total += time.Since(start)
				if p.Version == nil || *p.Version != i+2 {
					b.Fatalf("diagnostics of version %v: %+v", p.Version, p.Diagnostics)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/change")
			c.shutdown()
		})
	}
}

// lspBenchText is migration i of the benchmark's folder, its column
// named col.
func lspBenchText(i int, col string) string {
	text := fmt.Sprintf("CREATE TABLE t%d (id bigint PRIMARY KEY, v text, %s text);\n", i, col)
	if i > 1 {
		text += fmt.Sprintf("CREATE INDEX t%d_%s ON t%d (v);\n", i-1, col, i-1)
	}
	return text
}
