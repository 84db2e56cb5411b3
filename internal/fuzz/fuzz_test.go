package fuzz_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlgen"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// runners are the tools a fuzzed file is read as, each with a path that
// its naming accepts: they differ in the transactions a file runs in, and
// so in what the fixes rewrite.
var runners = []struct {
	tool *tool.Tool
	path string
}{
	{tool.Psql, "db/001_fuzz.sql"},
	{tool.Goose, "db/00001_fuzz.sql"},
	{tool.GolangMigrate, "db/000001_fuzz.up.sql"},
	{tool.TransactionPerFile, "db/001_fuzz.sql"},
	{tool.Dbmate, "db/20240101000000_fuzz.sql"},
}

// options are lint's options with every rule, the file read as runner r.
func options(r int) lint.Options {
	all := rules.All()
	return lint.Options{
		Rules: all, Known: all,
		Rule:  rules.Options{PGVersion: 15, LockTimeout: "2s", StatementTimeout: "5min", BatchSize: 1000},
		Tools: []tool.Setting{{Tool: runners[r].tool, Source: tool.FromFlag}},
	}
}

// seedTexts are the SQL texts the fuzz tests start from: every rule
// fixture, generated DDL, and inputs that were hostile before.
func seedTexts(tb testing.TB) []string {
	var out []string
	root := filepath.Join("..", "..", "fixtures", "rules")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sql") {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			out = append(out, string(b))
		}
		return err
	})
	require.NoError(tb, err)
	require.NotEmpty(tb, out, "no rule fixtures under %s", root)
	out = append(out,
		sqlgen.DDL(sqlgen.Options{Size: 2000, Tx: true}),
		sqlgen.DDL(sqlgen.Options{Size: 2000, OneLine: true}),
		sqlparse.BOM+"CREATE INDEX i ON t (c);",
		"SELECT 1; SELEC 2;",
		"CREATE INDEX i ON t (c) -- no semicolon",
		"BEGIN; CREATE INDEX i ON t (c); ROLLBACK; COMMIT;",
		"ALTER TABLE t ADD COLUMN x int DEFAULT 1"+strings.Repeat("+1", 3000)+";",
		"SELECT 'unterminated",
		"/* open comment",
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1"+strings.Repeat("+1", 3000)+"; END $$;",
	)
	return out
}

// corpusSeeds returns a sample of the shared corpus, when it is at hand:
// every 25th file outside the PostgreSQL regression suite, at most 20 KB
// of each.
func corpusSeeds() []string {
	dir, err := corpus.Find(".", os.Getenv)
	if err != nil {
		return nil
	}
	paths, err := corpus.Files(dir, corpus.RegressionSuite)
	if err != nil {
		return nil
	}
	var out []string
	for i := 0; i < len(paths); i += 25 {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(paths[i])))
		if err != nil {
			continue
		}
		if len(b) > 20000 {
			b = b[:20000]
		}
		out = append(out, string(b))
	}
	return out
}

// FuzzLint lints and fixes a file, read as one of the runners, and
// requires that neither panics and that every file fix leaves parses.
func FuzzLint(f *testing.F) {
	seeds := append(seedTexts(f), corpusSeeds()...)
	for i, s := range seeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, text string, runner uint8) {
		if !sqlparse.ValidUTF8([]byte(text)) || len(text) > 200000 {
			t.Skip("pgsafe reads only UTF-8 text without NUL bytes; large inputs slow the search down")
		}
		r := int(runner) % len(runners)
		opts := options(r)
		files := []source.File{{Path: runners[r].path, Text: text}}
		lint.Run(files, opts)
		res, err := rewrite.Fix(files, opts, rewrite.Options{Unsafe: true})
		if err != nil {
			t.Fatalf("fix: %v\ninput:\n%s", err, text)
		}
		for _, out := range res.Files {
			if !out.Changed() || !strings.HasSuffix(out.Path, ".sql") {
				continue
			}
			if e := sqlparse.Parse(out.Fixed).Err; e != nil {
				t.Fatalf("fix left %s unparseable: %s\ninput:\n%s\noutput:\n%s", out.Path, e.Message, text, out.Fixed)
			}
		}
	})
}

// FuzzDeep parses and lints a statement that repeats open n times, then
// mid, then close n times, such as "(" "1" ")" or "" "1" "+1": nested
// and chained far deeper than a migration is. It requires that the
// process survives: pg_query must never see a statement deep enough to
// overflow its stack.
func FuzzDeep(f *testing.F) {
	shapes := [][3]string{
		{"", "1", "+1"}, {"", "'a'", " || 'a'"}, {"(", "1", ")"}, {"(1+", "1", ")"}, {"(", "1", "+1)"},
		{"NOT ", "true", ""}, {"- ", "a", ""}, {"", "1", "::int"}, {"", "'a'", ` COLLATE "C"`},
		{"CASE WHEN a THEN ", "1", " END"}, {"CASE WHEN a THEN 1 ELSE ", "1", " END + 1"},
		{"(SELECT ", "1", ")"}, {"", "1", " UNION ALL SELECT 1"}, {"ARRAY[", "1", "]"}, {"f(", "1", ")"},
		{"", "a", " IS NULL"}, {"", "1 FROM t0", " JOIN t ON a = b AND c = d"}, {"", "a = 1", " OR a = 1"},
	}
	for _, s := range shapes {
		for _, n := range []uint16{2000, 30000} {
			f.Add(s[0], s[1], s[2], n)
		}
	}
	f.Fuzz(func(t *testing.T, open, mid, closer string, n uint16) {
		if len(open)+len(closer) > 40 || len(mid) > 100 {
			t.Skip("keeps each input under 3 MB")
		}
		var b strings.Builder
		b.WriteString("SELECT 1;\nALTER TABLE t ADD COLUMN x int DEFAULT ")
		for range n {
			b.WriteString(open)
		}
		b.WriteString(mid)
		for range n {
			b.WriteString(closer)
		}
		b.WriteString(";\nSELECT 2;\n")
		text := b.String()
		if !sqlparse.ValidUTF8([]byte(text)) {
			t.Skip()
		}
		res := sqlparse.Parse(text)
		if res.Err != nil && res.Err.Offset < len("SELECT 1;\n") {
			t.Fatalf("error placed before the statement: %v", res.Err)
		}
		lint.Run([]source.File{{Path: runners[0].path, Text: text}}, options(0))
	})
}
