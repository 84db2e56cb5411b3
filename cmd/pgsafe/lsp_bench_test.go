package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

// BenchmarkLSPGoChange measures the time from a didChange of an open Go
// buffer to the publishDiagnostics of its version, in BenchmarkLSPChange's
// folder of 500 migrations whose config reads the Go code of the gocode
// corpus (three open-source services, about 9,500 lines in 25 files) and
// one file of its own that reads the middle migration's table with *.
// The change alternates between SELECT * and named columns, so each
// check finds the SQL of the changed package again and checks every
// migration with it. It prints the time; it asserts no speed.
func BenchmarkLSPGoChange(b *testing.B) {
	const n = 500
	dir := b.TempDir()
	files := map[string]string{".pgsafe.toml": "framework = \"golang-migrate\"\ncode = [\"code/**/*.go\"]\n"}
	for i := 1; i <= n; i++ {
		files[fmt.Sprintf("db/migrations/%04d_t%d.up.sql", i, i)] = lspBenchText(i, "v")
	}
	writeLSPFiles(b, dir, files)
	require.NoError(b, os.CopyFS(filepath.Join(dir, "code", "corpus"), os.DirFS("../../internal/gocode/testdata/corpus")))
	goPath := filepath.Join(dir, "code", "store", "store.go")
	goText := func(i int) string {
		cols := "*"
		if i%2 == 1 {
			cols = "id, v, v" + strconv.Itoa(i)
		}
		return "package store\n\nimport \"database/sql\"\n\n// Get reads a row.\nfunc Get(db *sql.DB) error {\n" +
			"\tvar id int64\n\tvar a, b string\n\treturn db.QueryRow(\"SELECT " + cols + " FROM t250\").Scan(&id, &a, &b)\n}\n"
	}
	writeLSPFiles(b, dir, map[string]string{"code/store/store.go": goText(0)})

	c := startLSP(b, dir)
	c.initialize(dir, nil)
	uri := c.openGo(goPath, goText(0))
	if p := c.diagnostics(uri); len(p.Diagnostics) != 1 {
		b.Fatalf("the first check: %+v", p.Diagnostics)
	}
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		c.change(uri, i+2, goText(i+1))
		p := c.diagnostics(uri)
		total += time.Since(start)
		if p.Version == nil || *p.Version != i+2 {
			b.Fatalf("diagnostics of version %v: %+v", p.Version, p.Diagnostics)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/change")
	c.shutdown()
}
