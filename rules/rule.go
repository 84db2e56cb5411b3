// Package rules is pgsafe's public rule API: a Rule checks one statement at
// a time through a Pass and reports Diagnostics, each with optional Fixes.
// The registry (All) lists every rule; each rule lives in its own file with
// its documentation beside its check.
package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Severity ranks a diagnostic. Higher is worse.
type Severity int

// The severities, mildest first.
const (
	// Hint is type and robustness advice.
	Hint Severity = iota + 1
	// Warning is a brief exclusive lock without lock_timeout, or a change
	// that breaks code still running on the old schema.
	Warning
	// Error blocks reads or writes for a time that grows with the table, or
	// fails at run time.
	Error
)

// String returns "hint", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Hint:
		return "hint"
	case Warning:
		return "warning"
	case Error:
		return "error"
	default:
		return "none"
	}
}

// ParseSeverity parses "hint", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "hint":
		return Hint, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	default:
		return 0, fmt.Errorf("unknown severity %q (want hint, warning or error)", s)
	}
}

// Safety says what applying a fix risks.
type Safety string

// The fix safeties.
const (
	// Safe fixes have the same effect with weaker locks.
	Safe Safety = "safe"
	// Unsafe fixes change atomicity or timing, or need a human check.
	Unsafe Safety = "unsafe"
	// DisplayOnly fixes are advice that cannot be applied mechanically.
	DisplayOnly Safety = "display-only"
)

// FixAvailability declares what `pgsafe fix` does with a rule's findings,
// as its fixes really behave on the statements it reports (a test runs
// every rule over its fixtures and holds it to its declaration).
type FixAvailability string

// The fix availabilities.
const (
	// FixNone: the rule's findings carry no fix at all.
	FixNone FixAvailability = "none"
	// FixDisplayOnly: findings carry advice, a recipe to follow by hand,
	// that `pgsafe fix` never applies.
	FixDisplayOnly FixAvailability = "display-only"
	// FixSometimes: `pgsafe fix` applies a fix to some findings and not to
	// others (whose fix is display-only, or missing), or the fix applied
	// is safe for some statements and unsafe for others.
	FixSometimes FixAvailability = "sometimes"
	// FixAlways: `pgsafe fix` applies a fix, of one safety, to every
	// finding once the file's migration tool is named.
	FixAlways FixAvailability = "always"
)

// Describe says for users what the availability means for a rule's
// findings, as a clause that follows the value (`sometimes`: ...).
func (a FixAvailability) Describe() string {
	switch a {
	case FixNone:
		return "the findings carry no fix"
	case FixDisplayOnly:
		return "the findings show a recipe to follow by hand; `pgsafe fix` changes nothing"
	case FixSometimes:
		return "`pgsafe fix` applies it to some statements and shows a recipe for the others, or its safety depends on the statement; see Fix safety"
	case FixAlways:
		return "`pgsafe fix` applies it to every finding; see Fix safety"
	default:
		return "unknown"
	}
}

// Valid reports whether a is one of the four availabilities.
func (a FixAvailability) Valid() bool {
	switch a {
	case FixNone, FixDisplayOnly, FixSometimes, FixAlways:
		return true
	default:
		return false
	}
}

// Edit replaces the bytes [Start, End) of a file with NewText.
type Edit struct {
	// Path is the file the edit applies to; "" means the diagnostic's file.
	// A path that does not exist yet creates a new file.
	Path    string
	Start   int // byte offset, inclusive
	End     int // byte offset, exclusive; equal to Start for an insertion
	NewText string
}

// Step is one step of a rewrite: SQL that runs in a transaction of its
// own after the steps before it, or outside any transaction.
type Step struct {
	// SQL holds one or more statements, each ending with ";". Empty SQL
	// only ends the transaction the statement ran in.
	SQL string
	// NoTransaction says the step cannot run inside a transaction block
	// (a CONCURRENTLY form, or a DO block that commits); it must then be a
	// single statement.
	NoTransaction bool
}

// Replacement replaces statement Stmt of a file with Steps.
type Replacement struct {
	Stmt  int // the statement's index in its file
	Steps []Step
}

// Fix is one way to resolve a diagnostic.
type Fix struct {
	// Title is an imperative phrase: "Build the index concurrently".
	Title  string
	Safety Safety
	// Edits are sorted by Start and never overlap. Display-only fixes may
	// carry none.
	Edits []Edit
	// Why says, for a display-only fix that a rule would otherwise apply,
	// why it cannot be ("the SQL is built from several parts"); the fix
	// report gives it as the reason the fix was skipped.
	Why string
	// Steps, when set, replace statement Stmt of the file with SQL that
	// runs in transactions of its own, or outside any: how depends on the
	// file's migration tool, so the rewrite package places them and fills
	// in Edits (or makes the fix display-only when they have no place).
	Steps []Step
	// Stmt is the index in its file of the statement that Steps replace.
	Stmt int
	// Contract, when set with Steps, is the contract part of an
	// expand/contract rewrite: SQL that may run only once no running code
	// uses the old schema (dropping a sync trigger, an old column). The
	// rewrite package writes it as a new migration of the file's tool,
	// named to run after the file and every step the fix placed, headed by
	// the marker `-- pgsafe:contract after <file>` (package contract), so
	// that contract-pending reminds of it until it ships in a later
	// release.
	Contract string
	// Also are further statements of the file that the fix replaces, each
	// with steps of its own, placed in one plan with Steps: a copy that the
	// steps redo in batches becomes an empty step, the end of its
	// transaction. The fix applies only when every replacement has a place.
	Also []Replacement
	// Down, when set with Contract, is SQL that the rewrite puts first in
	// the file's down migration (its down section, or the down file that
	// pairs with it), so that rolling back the expand part alone leaves no
	// sync trigger behind. It runs after the contract too, so it must be
	// idempotent (DROP ... IF EXISTS).
	Down string
	// FromCatalog says that Steps are written from what the catalog knows
	// of the schema that the earlier migrations leave (a column's type,
	// its indexes, a serial's sequence): the rewrite package plans them
	// again once the fixes of earlier migrations are applied.
	FromCatalog bool
	// After is the strongest lock the rewritten SQL takes on the
	// diagnostic's table, for the "SHARE -> SHARE UPDATE EXCLUSIVE" line of
	// the fix report; None when the fix does not change a lock.
	After locks.Mode
}

// Diagnostic is one finding.
type Diagnostic struct {
	Rule     *Rule
	Path     string        // the file's path as the user named it
	Span     sqlparse.Span // bytes of the original file
	Severity Severity
	Message  string
	// Help says how to do it safely; empty means the rule's summary advice.
	Help string
	Lock locks.Mode // the lock behind the finding, None when it is not about a lock
	// Table is the table concerned, as written; "" when none. A finding
	// about several tables lists them, separated by ", ".
	Table string
	Fixes []Fix
	// Down is set by the driver for a finding in a down migration (a
	// rollback), which runs only when a deploy is undone.
	Down bool
	// Impact is what the lock would cost on the production table, set
	// after the rules by the estimate step when lint has a snapshot
	// (--stats); nil otherwise, and for findings that are not about a
	// lock on a table.
	Impact *Impact
	// Related are the other statements that the message names ("its ADD
	// CONSTRAINT ... NOT VALID at line 7"), for reports and editors that
	// can point at them.
	Related []Related
}

// Related is another statement that a finding names.
type Related struct {
	// Path is the statement's file; "" for the finding's own file.
	Path string
	// Span is the statement's bytes in that file.
	Span sqlparse.Span
	// Message says what the statement is to the finding: "the ADD
	// CONSTRAINT ... NOT VALID in the same transaction".
	Message string
}

// Tables returns the tables the finding names, one each ("a, b" names
// two); nil when it names none.
func (d Diagnostic) Tables() []string {
	if d.Table == "" {
		return nil
	}
	return strings.Split(d.Table, ", ")
}

// Impact is a lock finding's cost on production, from a snapshot of the
// table's size and traffic and a cost model (package estimate).
type Impact struct {
	// Table is the table the figures are for, as Diagnostic.Table names
	// it: when it names several, the one the finding's lock blocks
	// longest (Note gives the others' figures too).
	Table string
	// Known reports that the snapshot has the table; New that the table is
	// not in it but is created earlier in the migration set, so that it is
	// empty when the statement runs. Neither: the table is new or unknown.
	Known, New bool
	// Rows, Bytes (heap and indexes) and WritesPerSecond are the table's,
	// from the snapshot; zero for a new table. Rows is -1 when the
	// snapshot does not know the count (never analyzed), WritesPerSecond
	// -1 when it does not know the rate (statistics reset between its
	// samples).
	Rows            int64
	Bytes           int64
	WritesPerSecond float64
	// Block is the estimated time the statement holds its lock (to the end
	// of its transaction), when Estimated; Operation names the work it was
	// priced as ("index build").
	Block     time.Duration
	Estimated bool
	// AtLeast reports that Block is only a floor: a later statement of
	// the transaction, which holds the lock too, could not be priced.
	AtLeast   bool
	Operation string
	// Lowered is the severity the rule gave the finding when the estimate
	// made it a hint (the block is below the threshold); 0 otherwise.
	Lowered Severity
	// Note says it in a sentence for reports: "blocks writes to orders
	// (48M rows, 9.1 GB, ~1,200 writes/s) for about 3 minutes".
	Note string
}

// Doc is a rule's documentation, kept as data beside its check so that
// docs/rules/<code>.md can be generated from it.
type Doc struct {
	// Summary is one sentence: what the rule finds.
	Summary string
	// Why explains what goes wrong for the people using the table.
	Why string
	// Bad is SQL that the rule reports.
	Bad string
	// Good is the safe way to do the same thing.
	Good string
	// Help is the one-line advice printed under each finding.
	Help string
	// Locks says, for users, what the reported statement locks and what
	// that blocks, and for how long; empty for rules that are not about a
	// lock.
	Locks string
	// FixSafety describes the rule's automatic fix, or that it has none.
	FixSafety string
	// Versions notes how the hazard depends on the PostgreSQL version.
	Versions string
	// CatalogRows lists the rows of the maintainers' hazard catalog that
	// the rule covers; it is a cross-reference for them, never shown to
	// users.
	CatalogRows []int
}

// Rule is a check with a permanent code and name.
type Rule struct {
	// Code is permanent: never renumbered or reused. "PS001".
	Code string
	// Name is a permanent kebab-case name: "require-concurrent-index".
	Name string
	// Severity is the default severity; config can override it.
	Severity Severity
	// FixAvailability says whether `pgsafe fix` applies the rule's fixes:
	// never, never but with advice, for some statements, or for all.
	FixAvailability FixAvailability
	Doc             Doc
	// Check is called once per statement of each file, in order.
	Check func(*Pass)
	// Queries reports that Check also runs on the statements of
	// application query files (see Pass.Query).
	Queries bool
}

// String returns "CODE name".
func (r *Rule) String() string { return r.Code + " " + r.Name }
