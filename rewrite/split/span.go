package split

import (
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// span is the statements of one transaction that runs statement by
// statement, between its opening and its closing: an explicit BEGIN and
// COMMIT of the file (open, close), or, for a file marked to run without
// the tool's transaction, a BEGIN and COMMIT that the plan adds around a
// section (open and close nil).
type span struct {
	open, close *migration.Statement
	stmts       []*migration.Statement // between open and close
}

// explicitSpan returns the span of explicit transaction tx.
func (p *planner) explicitSpan(tx *migration.Transaction) span {
	var sp span
	for _, st := range p.f.Statements {
		if st.Tx != tx {
			continue
		}
		switch {
		case sp.open == nil && st.TxControl && len(sp.stmts) == 0:
			sp.open = st
		case st.TxControl:
			sp.close = st
		default:
			sp.stmts = append(sp.stmts, st)
		}
	}
	return sp
}

// tokKind is the kind of a token of a span being rewritten.
type tokKind int

const (
	tokStmt  tokKind = iota // an original statement that stays
	tokOpen                 // BEGIN
	tokClose                // COMMIT
	tokSQL                  // SQL that a replacement adds
)

// token is one item of a span being rewritten.
type token struct {
	kind tokKind
	stmt *migration.Statement // the original statement: a tokStmt, or an explicit BEGIN or COMMIT
	// owner is the replaced statement whose place the token takes; nil
	// for original statements and the BEGIN and COMMIT around the span.
	owner *migration.Statement
	sql   string
}

// splitSpan places the replacements ids of span sp in place: each replaced
// statement becomes the part of its steps that shares the transaction,
// then COMMIT, the other steps (each in a transaction of its own, or
// none), and BEGIN again for the statements that follow. Empty
// transactions that this leaves are dropped, an original BEGIN or COMMIT
// with them.
func (p *planner) splitSpan(sp span, reps []Replacement, ids []int) {
	byStmt := map[*migration.Statement]int{}
	for _, i := range ids {
		byStmt[reps[i].Stmt] = i
	}
	toks := []token{{kind: tokOpen, stmt: sp.open}}
	for k, st := range sp.stmts {
		i, replaced := byStmt[st]
		if !replaced {
			toks = append(toks, token{kind: tokStmt, stmt: st})
			continue
		}
		inTx, rest := firstInTx(reps[i].Steps)
		if inTx != "" {
			toks = append(toks, token{kind: tokSQL, owner: st, sql: inTx})
		}
		if len(rest) == 0 && len(reps[i].Steps) > 0 && !reps[i].Steps[0].NoTransaction && strings.TrimSpace(reps[i].Steps[0].SQL) != "" {
			continue // one step that stays in the transaction
		}
		toks = append(toks, token{kind: tokClose, owner: st})
		for _, step := range rest {
			sql := strings.TrimSpace(step.SQL)
			if sql == "" {
				continue
			}
			if !step.NoTransaction && !isSingleStatement(sql) {
				sql = inTransaction(sql, p.f.Tool.Compound)
			}
			toks = append(toks, token{kind: tokSQL, owner: st, sql: sql})
		}
		_ = k
		toks = append(toks, token{kind: tokOpen, owner: st})
		how := "in a transaction split around it"
		if !hasStatementAfter(sp.stmts[k+1:], byStmt) {
			how = "after the COMMIT of its transaction"
		}
		if sp.open == nil {
			how = ""
		}
		p.placed[i].How = how
	}
	toks = append(toks, token{kind: tokClose, stmt: sp.close})

	// Drop empty transactions: a BEGIN right before a COMMIT.
	var deleted []*migration.Statement
	for changed := true; changed; {
		changed = false
		for k := 0; k+1 < len(toks); k++ {
			if toks[k].kind == tokOpen && toks[k+1].kind == tokClose {
				for _, t := range toks[k : k+2] {
					if t.owner == nil && t.stmt != nil {
						deleted = append(deleted, t.stmt)
					}
				}
				toks = append(toks[:k], toks[k+2:]...)
				changed = true
				break
			}
		}
	}
	p.render(sp, toks, deleted)
}

// hasStatementAfter reports whether an original statement that stays
// follows among stmts (replaced ones count too: their steps run there).
func hasStatementAfter(stmts []*migration.Statement, _ map[*migration.Statement]int) bool {
	return len(stmts) > 0
}

// render turns the tokens of a span into edits: each replaced statement's
// place takes its tokens' SQL, an added BEGIN or COMMIT next to an
// original statement goes right before or after it, and original BEGIN
// and COMMIT statements of dropped transactions are removed.
func (p *planner) render(sp span, toks []token, deleted []*migration.Statement) {
	text := func(t token) string {
		switch t.kind {
		case tokOpen:
			return "BEGIN;"
		case tokClose:
			return "COMMIT;"
		default:
			return t.sql
		}
	}
	// The tokens each replaced statement's place takes, and the added
	// lines that go before or after an original statement.
	own := map[*migration.Statement][]string{}
	var owners []*migration.Statement
	before := map[*migration.Statement][]string{}
	after := map[*migration.Statement][]string{}
	added := func(t token) bool {
		return t.owner == nil && t.stmt == nil && (t.kind == tokOpen || t.kind == tokClose)
	}
	for k, t := range toks {
		switch {
		case t.owner != nil:
			if _, ok := own[t.owner]; !ok {
				owners = append(owners, t.owner)
			}
			own[t.owner] = append(own[t.owner], text(t))
		case added(t) && t.kind == tokOpen:
			// BEGIN added before the span: it goes with what follows.
			if k+1 < len(toks) && toks[k+1].owner != nil {
				o := toks[k+1].owner
				if _, ok := own[o]; !ok {
					owners = append(owners, o)
				}
				own[o] = append(own[o], text(t))
			} else if k+1 < len(toks) && toks[k+1].stmt != nil {
				before[toks[k+1].stmt] = append(before[toks[k+1].stmt], text(t))
			}
		case added(t) && t.kind == tokClose:
			if k > 0 && toks[k-1].owner != nil {
				o := toks[k-1].owner
				own[o] = append(own[o], text(t))
			} else if k > 0 && toks[k-1].stmt != nil {
				after[toks[k-1].stmt] = append(after[toks[k-1].stmt], text(t))
			}
		default:
		}
	}
	// Replaced statements whose tokens all went away (a statement that
	// only ended its transaction) still lose their text.
	for _, st := range sp.stmts {
		if _, ok := own[st]; !ok && p.isReplaced(st, toks) {
			owners = append(owners, st)
		}
	}
	for _, st := range owners {
		lines := own[st]
		if len(lines) == 0 {
			b := block(p.f, st)
			p.edit(st.Span.Start, b.End, "")
			continue
		}
		// Lines that end the transaction before the statement's own SQL go
		// above its leading comments, which stay with that SQL.
		lead := 0
		for lead < len(lines) && (lines[lead] == "COMMIT;" || lines[lead] == "BEGIN;") && lead < len(lines)-1 {
			lead++
		}
		start := st.Span.Start
		if lead > 0 {
			if cs := p.commentStart(st); cs < start {
				p.edit(cs, cs, strings.Join(lines[:lead], "\n")+"\n")
				lines = lines[lead:]
			}
		}
		// Lines that begin the next transaction after it go below a comment
		// that follows the statement on its line.
		tail := len(lines)
		for tail > 1 && (lines[tail-1] == "COMMIT;" || lines[tail-1] == "BEGIN;") {
			tail--
		}
		if b := block(p.f, st); tail < len(lines) && b.End > st.Extent.End {
			end := b.End
			p.edit(end, end, terminate(p.f.Text[:end])+strings.Join(lines[tail:], "\n")+"\n")
			lines = lines[:tail]
		}
		p.edit(start, st.Extent.End, strings.Join(lines, "\n"))
	}
	for st, lines := range before {
		p.edit(st.Span.Start, st.Span.Start, strings.Join(lines, "\n")+"\n")
	}
	for st, lines := range after {
		end := block(p.f, st).End
		p.edit(end, end, terminate(p.f.Text[:end])+strings.Join(lines, "\n")+"\n")
	}
	for _, st := range deleted {
		b := block(p.f, st)
		p.edit(st.Span.Start, b.End, "")
	}
}

// isReplaced reports whether st's place was taken by tokens, even if none
// of them survived.
func (p *planner) isReplaced(st *migration.Statement, toks []token) bool {
	for _, t := range toks {
		if t.kind == tokStmt && t.stmt == st {
			return false
		}
	}
	return true
}

// commentStart returns where the leading comment lines of st begin, after
// any section marker among them (which must stay first), or st's start
// when it has none.
func (p *planner) commentStart(st *migration.Statement) int {
	b := block(p.f, st)
	start := b.Start
	sec := p.f.Sections[st.Section]
	if sec.Start >= start && sec.Start < st.Span.Start {
		if nl := strings.IndexByte(p.f.Text[sec.Start:st.Span.Start], '\n'); nl >= 0 {
			start = sec.Start + nl + 1
		} else {
			return st.Span.Start
		}
	}
	if strings.TrimSpace(p.f.Text[start:st.Span.Start]) == "" {
		return st.Span.Start
	}
	return start
}
