package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/history"
)

// ContractBeforeExpand reports a column move done in one release window:
// a column's values copied to a new place, then the old column or its
// table dropped (hazard catalog row 37).
func ContractBeforeExpand() *Rule {
	return &Rule{
		Code: "PS054", Name: "contract-before-expand", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "A column moved in one release: its values copied to a new column or table, then the old column or table dropped.",
			Why: "Moving a column is safe only as expand, deploy, contract. Done in one release window, the old place " +
				"is dropped while the code that reads and writes it is still running: during the deploy every old " +
				"instance fails on the missing column or table, and rows it writes between the copy and the drop are " +
				"lost. The rule follows copies made by INSERT ... SELECT and UPDATE (... FROM) into a column, and " +
				"reports the DROP COLUMN or DROP TABLE of a copied column in the same window: one migration (a " +
				"migration split over numbered files by its tool counts as one), or, with --changed-since REF, every " +
				"migration added or changed since REF. A contract file marked `-- pgsafe:contract after <expand file>` " +
				"declares its order: the moves whose copy runs in the expand file or before it are left to " +
				"contract-pending, which sees that the two ship in different releases. The fix rewrites a move made in one " +
				"file into that shape: the expand part stays in the file, the contract part becomes the next migration.",
			Bad: "ALTER TABLE users ADD COLUMN email_address text;\n" +
				"UPDATE users SET email_address = email;\n" +
				"ALTER TABLE users DROP COLUMN email;",
			Good: "-- 0002_email.sql, release 1 (expand): the copy, and a trigger that repeats it for every write, then a batched backfill\n" +
				"ALTER TABLE users ADD COLUMN email_address text;\n" +
				"UPDATE users SET email_address = email;\n" +
				"CREATE FUNCTION users_email_address_pgsafe_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email_address := NEW.email; RETURN NEW; END $$;\n" +
				"CREATE TRIGGER zz_pgsafe_sync_email_address BEFORE INSERT OR UPDATE OF email ON users FOR EACH ROW EXECUTE FUNCTION users_email_address_pgsafe_sync();\n" +
				"-- ... backfill in batches of the primary key, each committed on its own ...\n" +
				"-- release 2: deploy the code that reads and writes email_address\n" +
				"-- release 3 (contract), the next migration, 0003_email.sql:\n" +
				"--   -- pgsafe:contract after 0002_email.sql\n" +
				"--   DROP TRIGGER zz_pgsafe_sync_email_address ON users;\n" +
				"--   DROP FUNCTION users_email_address_pgsafe_sync();\n" +
				"--   ALTER TABLE users DROP COLUMN email;",
			Help: "expand: add the new column or table with a trigger that copies every write of the old one, and backfill " +
				"it in batches; deploy the code that reads and writes the new place; contract: drop the old column or " +
				"table in a later release",
			FixSafety: "Unsafe (the migration no longer drops the column: that waits for a later release): when the copy and the " +
				"ALTER TABLE ... DROP COLUMN are in one file, the copy is `UPDATE t SET b = f(a) [WHERE ...]` of the same table or " +
				"`INSERT INTO p (...) SELECT ... FROM t [WHERE ...]` of a table with a PRIMARY KEY or UNIQUE constraint on the " +
				"columns filled from t's primary key, and t has a single-column primary key, the drop becomes the expand part: " +
				"a trigger that repeats the copy for every row written (BEFORE INSERT OR UPDATE OF the columns read, setting " +
				"the new column; or AFTER, upserting into p with INSERT ... ON CONFLICT), then a batched backfill over t's " +
				"primary key that copies every row again (reading t's rows FOR SHARE when it fills another table), so that " +
				"nothing written after the copy is lost. A copy right before the drop becomes the end of its transaction, " +
				"since the backfill redoes it in batches: the locks taken before it (the new column's, a new table's " +
				"foreign key's) are released before the table is walked. An INSERT copies only when it gives one of the columns read a value, " +
				"so code already deployed for the new place keeps what it writes there. The contract part, dropping the " +
				"trigger, its function and then the column with the statement as written, becomes a new migration of the " +
				"file's tool marked `-- pgsafe:contract after <file>`, which contract-pending reminds of until it ships in a " +
				"later release; the file's down migration first drops the trigger IF EXISTS. Display-only, with the reason, " +
				"when the copy is in another file or has another shape, a statement between the copy and the drop writes " +
				"the new place, a later statement of the file renames or re-adds what the trigger reads or the dropped " +
				"column's name (a type change by hand), or the tool cannot add a migration.",
			Versions:    "All versions.",
			CatalogRows: []int{37},
		},
		Check: checkContractBeforeExpand,
	}
}

// checkContractBeforeExpand reports, once the whole set is read, the
// column moves whose source the current statement drops, except those
// that the file's contract marker declares: their copy runs in the
// marker's expand file or before it, and contract-pending sees to the
// releases they ship in.
func checkContractBeforeExpand(p *Pass) {
	path, stmt := p.File.Path, p.Stmt.Index
	expand := contractExpand(p)
	// The rewrite is planned now: the catalog moves on and the file's
	// parse trees are released before the history is complete.
	plan := planMove(p)
	p.Later(func(h *history.History, report func(Diagnostic)) {
		moves := h.Moves(path, stmt)
		if expand != "" {
			moves = undeclared(h, moves, path, expand)
		}
		reportMoves(moves, func(ms []history.Move) Fix { return plan.fixFor(path, ms) }, report)
	})
}

// contractExpand returns the path of the expand file that the current
// file's contract marker names (see package contract), "" when the file
// has no well-formed marker.
func contractExpand(p *Pass) string {
	return fileIndex(p, contractExpandKey{}, func() string {
		m, ok := contract.Of(p.File.Comments)
		if !ok {
			return ""
		}
		return contract.ExpandPath(p.File.Path, m.Expand)
	})
}

type contractExpandKey struct{}

// declaredContract reports whether the file at path, whose contract
// marker names expand, is the contract of a migration of the set that
// runs before it.
func declaredContract(h *history.History, path, expand string) bool {
	e, ok := h.Index(expand)
	c, _ := h.Index(path)
	return ok && e < c
}

// undeclared returns the moves that the contract marker of the file at
// path, which names expand, does not declare: those whose copy runs after
// expand, or all of them when expand is not a migration of the set that
// runs before the contract file.
func undeclared(h *history.History, moves []history.Move, path, expand string) []history.Move {
	if !declaredContract(h, path, expand) {
		return moves
	}
	e, _ := h.Index(expand)
	var out []history.Move
	for _, m := range moves {
		if i, ok := h.Index(m.Copy.Path); !ok || i > e {
			out = append(out, m)
		}
	}
	return out
}

// reportMoves reports the moves one statement's drop completes: one
// finding per dropped column, or per dropped table with all the copies
// from it. The first finding carries the fix that fixFor gives for its
// moves, which rewrites the whole statement; the others say so.
func reportMoves(moves []history.Move, fixFor func([]history.Move) Fix, report func(Diagnostic)) {
	groups := map[string][]history.Move{}
	var order []string
	for _, m := range moves {
		key := m.From.Table + "." + m.From.Column
		if m.DropsTable {
			key = m.From.Table
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], m)
	}
	first := ""
	for k, key := range order {
		ms := groups[key]
		m := ms[0]
		what := "column " + Display(m.From.Table) + "." + m.From.Column
		if m.DropsTable {
			what = Display(m.From.Table)
		}
		fix := fixFor(moves)
		if k == 0 {
			first = what
		} else if fix.Safety != DisplayOnly {
			fix = recipeBecause(moveFixTitle, "the fix of the finding on "+first+" rewrites the whole statement")
		}
		report(Diagnostic{
			Message: fmt.Sprintf("contract before expand: drops %s after %s copied its values into %s in the same release "+
				"window; code still running on the old schema reads and writes %s and fails once it is gone, and what "+
				"it writes after the copy is lost", what, copySites(ms), copyTargets(ms), what),
			Table:   Display(m.From.Table),
			Fixes:   []Fix{fix},
			Related: copyRelated(ms),
		})
	}
}

// copySites names the statements that made the copies: "0004_x.sql:3".
func copySites(ms []history.Move) string {
	var out []string
	for _, m := range ms {
		s := fmt.Sprintf("%s:%d", m.Copy.Path, m.Copy.Line)
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " and ")
}

// copyRelated points at the statements that made the copies, which the
// message names by file and line, with what each copied.
func copyRelated(ms []history.Move) []Related {
	var out []Related
	at := map[history.Site]int{} // copy -> its index in out
	for _, m := range ms {
		what := m.From.Column + " into " + Display(m.To.Table) + "." + m.To.Column
		if i, ok := at[m.Copy]; ok {
			out[i].Message += ", " + what
			continue
		}
		at[m.Copy] = len(out)
		rel := Related{Path: m.Copy.Path, Span: m.Copy.Span, Message: "copies " + what}
		if rel.Path == m.Drop.Path {
			rel.Path = ""
		}
		out = append(out, rel)
	}
	return out
}

// copyTargets names where the values went: "hydra_client.uris_json", or
// for many columns "flow (challenge -> login_challenge, ... and 9 more)".
func copyTargets(ms []history.Move) string {
	if len(ms) == 1 {
		return Display(ms[0].To.Table) + "." + ms[0].To.Column
	}
	var pairs []string
	for _, m := range ms {
		pairs = append(pairs, m.From.Column+" -> "+Display(m.To.Table)+"."+m.To.Column)
	}
	const shown = 4
	if len(pairs) > shown {
		pairs = append(pairs[:shown], fmt.Sprintf("and %d more", len(pairs)-shown))
	}
	return strings.Join(pairs, ", ")
}
