package rules

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// maxIdentifierBytes is the longest identifier PostgreSQL keeps:
// NAMEDATALEN - 1 bytes.
const maxIdentifierBytes = 63

// IdentifierTooLong reports table, column, index and constraint names
// that the statement defines and PostgreSQL truncates.
func IdentifierTooLong() *Rule {
	return &Rule{
		Code: "PS065", Name: "identifier-too-long", Severity: Warning, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "A table, column, index or constraint name longer than 63 bytes, which PostgreSQL truncates.",
			Why: "PostgreSQL keeps at most 63 bytes of an identifier (NAMEDATALEN - 1) and cuts the rest off with only a " +
				"NOTICE. The object then has another name than the one in the migration: tools that compare names " +
				"(schema diffs, ORMs, a later `DROP CONSTRAINT` written from the source) do not find it, and two long " +
				"names that share their first 63 bytes collide, so the second CREATE fails with \"already exists\". " +
				"Bytes count, not characters: a name in a non-Latin script reaches the limit sooner.",
			Bad:  "ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_billing_account_id_fkey_to_billing_accounts_primary_key FOREIGN KEY (billing_account_id) REFERENCES billing_accounts (id);",
			Good: "ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_billing_account_id_fkey FOREIGN KEY (billing_account_id) REFERENCES billing_accounts (id);",
			Help: "shorten the name to 63 bytes or fewer, and use the same name wherever the migrations refer to it",
			FixSafety: "No fix: the name is the author's to choose, and later migrations and code that refer to it must " +
				"change with it.",
			Versions: "All versions (a server built with a larger NAMEDATALEN keeps more).",
		},
		Check: checkIdentifierTooLong,
	}
}

func checkIdentifierTooLong(p *Pass) {
	defined := definedNames(p.Stmt.Node)
	// The parser truncates a long name to at most 63 bytes without
	// splitting a character (of at most 4 bytes): a statement whose
	// names are all shorter than 60 bytes has no long one, and is not
	// scanned.
	truncated := false
	for name := range defined {
		if len(name) > maxIdentifierBytes-utf8.UTFMax {
			truncated = true
			break
		}
	}
	if !truncated {
		return
	}
	// full names of the long identifiers found, by truncated name
	byTruncated := map[string][]string{}
	type long struct {
		tok       Token
		full, cut string
	}
	var found []long
	for _, t := range ScanTokens(p.StmtText(), p.Stmt.Span.Start) {
		if t.Kind != pg.Token_IDENT {
			continue
		}
		full := identValue(p.Text(t.Span))
		if len(full) <= maxIdentifierBytes {
			continue
		}
		cut := truncateIdentifier(full)
		if !defined[cut] {
			continue // a reference to an object defined elsewhere
		}
		if !slices.Contains(byTruncated[cut], full) {
			byTruncated[cut] = append(byTruncated[cut], full)
			found = append(found, long{t, full, cut})
		}
	}
	if len(found) == 0 {
		return
	}
	// One finding for the statement, naming every long identifier.
	var names, cuts, collisions []string
	for _, l := range found {
		names = append(names, fmt.Sprintf("%q (%d bytes)", l.full, len(l.full)))
		cuts = append(cuts, fmt.Sprintf("%q", l.cut))
		if fulls := byTruncated[l.cut]; len(fulls) > 1 && fulls[0] == l.full {
			collisions = append(collisions, fmt.Sprintf("%s all become %q", quoteAll(fulls), l.cut))
		}
	}
	msg := fmt.Sprintf("identifier %s is longer than 63 bytes; PostgreSQL cuts it and names the object %s", names[0], cuts[0])
	if len(found) > 1 {
		msg = fmt.Sprintf("identifiers %s are longer than 63 bytes; PostgreSQL cuts them and names the objects %s",
			strings.Join(names, ", "), strings.Join(cuts, ", "))
	}
	if len(collisions) > 0 {
		msg += "; " + strings.Join(collisions, "; ") + ", so the names collide"
	}
	p.Report(Diagnostic{Span: found[0].tok.Span, Message: msg})
}

// quoteAll quotes each name and joins them with commas.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// definedNames returns the names (as the parser truncated them) of the
// tables, columns, indexes and constraints that node creates or renames.
func definedNames(node *pg.Node) map[string]bool {
	names := map[string]bool{}
	column := func(cd *pg.ColumnDef) {
		names[cd.GetColname()] = true
		for _, c := range cd.GetConstraints() {
			names[c.GetConstraint().GetConname()] = true
		}
	}
	switch n := node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		names[n.CreateStmt.GetRelation().GetRelname()] = true
		for _, e := range n.CreateStmt.GetTableElts() {
			if cd := e.GetColumnDef(); cd != nil {
				column(cd)
			}
			names[e.GetConstraint().GetConname()] = true
		}
	case *pg.Node_IndexStmt:
		names[n.IndexStmt.GetIdxname()] = true
	case *pg.Node_CreateSeqStmt:
		names[n.CreateSeqStmt.GetSequence().GetRelname()] = true
	case *pg.Node_ViewStmt:
		names[n.ViewStmt.GetView().GetRelname()] = true
	case *pg.Node_CreateTableAsStmt:
		names[n.CreateTableAsStmt.GetInto().GetRel().GetRelname()] = true
	case *pg.Node_AlterTableStmt:
		for _, c := range n.AlterTableStmt.GetCmds() {
			cmd := c.GetAlterTableCmd()
			if cd := cmd.GetDef().GetColumnDef(); cd != nil && cmd.GetSubtype() == pg.AlterTableType_AT_AddColumn {
				column(cd)
			}
			if cmd.GetSubtype() == pg.AlterTableType_AT_AddConstraint {
				names[cmd.GetDef().GetConstraint().GetConname()] = true
			}
		}
	case *pg.Node_RenameStmt:
		names[n.RenameStmt.GetNewname()] = true
	default:
	}
	delete(names, "")
	return names
}

// identValue returns the name an identifier token stands for: a quoted
// identifier without its quotes, an unquoted one folded to lower case as
// PostgreSQL folds it (ASCII letters only).
func identValue(text string) string {
	if len(text) >= 2 && text[0] == '"' {
		return strings.ReplaceAll(text[1:len(text)-1], `""`, `"`)
	}
	b := []byte(text)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// truncateIdentifier cuts name to at most 63 bytes without splitting a
// character, as PostgreSQL does.
func truncateIdentifier(name string) string {
	if len(name) <= maxIdentifierBytes {
		return name
	}
	n := maxIdentifierBytes
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n]
}
