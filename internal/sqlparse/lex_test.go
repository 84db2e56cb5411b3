package sqlparse_test

import (
	"os"
	"path/filepath"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// scannerView is what pg_query's own scanner says about a text: its
// comment tokens, and for each statement the span from its first to its
// last token that is not a comment.
func scannerView(t *testing.T, text string) (comments []sqlparse.Span, spans []sqlparse.Span) {
	t.Helper()
	scan, err := pg.Scan(text)
	require.NoError(t, err)
	tree, err := pg.Parse(text)
	require.NoError(t, err)
	toks := scan.GetTokens()
	isComment := func(tk *pg.ScanToken) bool {
		return tk.GetToken() == pg.Token_SQL_COMMENT || tk.GetToken() == pg.Token_C_COMMENT
	}
	for _, tk := range toks {
		if isComment(tk) {
			comments = append(comments, sqlparse.Span{Start: int(tk.GetStart()), End: int(tk.GetEnd())})
		}
	}
	for _, rs := range tree.GetStmts() {
		loc, end := int(rs.GetStmtLocation()), len(text)
		if rs.GetStmtLen() > 0 {
			end = loc + int(rs.GetStmtLen())
		}
		sp := sqlparse.Span{Start: -1}
		for _, tk := range toks {
			if int(tk.GetStart()) >= loc && int(tk.GetStart()) < end && !isComment(tk) {
				if sp.Start < 0 {
					sp.Start = int(tk.GetStart())
				}
				sp.End = int(tk.GetEnd())
			}
		}
		spans = append(spans, sp)
	}
	return comments, spans
}

// parserView is what Parse says about the same text.
func parserView(res *sqlparse.Result) (comments []sqlparse.Span, spans []sqlparse.Span) {
	for _, c := range res.Comments {
		comments = append(comments, c.Span)
	}
	for _, st := range res.Statements {
		spans = append(spans, st.Span)
	}
	return comments, spans
}

// TestCommentsMatchScanner checks that the comments and statement spans
// Parse finds without pg_query's scanner are the scanner's, on tricky
// texts and on every file of the shared corpus that parses.
func TestCommentsMatchScanner(t *testing.T) {
	texts := []string{
		"SELECT 'a--b', \"c/*d\" -- real\nFROM t; /* one /* nested */ still */ SELECT 1",
		"SELECT E'it\\'s -- not a comment' /* c */;\nSELECT 'it''s /* not */ either';",
		"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; -- inside $$ $b$\n$body$ LANGUAGE sql; -- after",
		"SELECT $1::int, a$b$ FROM t$x -- $c$ not a quote\n;",
		"SELECT U&'d\\0061t\\+000061' /* u */, B'101', X'1F', N'n', e'\\\\' -- end",
		"select 1 --\r\n; select 2 /**/;\t-- trailing",
		"SELECT $$a$$, $q$b$$q$ -- c\n",
	}
	for _, text := range texts {
		res := sqlparse.Parse(text)
		require.Nil(t, res.Err, text)
		wantC, wantS := scannerView(t, text)
		gotC, gotS := parserView(res)
		assert.Equal(t, wantC, gotC, "comments of %q", text)
		assert.Equal(t, wantS, gotS, "spans of %q", text)
	}

	dir := corpus.Locate(t)
	paths, err := corpus.Files(dir)
	require.NoError(t, err)
	checked := 0
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		require.NoError(t, err)
		text := string(b)
		res := sqlparse.Parse(text)
		if res.Err != nil {
			continue
		}
		if _, err := pg.Scan(text); err != nil {
			continue
		}
		wantC, wantS := scannerView(t, text)
		gotC, gotS := parserView(res)
		if !assert.Equal(t, wantC, gotC, "comments of %s", p) || !assert.Equal(t, wantS, gotS, "spans of %s", p) {
			continue
		}
		checked++
	}
	t.Logf("%d corpus files: the same comments and spans as pg_query's scanner", checked)
	assert.Greater(t, checked, 1500)
}

func TestSemicolons(t *testing.T) {
	for text, want := range map[string]int{
		"SELECT 1":                      0,
		"SELECT 1;":                     1,
		"-- a; b;\nSELECT ';' /* ; */;": 1,
		"CREATE INDEX \"a;b\" ON t (c); SELECT 2;":                      2,
		"DO $$ BEGIN PERFORM 1; END $$;":                                1,
		"SELECT E'\\';';":                                               1,
		"CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b);": 2,
	} {
		assert.Equal(t, want, sqlparse.Semicolons(text), text)
	}
}

func TestWords(t *testing.T) {
	var got []string
	for _, w := range sqlparse.Words(`CREATE /* index */ INDEX "index" ON t$1 (E'index', $$index$$, U&'x') -- index`) {
		got = append(got, w.Text)
	}
	assert.Equal(t, []string{"CREATE", "INDEX", "ON", "t$1", "U"}, got)
}
