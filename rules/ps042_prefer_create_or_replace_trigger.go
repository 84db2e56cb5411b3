package rules

import (
	"fmt"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// PreferCreateOrReplaceTrigger reports DROP TRIGGER t ON x followed in the
// same file by CREATE TRIGGER t ON x, on PostgreSQL 14 and later (hazard
// catalog row 29).
func PreferCreateOrReplaceTrigger() *Rule {
	return &Rule{
		Code: "PS042", Name: "prefer-create-or-replace-trigger", Severity: Hint, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "A trigger is dropped and created again where CREATE OR REPLACE TRIGGER would do.",
			Why: "DROP TRIGGER takes ACCESS EXCLUSIVE on the table, which blocks its reads and writes while the lock " +
				"is queued and held, and when the drop and the create run in separate transactions, rows written in " +
				"between miss the trigger. CREATE OR REPLACE TRIGGER, available from PostgreSQL 14, swaps the definition " +
				"in one step under SHARE ROW EXCLUSIVE, which lets reads go on.",
			Bad:  "DROP TRIGGER accounts_audit ON accounts;\nCREATE TRIGGER accounts_audit AFTER UPDATE ON accounts\n  FOR EACH ROW EXECUTE FUNCTION audit();",
			Good: "CREATE OR REPLACE TRIGGER accounts_audit AFTER UPDATE ON accounts\n  FOR EACH ROW EXECUTE FUNCTION audit();",
			Help: "replace the pair with CREATE OR REPLACE TRIGGER (PostgreSQL 14 and later); constraint triggers cannot be " +
				"replaced and keep the drop",
			Locks: "ACCESS EXCLUSIVE for DROP TRIGGER, where CREATE OR REPLACE TRIGGER takes SHARE ROW EXCLUSIVE, which lets reads go on.",
			FixSafety: "Safe when the CREATE TRIGGER directly follows the DROP TRIGGER: deletes the drop and adds OR REPLACE " +
				"to the create. When other statements run in between, they may rely on the trigger being absent (a " +
				"backfill that must not fire it, a function being replaced), so the fix is display-only.",
			Versions:    "CREATE OR REPLACE TRIGGER exists from PostgreSQL 14; before 14 the rule reports nothing, since there is no alternative.",
			CatalogRows: []int{29},
		},
		Check: checkPreferCreateOrReplaceTrigger,
	}
}

func checkPreferCreateOrReplaceTrigger(p *Pass) {
	drop := p.Stmt.Node.GetDropStmt()
	if p.Options.PGVersion < 14 || drop == nil || drop.GetRemoveType() != pg.ObjectType_OBJECT_TRIGGER || len(drop.GetObjects()) != 1 {
		return
	}
	parts := pgast.Strings(drop.GetObjects()[0].GetList().GetItems())
	if len(parts) < 2 {
		return
	}
	table, trigger := pgast.QualifyName(parts[:len(parts)-1]), parts[len(parts)-1]
	if p.IsNew(table) {
		return
	}
	create := recreatedTrigger(p, table, trigger)
	if create == nil || create.Node.GetCreateTrigStmt().GetIsconstraint() {
		return
	}
	fix := Recipe("Replace the DROP TRIGGER and CREATE TRIGGER pair with CREATE OR REPLACE TRIGGER")
	if create.Index == p.Stmt.Index+1 {
		fix = Fix{Title: "Use CREATE OR REPLACE TRIGGER instead of dropping the trigger", Safety: Safe, Edits: orReplaceEdits(p, create)}
	}
	p.Report(Diagnostic{
		Message: fmt.Sprintf("DROP TRIGGER %s, created again at line %d, %s; CREATE OR REPLACE TRIGGER takes SHARE ROW EXCLUSIVE "+
			"and never leaves the table without the trigger", trigger, p.Line(create), LockImpact(locks.AccessExclusive, table, "")),
		Lock:    locks.AccessExclusive,
		Table:   Display(table),
		Fixes:   []Fix{fix},
		Related: []Related{p.RelatedTo(create, "creates the trigger again")},
	})
}

// recreatedTrigger returns the first later statement of the same direction
// that creates trigger on table, nil when none does.
func recreatedTrigger(p *Pass, table, trigger string) *migration.Statement {
	type createdTrigger struct {
		dir            migration.Direction
		table, trigger string
	}
	// The statements that create each trigger, in order; found once for
	// the file.
	creates := fileIndex(p, "triggers-created", func() map[createdTrigger][]*migration.Statement {
		out := map[createdTrigger][]*migration.Statement{}
		for _, st := range p.File.Statements {
			if ct := st.Node.GetCreateTrigStmt(); ct != nil {
				k := createdTrigger{st.Direction, pgast.RelName(ct.GetRelation()), ct.GetTrigname()}
				out[k] = append(out[k], st)
			}
		}
		return out
	})
	after := creates[createdTrigger{p.Stmt.Direction, table, trigger}]
	if i := sort.Search(len(after), func(i int) bool { return after[i].Index > p.Stmt.Index }); i < len(after) {
		return after[i]
	}
	return nil
}

// orReplaceEdits deletes the current DROP TRIGGER statement, with its line
// when it stands alone on it, and adds OR REPLACE to create.
func orReplaceEdits(p *Pass, create *migration.Statement) []Edit {
	text := p.File.Text
	start, end := p.Stmt.Span.Start, p.Stmt.Extent.End
	lineStart := p.File.Lines.LineStart(start)
	for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
		end++
	}
	if strings.TrimSpace(text[lineStart:start]) == "" && (end == len(text) || text[end] == '\n') {
		start = lineStart
		if end < len(text) {
			end++
		}
	}
	edits := []Edit{{Start: start, End: end}}
	if !create.Node.GetCreateTrigStmt().GetReplace() {
		at := create.Span.Start + len("CREATE")
		edits = append(edits, Edit{Start: at, End: at, NewText: " OR REPLACE"})
	}
	return edits
}
