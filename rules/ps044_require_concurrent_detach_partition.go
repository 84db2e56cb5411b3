package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RequireConcurrentDetachPartition reports ALTER TABLE ... DETACH PARTITION
// without CONCURRENTLY on an existing partitioned table (hazard catalog
// row 31).
func RequireConcurrentDetachPartition() *Rule {
	return &Rule{
		Code: "PS044", Name: "require-concurrent-detach-partition", Severity: Warning, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "DETACH PARTITION without CONCURRENTLY locks the whole partitioned table.",
			Why: "A plain DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table and on the partition. It scans " +
				"nothing, but the lock request queues behind every query on any partition, and while it waits and until " +
				"the transaction commits, every read and write of every partition is blocked. From PostgreSQL 14, " +
				"DETACH PARTITION ... CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on the parent and waits for " +
				"running queries instead of blocking them.",
			Bad:  "ALTER TABLE events DETACH PARTITION events_2019;",
			Good: "-- outside a transaction, alone\nALTER TABLE events DETACH PARTITION events_2019 CONCURRENTLY;",
			Help: "on PostgreSQL 14 and later use DETACH PARTITION ... CONCURRENTLY, alone and outside a transaction (not " +
				"allowed when the table has a default partition; if interrupted, finish with DETACH PARTITION ... FINALIZE); " +
				"before 14, detach in a short transaction of its own with a lock_timeout",
			Locks: "ACCESS EXCLUSIVE on the partitioned table and the partition: every query on the partitioned table waits.",
			FixSafety: "Unsafe, PostgreSQL 14 and later: adds CONCURRENTLY, which must run outside a transaction block, runs " +
				"as two transactions, and fails when the table has a default partition, so it needs a human check. " +
				"Display-only before 14, where there is no concurrent form.",
			Versions:    "DETACH PARTITION ... CONCURRENTLY exists from PostgreSQL 14; on 11 to 13 the rule still reports, with no concurrent fix.",
			CatalogRows: []int{31},
		},
		Check: checkRequireConcurrentDetachPartition,
	}
}

func checkRequireConcurrentDetachPartition(p *Pass) {
	at := p.Stmt.Node.GetAlterTableStmt()
	if at == nil {
		return
	}
	parent := pgast.RelName(at.GetRelation())
	if p.IsNew(parent) {
		return
	}
	for _, c := range at.GetCmds() {
		cmd := c.GetAlterTableCmd()
		pc := cmd.GetDef().GetPartitionCmd()
		if cmd.GetSubtype() != pg.AlterTableType_AT_DetachPartition || pc.GetConcurrent() {
			continue
		}
		msg := fmt.Sprintf("DETACH PARTITION takes ACCESS EXCLUSIVE on %s and %s, which blocks reads and writes of every "+
			"partition of %s while it waits and until the transaction commits", Display(parent), Display(pgast.RelName(pc.GetName())), Display(parent))
		var fix Fix
		switch {
		case p.Options.PGVersion < 14:
			msg += "; PostgreSQL 14 adds DETACH PARTITION ... CONCURRENTLY"
			fix = Recipe("Detach in a short transaction of its own with a lock_timeout: there is no concurrent form before PostgreSQL 14")
		default:
			// The grammar allows no other subcommand beside a partition
			// command, so CONCURRENTLY goes at the end of the statement.
			fix = StepsFix(p, "Detach the partition concurrently, outside a transaction (not with a default partition)",
				Unsafe, locks.ShareUpdateExclusive, Step{SQL: p.StmtText() + " CONCURRENTLY;", NoTransaction: true})
		}
		p.Report(Diagnostic{
			Message: msg,
			Lock:    locks.AccessExclusive,
			Table:   Display(parent),
			Fixes:   []Fix{fix},
		})
	}
}
