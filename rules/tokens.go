package rules

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Token is a scanner token of the current statement, with its span in
// the file.
type Token struct {
	Kind pg.Token
	Span sqlparse.Span
}

// ScanTokens returns the tokens of text, comments excluded, placed in the
// file by base, the file offset of text; nil if text does not scan.
func ScanTokens(text string, base int) []Token {
	res, err := pg.Scan(text)
	if err != nil {
		return nil
	}
	out := make([]Token, 0, len(res.GetTokens()))
	for _, t := range res.GetTokens() {
		if t.GetToken() == pg.Token_SQL_COMMENT || t.GetToken() == pg.Token_C_COMMENT {
			continue
		}
		out = append(out, Token{Kind: t.GetToken(), Span: sqlparse.Span{Start: base + int(t.GetStart()), End: base + int(t.GetEnd())}})
	}
	return out
}

// Insert returns an edit inserting text at byte offset off.
func Insert(off int, text string) Edit { return Edit{Start: off, End: off, NewText: text} }

// Keyword returns the span in the file of the first unquoted word of the
// statement that is keyword, compared without case, and false when there
// is none. Quoted identifiers, literals and comments never match.
func (p *Pass) Keyword(keyword string) (sqlparse.Span, bool) {
	for _, w := range sqlparse.Words(p.StmtText()) {
		if strings.EqualFold(w.Text, keyword) {
			return sqlparse.Span{Start: p.Stmt.Span.Start + w.Start, End: p.Stmt.Span.Start + w.End}, true
		}
	}
	return sqlparse.Span{}, false
}
