package sqlparse_test

import (
	"strings"
	"testing"
	"unicode/utf16"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// TestRawStatementSpans pins what pg_query itself reports, so that a
// parser upgrade that changes it fails here first: StmtLocation starts just
// after the previous semicolon (leading comments and whitespace included),
// StmtLen stops before the semicolon, and StmtLen 0 means "to the end".
func TestRawStatementSpans(t *testing.T) {
	text := "-- lead\nSELECT 1;\n/* block */ SELECT 2 ;\nSELECT 3"
	tree, err := pg.Parse(text)
	require.NoError(t, err)
	raw := tree.GetStmts()
	require.Len(t, raw, 3)

	type loc struct{ location, length int32 }
	got := make([]loc, len(raw))
	for i, r := range raw {
		got[i] = loc{r.GetStmtLocation(), r.GetStmtLen()}
	}
	first := strings.Index(text, ";")
	second := strings.Index(text, " ;") + 1
	assert.Equal(t, []loc{
		{0, int32(first)}, // from the start, comment included, up to the ';'
		{int32(first + 1), int32(second - first - 1)}, // from just after the first ';'
		{int32(second + 1), 0},                        // the last statement has no ';': length 0
	}, got)
}

// extentOf returns the text that a statement's extent covers.
func extentOf(text string, s *sqlparse.Statement) string {
	return text[s.Extent.Start:s.Extent.End]
}

func TestParseSpans(t *testing.T) {
	type want struct {
		span   string // text of Span
		extent string // text of Extent
		semi   bool
	}
	cases := []struct {
		name string
		text string
		want []want
	}{
		{
			name: "leading line comment belongs to the extent, not the span",
			text: "-- create the table\nCREATE TABLE t (id int);\n",
			want: []want{{"CREATE TABLE t (id int)", "-- create the table\nCREATE TABLE t (id int);", true}},
		},
		{
			name: "block comments before and inside a statement",
			text: "SELECT 1;\n/* one\n   two */ SELECT /* inner */ 2 ;",
			want: []want{
				{"SELECT 1", "SELECT 1;", true},
				{"SELECT /* inner */ 2", "\n/* one\n   two */ SELECT /* inner */ 2 ;", true},
			},
		},
		{
			name: "last statement without a semicolon runs to the end of the text",
			text: "SELECT 1;\nSELECT 2\n\n-- trailing comment\n",
			want: []want{
				{"SELECT 1", "SELECT 1;", true},
				{"SELECT 2", "\nSELECT 2\n\n-- trailing comment\n", false},
			},
		},
		{
			name: "comment after the last semicolon belongs to no statement",
			text: "SELECT 1;\n-- the end\n",
			want: []want{{"SELECT 1", "SELECT 1;", true}},
		},
		{
			name: "dollar-quoted body holding semicolons is one statement",
			text: "CREATE FUNCTION f() RETURNS void AS $body$\nBEGIN\n  PERFORM 1;\n  PERFORM 2;\nEND\n$body$ LANGUAGE plpgsql;\nSELECT f();",
			want: []want{
				{"CREATE FUNCTION f() RETURNS void AS $body$\nBEGIN\n  PERFORM 1;\n  PERFORM 2;\nEND\n$body$ LANGUAGE plpgsql",
					"CREATE FUNCTION f() RETURNS void AS $body$\nBEGIN\n  PERFORM 1;\n  PERFORM 2;\nEND\n$body$ LANGUAGE plpgsql;", true},
				{"SELECT f()", "\nSELECT f();", true},
			},
		},
		{
			name: "string literal holding a semicolon",
			text: "INSERT INTO t VALUES ('a;b');SELECT 1;",
			want: []want{
				{"INSERT INTO t VALUES ('a;b')", "INSERT INTO t VALUES ('a;b');", true},
				{"SELECT 1", "SELECT 1;", true},
			},
		},
		{
			name: "multi-byte text before a statement: offsets stay in bytes",
			text: "-- überprüfen: ☃ 🐘\nSELECT 'héllo';\n/* ß */ SELECT 'ĳ';",
			want: []want{
				{"SELECT 'héllo'", "-- überprüfen: ☃ 🐘\nSELECT 'héllo';", true},
				{"SELECT 'ĳ'", "\n/* ß */ SELECT 'ĳ';", true},
			},
		},
		{
			name: "empty statements between semicolons are dropped",
			text: "SELECT 1;; ;\nSELECT 2;",
			want: []want{
				{"SELECT 1", "SELECT 1;", true},
				// pg_query starts the next statement after the last empty one.
				{"SELECT 2", "\nSELECT 2;", true},
			},
		},
		{
			name: "CRLF line ends",
			text: "-- c\r\nSELECT 1;\r\nSELECT\r\n  2\r\n",
			want: []want{
				{"SELECT 1", "-- c\r\nSELECT 1;", true},
				{"SELECT\r\n  2", "\r\nSELECT\r\n  2\r\n", false},
			},
		},
		{
			name: "only comments and whitespace",
			text: "-- nothing here\n/* at all */\n",
			want: []want{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := sqlparse.Parse(tc.text)
			require.Nil(t, res.Err, "parse error")
			got := make([]want, len(res.Statements))
			for i, s := range res.Statements {
				assert.Equal(t, i, s.Index)
				assert.NotNil(t, s.Node)
				got[i] = want{s.Text(tc.text), extentOf(tc.text, s), s.HasSemicolon}
				assert.LessOrEqual(t, s.Extent.Start, s.Span.Start, "span starts before its extent")
				assert.LessOrEqual(t, s.Span.End, s.Extent.End, "span ends after its extent")
				if i > 0 {
					assert.LessOrEqual(t, res.Statements[i-1].Extent.End, s.Extent.Start, "extents overlap")
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseComments(t *testing.T) {
	text := "-- one\nSELECT '-- not a comment', $$ /* nor this */ $$; /* two\n */\nSELECT 1 -- three"
	res := sqlparse.Parse(text)
	require.Nil(t, res.Err)
	var got []string
	for _, c := range res.Comments {
		assert.Equal(t, c.Text, text[c.Start:c.End])
		got = append(got, c.Body())
		assert.Equal(t, strings.HasPrefix(c.Text, "/*"), c.Block)
	}
	assert.Equal(t, []string{"one", "two", "three"}, got)
}

func TestSyntaxErrorOffset(t *testing.T) {
	cases := []struct {
		name string
		text string
		at   string // the text at the error offset
		line int
		col  int // in characters
	}{
		{"ASCII", "SELECT 1;\nSELEC 2;", "SELEC 2", 2, 1},
		{"multi-byte characters earlier on the line", "SELECT 'ééé' FROM WHERE x", "WHERE x", 1, 19},
		{"multi-byte characters on earlier lines", "-- ☃ 🐘 日本語\nSELECT 'ß';\nSELECT 1 FROM FROM t;", "FROM t;", 3, 15},
		{"CRLF and multi-byte", "SELECT 'ö';\r\n\r\nCREATE TABEL ü (x int);", "TABEL", 3, 8},
		{"unterminated string", "SELECT '☃';\nSELECT 'open", "'open", 2, 8},
		{"unterminated block comment", "SELECT 'é'; /* open", "/* open", 1, 13},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := sqlparse.Parse(tc.text)
			require.NotNil(t, res.Err)
			assert.Empty(t, res.Statements)
			assert.True(t, strings.HasPrefix(tc.text[res.Err.Offset:], tc.at), "error at %q, want %q", tc.text[res.Err.Offset:], tc.at)
			pos := sqlparse.NewLines(tc.text).Position(res.Err.Offset)
			assert.Equal(t, sqlparse.Position{Line: tc.line, Column: tc.col}, pos)
			assert.NotEmpty(t, res.Err.Message)
			assert.Empty(t, res.Err.Hint)
		})
	}
}

func TestSyntaxErrorAtEndOfInput(t *testing.T) {
	text := "SELECT ('é'"
	res := sqlparse.Parse(text)
	require.NotNil(t, res.Err)
	assert.Contains(t, res.Err.Message, "end of input")
	assert.Equal(t, len(text), res.Err.Offset)
}

func TestSyntaxErrorTemplateHint(t *testing.T) {
	text := "CREATE TABLE {{ identifier .Parameters.tableName }} (id int);"
	res := sqlparse.Parse(text)
	require.NotNil(t, res.Err)
	assert.Contains(t, res.Err.Hint, "Go-template")
	assert.Equal(t, strings.Index(text, "{{"), res.Err.Offset)
}

func TestLinesPosition(t *testing.T) {
	text := "ab\r\n☃é x\n\n🐘\r\nlast"
	l := sqlparse.NewLines(text)
	cases := []struct {
		at   string // first occurrence in text
		want sqlparse.Position
	}{
		{"ab", sqlparse.Position{Line: 1, Column: 1}},
		{"\r\n☃", sqlparse.Position{Line: 1, Column: 3}},
		{"☃", sqlparse.Position{Line: 2, Column: 1}},
		{"é", sqlparse.Position{Line: 2, Column: 2}},
		{"x", sqlparse.Position{Line: 2, Column: 4}},
		{"\n\n", sqlparse.Position{Line: 2, Column: 5}},
		{"🐘", sqlparse.Position{Line: 4, Column: 1}},
		{"\r\nlast", sqlparse.Position{Line: 4, Column: 2}},
		{"last", sqlparse.Position{Line: 5, Column: 1}},
	}
	for _, tc := range cases {
		off := strings.Index(text, tc.at)
		require.GreaterOrEqual(t, off, 0, tc.at)
		assert.Equal(t, tc.want, l.Position(off), "at %q", tc.at)
		assert.Equal(t, off, l.Offset(tc.want), "offset of %v", tc.want)
	}
	assert.Equal(t, sqlparse.Position{Line: 5, Column: 5}, l.Position(len(text)), "end of text")
	assert.Equal(t, sqlparse.Position{Line: 1, Column: 1}, l.Position(-3), "clamped below")
	assert.Equal(t, sqlparse.Position{Line: 5, Column: 5}, l.Position(len(text)+10), "clamped above")

	assert.Equal(t, "ab", l.Line(1), "CR of CRLF is not part of the line")
	assert.Equal(t, "☃é x", l.Line(2))
	assert.Equal(t, "", l.Line(3))
	assert.Equal(t, "🐘", l.Line(4))
	assert.Equal(t, "last", l.Line(5))
	assert.Equal(t, "", l.Line(0))
	assert.Equal(t, "", l.Line(6))
}

func TestCharToByte(t *testing.T) {
	text := "aé☃🐘b"
	assert.Equal(t, 0, sqlparse.CharToByte(text, 0))
	assert.Equal(t, 1, sqlparse.CharToByte(text, 1))
	assert.Equal(t, 3, sqlparse.CharToByte(text, 2))
	assert.Equal(t, 6, sqlparse.CharToByte(text, 3))
	assert.Equal(t, 10, sqlparse.CharToByte(text, 4))
	assert.Equal(t, len(text), sqlparse.CharToByte(text, 5))
	assert.Equal(t, len(text), sqlparse.CharToByte(text, 50))
	assert.Equal(t, 0, sqlparse.CharToByte(text, -1))
}

func TestValidUTF8(t *testing.T) {
	assert.True(t, sqlparse.ValidUTF8([]byte("SELECT 'é';")))
	assert.False(t, sqlparse.ValidUTF8([]byte("SELECT '\xe9';")))
	assert.False(t, sqlparse.ValidUTF8([]byte("SELECT 1;\x00")))
}

// TestParseSpansSemicolonsInsideStatements covers statements whose grammar
// holds semicolons outside any quotes.
func TestParseSpansSemicolonsInsideStatements(t *testing.T) {
	cases := []struct {
		name  string
		first string
	}{
		{"rule with several actions", "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))"},
		{"SQL-standard function body", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.first + ";\nSELECT 3;"
			res := sqlparse.Parse(text)
			require.Nil(t, res.Err)
			require.Len(t, res.Statements, 2)
			assert.Equal(t, tc.first, res.Statements[0].Text(text))
			assert.True(t, res.Statements[0].HasSemicolon)
			assert.Equal(t, "SELECT 3", res.Statements[1].Text(text))
			assert.Equal(t, "\nSELECT 3;", extentOf(text, res.Statements[1]))
		})
	}
}

// TestSyntaxErrorWithoutPosition covers errors that PostgreSQL's grammar
// raises without a cursor position (pg_query reports Cursorpos 0): the
// error is placed at the start of the statement that fails on its own.
func TestSyntaxErrorWithoutPosition(t *testing.T) {
	cases := []struct {
		name string
		text string
		at   string
	}{
		{"after other statements", "-- ☃\nSELECT 1;\nCREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n-- why\nSELECT JSON_OBJECT('a': 1 RETURNING text FORMAT JSON ENCODING bogus);\nSELECT 3;",
			"SELECT JSON_OBJECT"},
		{"first statement", "SELECT JSON_OBJECT('a': 1 RETURNING text FORMAT JSON ENCODING bogus)", "SELECT JSON_OBJECT"},
		{"last statement without a semicolon", "SELECT 'é';\n  SELECT * FROM t ORDER BY 1 FETCH FIRST 1 ROW WITH TIES FOR UPDATE SKIP LOCKED", "SELECT * FROM t"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := sqlparse.Parse(tc.text)
			require.NotNil(t, res.Err)
			assert.Equal(t, strings.Index(tc.text, tc.at), res.Err.Offset, "error at %q", tc.text[res.Err.Offset:])
		})
	}
}

// TestSpansWithoutComments checks that a text without a comment opener,
// which Parse does not lex for comments, gets the same spans as with a
// comment added, which makes Parse lex it.
func TestSpansWithoutComments(t *testing.T) {
	texts := []string{
		"SELECT 1",
		"  SELECT 1 ;\n\tSELECT\r\n2\f;\n",
		"SELECT 'a  ';SELECT \"b  \"  ;  SELECT $$ x; $$",
		"SELECT 1;; ;\nSELECT 2;",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 'é'\n\n",
		"SELECT E'\\'';  SELECT U&'d\\0061t\\+000061';",
	}
	for _, text := range texts {
		plain := sqlparse.Parse(text)
		require.Nil(t, plain.Err, text)
		require.Empty(t, plain.Comments)
		scanned := sqlparse.Parse(text + "\n/* c */")
		require.Nil(t, scanned.Err, text)
		require.Len(t, scanned.Comments, 1)
		require.Len(t, scanned.Statements, len(plain.Statements), text)
		for i, s := range plain.Statements {
			assert.Equal(t, scanned.Statements[i].Span, s.Span, "%q statement %d", text, i)
			assert.Equal(t, scanned.Statements[i].HasSemicolon, s.HasSemicolon)
		}
	}
}

// TestWarmSQLParses keeps the warm-up text valid SQL, so that Warm does
// the setup it is for rather than stopping at a syntax error.
func TestWarmSQLParses(t *testing.T) {
	res := sqlparse.Parse(sqlparse.WarmSQL)
	require.Nil(t, res.Err)
	assert.Len(t, res.Statements, 15)
}

// TestValidAgreesWithParse: Valid, which skips the trees, finds the
// syntax errors that Parse finds, on tricky inputs and the whole corpus.
func TestValidAgreesWithParse(t *testing.T) {
	texts := []string{"", ";", "SELECT 1", "SELEC 1;", "CREATE TABLE t (a int,);", "DO $$ BEGIN END $$;", "SELECT 'unterminated;",
		"CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2; END;", "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);",
		sqlparse.BOM + "SELECT 1;", "SELECT " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + ";"}
	for _, f := range corpus.BenchmarkInput(t) {
		texts = append(texts, f.Text)
	}
	for _, text := range texts {
		assert.Equal(t, sqlparse.Parse(text).Err == nil, sqlparse.Valid(text), "%.80q", text)
	}
}

// TestLinesColumnsOnLongLines compares columns and UTF-16 offsets with
// counts from the line's and the text's start, on lines far longer than
// the blocks Lines keeps counts for, with characters of every UTF-8
// length across the block boundaries.
func TestLinesColumnsOnLongLines(t *testing.T) {
	var b strings.Builder
	pieces := []string{"SELECT 1; ", "'é'; ", "'☃☃'; ", "'🐘'; ", "x;\n", "\r\n"}
	for i := 0; b.Len() < 20000; i++ {
		b.WriteString(pieces[(i*7+i/5)%len(pieces)])
	}
	for _, text := range []string{b.String(), strings.ReplaceAll(b.String(), "\n", " "), sqlparse.BOM + b.String()} {
		l := sqlparse.NewLines(text)
		line, lineStart, col, units := 1, 0, 1, 0
		if strings.HasPrefix(text, sqlparse.BOM) {
			lineStart = len(sqlparse.BOM)
		}
		for off, r := range text {
			if off >= lineStart {
				want := sqlparse.Position{Line: line, Column: col}
				require.Equal(t, want, l.Position(off), "offset %d", off)
				require.Equal(t, lineStart, l.LineStart(off), "offset %d", off)
				require.Equal(t, off, l.Offset(want), "position %v", want)
				require.Equal(t, units, l.UTF16(off), "offset %d", off)
				col++
			}
			units += utf16.RuneLen(r)
			if r == '\n' {
				line, lineStart, col = line+1, off+1, 1
			}
		}
		assert.Equal(t, units, l.UTF16(len(text)))
	}
}

// TestByteOrderMark checks that a UTF-8 byte order mark at the start of a
// file, which psql skips, parses as whitespace, keeps byte offsets those
// of the file, and counts for no column.
func TestByteOrderMark(t *testing.T) {
	text := sqlparse.BOM + "-- lead\nCREATE INDEX i ON t (a);\nSELECT 1;"
	res := sqlparse.Parse(text)
	require.Nil(t, res.Err)
	require.Len(t, res.Statements, 2)
	require.Len(t, res.Comments, 1)
	assert.Equal(t, len(sqlparse.BOM), res.Comments[0].Start)
	assert.Equal(t, "CREATE INDEX i ON t (a)", res.Statements[0].Text(text))
	assert.Equal(t, 0, res.Statements[0].Extent.Start)

	text = sqlparse.BOM + "SELECT 1; SELEC 2;"
	res = sqlparse.Parse(text)
	require.NotNil(t, res.Err)
	assert.Equal(t, strings.Index(text, "SELEC 2"), res.Err.Offset)
	l := sqlparse.NewLines(text)
	assert.Equal(t, sqlparse.Position{Line: 1, Column: 11}, l.Position(res.Err.Offset))
	assert.Equal(t, sqlparse.Position{Line: 1, Column: 1}, l.Position(len(sqlparse.BOM)))
	assert.Equal(t, sqlparse.Position{Line: 1, Column: 1}, l.Position(0), "inside the mark")
	assert.Equal(t, "SELECT 1; SELEC 2;", l.Line(1))
	assert.Equal(t, len(sqlparse.BOM), l.Offset(sqlparse.Position{Line: 1, Column: 1}))

	// A mark anywhere else is not whitespace, for psql either.
	res = sqlparse.Parse("SELECT 1;\n" + sqlparse.BOM + "SELECT 2;")
	require.NotNil(t, res.Err)
}
