package rewrite_test

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// corpusTools names the tools that run the corpus's migration sets, as
// their projects would set them.
func corpusTools() []tool.Setting {
	under := func(t *tool.Tool, dir string) tool.Setting {
		return tool.Setting{Tool: t, Source: tool.FromConfig, Pattern: dir, Match: func(p string) bool {
			return strings.Contains(filepath.ToSlash(p), "/"+dir+"/")
		}}
	}
	return []tool.Setting{
		under(tool.Popx, "ory__hydra/persistence/sql"),
		under(tool.Popx, "ory__kratos/persistence/sql"),
		under(tool.Popx, "ory__keto/internal/persistence/sql"),
		under(tool.Pop, "supabase__auth/migrations"),
	}
}

func benchOptions() lint.Options {
	all := rules.All()
	return lint.Options{Rules: all, Known: all, Tools: corpusTools(), Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 10000}}
}

// BenchmarkCorpusFix fixes the benchmark input of .ci/bench.sh (in
// memory), with the corpus's tools named, and writes the diff report, as
// `pgsafe fix` does; BenchmarkCorpusLint lints it the same way, for the
// ratio.
func BenchmarkCorpusFix(b *testing.B) {
	files := corpus.BenchmarkInput(b)
	opts := benchOptions()
	for b.Loop() {
		res, err := rewrite.Fix(files, opts, rewrite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := rewrite.Text(io.Discard, res, rewrite.ReportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCorpusLint lints what BenchmarkCorpusFix fixes.
func BenchmarkCorpusLint(b *testing.B) {
	files := corpus.BenchmarkInput(b)
	opts := benchOptions()
	for b.Loop() {
		lint.Run(files, opts)
	}
}
