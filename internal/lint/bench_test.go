package lint_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// hydraFiles loads ory/hydra's migration folder from the shared corpus.
func hydraFiles(b *testing.B) []source.File {
	b.Helper()
	dir := corpus.Locate(b)
	files, errs := source.Load([]string{filepath.Join(dir, filepath.FromSlash(corpus.HydraMigrations))}, source.Options{})
	require.Empty(b, errs)
	require.NotEmpty(b, files)
	return files
}

func allRules() lint.Options {
	all := rules.All()
	return lint.Options{Rules: all, Known: all, Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 10000}}
}

func setBytes(b *testing.B, files []source.File) {
	n := 0
	for _, f := range files {
		n += len(f.Text)
	}
	b.SetBytes(int64(n))
}

// BenchmarkHydraParse parses every Hydra migration, one after another,
// with sqlparse.Parse alone: pg_query's parse tree and scanner tokens.
func BenchmarkHydraParse(b *testing.B) {
	files := hydraFiles(b)
	setBytes(b, files)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			if res := sqlparse.Parse(f.Text); res.Err != nil {
				b.Fatalf("%s: %v", f.Path, res.Err)
			}
		}
	}
}

// BenchmarkHydraRead reads every Hydra migration into its migration
// context (parse, framework, transactions), one after another.
func BenchmarkHydraRead(b *testing.B) {
	files := hydraFiles(b)
	setBytes(b, files)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			migration.Read(f.Path, f.Text, migration.Options{Choice: tool.Choice{Tool: tool.Popx, Source: tool.FromFlag}})
		}
	}
}

// BenchmarkHydraLint lints the Hydra migration set with every rule, as
// `pgsafe lint` does: files parsed and checked in parallel on all cores.
func BenchmarkHydraLint(b *testing.B) {
	files := hydraFiles(b)
	opts := allRules()
	setBytes(b, files)
	b.ReportAllocs()
	for b.Loop() {
		lint.Run(files, opts)
	}
}

// BenchmarkHydraLintOneWorker is BenchmarkHydraLint on one goroutine, to
// show what parallelism gains.
func BenchmarkHydraLintOneWorker(b *testing.B) {
	files := hydraFiles(b)
	opts := allRules()
	opts.Workers = 1
	setBytes(b, files)
	b.ReportAllocs()
	for b.Loop() {
		lint.Run(files, opts)
	}
}

// BenchmarkCorpusLint lints the benchmark input of .ci/bench.sh with
// every rule.
func BenchmarkCorpusLint(b *testing.B) {
	files := corpus.BenchmarkInput(b)
	opts := allRules()
	setBytes(b, files)
	b.ReportAllocs()
	for b.Loop() {
		lint.Run(files, opts)
	}
}
