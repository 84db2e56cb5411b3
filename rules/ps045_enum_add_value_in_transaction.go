package rules

import (
	"fmt"
	"sort"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// EnumAddValueInTransaction reports ALTER TYPE ... ADD VALUE in a
// transaction where it fails: anywhere before PostgreSQL 12, and from 12
// when a later statement of the transaction uses the new value (hazard
// catalog row 32).
func EnumAddValueInTransaction() *Rule {
	return &Rule{
		Code: "PS045", Name: "enum-add-value-in-transaction", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ALTER TYPE ... ADD VALUE runs in a transaction where it, or a use of the new value, fails.",
			Why: "Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block, including the " +
				"transaction a migration tool wraps around a file and the implicit one of a multi-statement query: the " +
				"migration fails. From PostgreSQL 12 it may run in a transaction, but the new value cannot be used until " +
				"the transaction commits: an INSERT, UPDATE, default or cast that uses it in the same transaction fails " +
				"with \"unsafe use of new value\", and the whole migration rolls back. Both limits are lifted when the " +
				"enum type itself was created earlier in the same transaction.",
			Bad:  "BEGIN;\nALTER TYPE order_status ADD VALUE 'archived';\nUPDATE orders SET status = 'archived' WHERE closed_at < '2020-01-01';\nCOMMIT;",
			Good: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'archived';\n-- next migration, after the value is committed\nUPDATE orders SET status = 'archived' WHERE closed_at < '2020-01-01';",
			Help: "run ADD VALUE IF NOT EXISTS in a migration of its own (outside a transaction before PostgreSQL 12), and " +
				"use the new value only in a later migration",
			FixSafety:   "Display-only: moving the statement changes what the migration commits together.",
			Versions:    "Fails in any transaction before PostgreSQL 12; from 12, only a use of the new value in the same transaction fails.",
			CatalogRows: []int{32},
		},
		Check: checkEnumAddValueInTransaction,
	}
}

func checkEnumAddValueInTransaction(p *Pass) {
	ae := p.Stmt.Node.GetAlterEnumStmt()
	if ae == nil || ae.GetOldVal() != "" || ae.GetNewVal() == "" || p.Stmt.Tx == nil {
		return
	}
	typ := pgast.QualifyName(pgast.Strings(ae.GetTypeName()))
	if enumCreatedInTx(p, typ) {
		return
	}
	if p.Options.PGVersion < 12 {
		p.Report(Diagnostic{
			Message: fmt.Sprintf("ALTER TYPE %s ADD VALUE cannot run inside a transaction block before PostgreSQL 12, and it "+
				"runs in %s: the migration fails", Display(typ), p.Stmt.Tx.Kind),
			Fixes: []Fix{Recipe("Run ALTER TYPE ... ADD VALUE IF NOT EXISTS alone, outside a transaction, in a migration of its own")},
		})
		return
	}
	val := ae.GetNewVal()
	if st := nextUseOfString(p, val); st != nil {
		p.Report(Diagnostic{
			Message: fmt.Sprintf("the new value '%s' of %s is used at line %d in the same transaction, which fails with "+
				"\"unsafe use of new value\": a value added in a transaction can be used only after it commits",
				val, Display(typ), p.Line(st)),
			Fixes:   []Fix{Recipe("Commit after ADD VALUE and use the new value in a later migration")},
			Related: []Related{p.RelatedTo(st, "uses the new value before the transaction commits")},
		})
	}
}

// nextUseOfString returns the first statement after the current one in
// its transaction with a string constant equal to s, nil when there is
// none.
func nextUseOfString(p *Pass, s string) *migration.Statement {
	// The statements of the transaction that use each string constant, in
	// order; found once for the transaction.
	uses := fileIndex(p, txKey{"string-constants", p.Stmt.Tx}, func() map[string][]*migration.Statement {
		out := map[string][]*migration.Statement{}
		for _, st := range txStatements(p) {
			seen := map[string]bool{}
			pgast.Walk(st.Node, func(x *pg.Node) bool {
				if c := x.GetAConst(); c != nil && c.GetSval() != nil && !seen[c.GetSval().GetSval()] {
					seen[c.GetSval().GetSval()] = true
					out[c.GetSval().GetSval()] = append(out[c.GetSval().GetSval()], st)
				}
				return true
			})
		}
		return out
	})
	after := uses[s]
	if i := sort.Search(len(after), func(i int) bool { return after[i].Index > p.Stmt.Index }); i < len(after) {
		return after[i]
	}
	return nil
}

// enumCreatedInTx reports whether the enum type typ was created earlier in
// the current statement's transaction, which lifts ADD VALUE's limits.
func enumCreatedInTx(p *Pass, typ string) bool {
	if p.Stmt.Tx == nil {
		return false
	}
	created := earlier(p, "enums-created", func(acc *map[string]bool, st *migration.Statement) {
		if ce := st.Node.GetCreateEnumStmt(); ce != nil {
			if *acc == nil {
				*acc = map[string]bool{}
			}
			(*acc)[pgast.QualifyName(pgast.Strings(ce.GetTypeName()))] = true
		}
	})
	return (*created)[typ]
}
