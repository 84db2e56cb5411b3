package rules

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Token is a scanner token of the current statement, with its span in
// the file.
type Token struct {
	Kind pg.Token
	Span sqlparse.Span
}

// Tokens returns the statement's tokens, comments excluded, for fixes
// that insert or replace keywords. It returns nil if the statement does
// not scan.
func (p *Pass) Tokens() []Token {
	if !p.scanned {
		p.tokens, p.scanned = ScanTokens(p.StmtText(), p.Stmt.Span.Start), true
	}
	return p.tokens
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

// FirstToken returns the first token of kind k at or after index from,
// and its index; -1 when there is none.
func FirstToken(toks []Token, k pg.Token, from int) (Token, int) {
	for i := from; i < len(toks); i++ {
		if toks[i].Kind == k {
			return toks[i], i
		}
	}
	return Token{}, -1
}

// Insert returns an edit inserting text at byte offset off.
func Insert(off int, text string) Edit { return Edit{Start: off, End: off, NewText: text} }
