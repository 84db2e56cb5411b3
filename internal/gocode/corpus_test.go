package gocode

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// corpora are the services under testdata/corpus (see its README).
var corpora = []string{"miniflux", "shiori", "pgwatch"}

// loadCorpus reads every Go file of one corpus.
func loadCorpus(t testing.TB, name string) []source.File {
	t.Helper()
	var files []source.File
	root := filepath.Join("testdata", "corpus", name)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, source.File{Path: path, Text: string(b)})
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// sqlStart matches the start of a string literal's text that reads as a
// SQL statement.
var sqlStart = regexp.MustCompile(`(?is)^\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)\b`)

// TestCorpus runs Extract over real services' Go files: no file fails, the
// complete queries all parse, and every string literal that reads as a
// SQL statement is part of a query found. The counts go to the test log.
func TestCorpus(t *testing.T) {
	for _, name := range corpora {
		t.Run(name, func(t *testing.T) {
			files := loadCorpus(t, name)
			got, errs := Extract(files)
			require.Empty(t, errs)
			queries, partial, partialParse, literal, reads, named := 0, 0, 0, 0, 0, 0
			var failures []string
			texts := map[string]string{}
			for _, f := range files {
				texts[f.Path] = f.Text
			}
			for _, f := range got {
				assertAligned(t, texts[f.Path], f)
				lines := sqlparse.NewLines(f.SQL)
				for _, q := range f.Queries {
					queries++
					if q.Literal {
						literal++
					}
					if q.Read != nil {
						reads++
					}
					if len(q.Names) > 0 {
						named++
					}
					if q.Partial {
						partial++
						if sqlparse.Valid(f.SQL[q.Start:q.End]) {
							partialParse++
						}
						continue
					}
					if res := sqlparse.Parse(f.SQL[q.Start:q.End]); res.Err != nil {
						p := lines.Position(q.Start)
						failures = append(failures, f.Path+":"+itoa(p.Line)+": "+res.Err.Message)
					}
				}
			}
			missed := missedLiterals(t, files, got)
			t.Logf("%s: %d Go files, %d send SQL; %d queries (%d single literals, %d partial of which %d parse with their stand-ins, %d with a known read, %d holding the text of constants or variables); %d complete queries fail to parse; %d SQL-looking literals not found",
				name, len(files), len(got), queries, literal, partial, partialParse, reads, named, len(failures), len(missed))
			for _, f := range failures {
				t.Log("parse failure: " + f)
			}
			for _, m := range missed {
				t.Log("not found: " + m)
			}
			assert.Empty(t, failures, "complete queries that do not parse")
			assert.Empty(t, missed, "SQL literals that no query covers")
			assert.NotZero(t, queries)
		})
	}
}

// assertAligned checks that a File's SQL is aligned with its source: the
// same length, newlines where the source has them, and outside the
// queries' spans nothing but blanks and the ';' that ends each query.
func assertAligned(t *testing.T, src string, f File) {
	t.Helper()
	require.Len(t, f.SQL, len(src), f.Path)
	inQuery := make([]bool, len(src))
	for _, q := range f.Queries {
		for i := q.Start; i < q.End; i++ {
			inQuery[i] = true
		}
	}
	for i := range src {
		if (src[i] == '\n') != (f.SQL[i] == '\n') {
			t.Fatalf("%s: newline not kept at byte %d", f.Path, i)
		}
		if !inQuery[i] && f.SQL[i] != ' ' && f.SQL[i] != '\n' && f.SQL[i] != ';' {
			t.Fatalf("%s: byte %d (%q) outside every query is not blank", f.Path, i, f.SQL[i])
		}
	}
}

// missedLiterals returns the string literals of files that read as SQL
// statements and that no query's span covers.
func missedLiterals(t *testing.T, files []source.File, got []File) []string {
	t.Helper()
	spans := map[string][]Query{}
	for _, f := range got {
		spans[f.Path] = f.Queries
	}
	var missed []string
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Path, f.Text, parser.SkipObjectResolution)
		require.NoError(t, err)
		tf := fset.File(af.Pos())
		ast.Inspect(af, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || !sqlStart.MatchString(lit.Value[1:len(lit.Value)-1]) {
				return true
			}
			off := tf.Offset(lit.Pos()) + 1
			for _, q := range spans[f.Path] {
				if off >= q.Start && off < q.End {
					return true
				}
			}
			missed = append(missed, fset.Position(lit.Pos()).String())
			return true
		})
	}
	return missed
}

func itoa(n int) string { return strconv.Itoa(n) }

// BenchmarkExtract runs Extract over the corpora and reports the time per
// 10,000 lines of Go: as a run of pgsafe pays it (the go command asked
// once for the standard library's export data), as the language server
// pays it on each edit after the first (the go command's answer kept for
// the process: stdExports), and with the importer made once and reused,
// which is the cost of the extraction itself.
func BenchmarkExtract(b *testing.B) {
	var files []source.File
	lines := 0
	for _, name := range corpora {
		for _, f := range loadCorpus(b, name) {
			files = append(files, f)
			lines += strings.Count(f.Text, "\n")
		}
	}
	var shared types.Importer
	reuse := func(fset *token.FileSet, afs []*ast.File) types.Importer {
		if shared == nil {
			shared = stdImporter(fset, afs)
		}
		return shared
	}
	for _, bench := range []struct {
		name string
		run  func() ([]File, []error)
	}{
		{"run", func() ([]File, []error) {
			stdExports = &exportCache{files: map[string]string{}, asked: map[string]bool{}}
			return Extract(files)
		}},
		{"exports-kept", func() ([]File, []error) { return Extract(files) }},
		{"importer-reused", func() ([]File, []error) { return extract(files, reuse) }},
	} {
		b.Run(bench.name, func(b *testing.B) {
			_, _ = bench.run() // warm the go command's cache and the importer
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, errs := bench.run(); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
			per := time.Since(start) / time.Duration(b.N) * 10000 / time.Duration(lines)
			b.ReportMetric(float64(per.Microseconds())/1000, "ms/10kLoC")
			if b.N > 1 {
				b.Logf("%s: %d lines of Go in %d files: %v per 10,000 lines", bench.name, lines, len(files), per)
			}
		})
	}
}
