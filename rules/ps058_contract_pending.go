package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// ContractPending reminds of a contract migration, marked
// `-- pgsafe:contract after <expand file>`, until it has shipped, and
// reports the marker when the contract would ship with its expand file
// or before it (hazard catalog row 37).
func ContractPending() *Rule {
	return &Rule{
		Code: "PS058", Name: "contract-pending", Severity: Warning, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "A contract migration (marked `-- pgsafe:contract after <expand file>`) that has not shipped yet.",
			Why: "An expand/contract change ships in two releases: the expand file adds the new column or table and " +
				"keeps it in sync, the application moves to it, and only then does the contract file drop the old " +
				"one. Shipped with its expand file, or before every running instance of the application has moved, " +
				"the contract drops what running code still reads and writes. The marker names the expand file, as " +
				"a path from the contract file's folder; contract-before-expand then leaves the move to this rule. " +
				"What has shipped comes from the config: with release-tag, a migration has shipped once a git tag " +
				"that matches it holds the file, and contract-releases says how many releases must hold the expand " +
				"file first; with --changed-since REF (or changed-since), the migrations not changed since REF have " +
				"shipped. The finding is a warning while the expand file has not shipped (the two would ship " +
				"together), or when pgsafe cannot tell; a hint, the reminder to check the deploy, once it has; and " +
				"nothing once the contract file has shipped. A marker that names no migration of the set, or one " +
				"that runs after the contract, is reported too.",
			Bad: "-- 0007_drop_email.sql, committed with 0006_email_address.sql\n" +
				"-- pgsafe:contract after 0006_email_address.sql\n" +
				"DROP TRIGGER users_sync_email ON users;\n" +
				"ALTER TABLE users DROP COLUMN email;",
			Good: "-- release 1 ships 0006_email_address.sql (the expand); the code moves to email_address;\n" +
				"-- release 2 ships the contract:\n" +
				"-- pgsafe:contract after 0006_email_address.sql\n" +
				"DROP TRIGGER users_sync_email ON users;\n" +
				"ALTER TABLE users DROP COLUMN email;",
			Help: "ship the contract file in a release after its expand file's, once every running instance of the " +
				"application reads and writes the new place; set release-tag in .pgsafe.toml so that lint knows what has shipped",
			FixSafety:   "No fix: when to ship is a release decision.",
			Versions:    "All versions.",
			CatalogRows: []int{37},
		},
		Check: checkContractPending,
	}
}

type contractPendingKey struct{}

// checkContractPending reports, once per file, its malformed markers
// now and its contract marker once the whole set is read.
func checkContractPending(p *Pass) {
	fileIndex(p, contractPendingKey{}, func() bool {
		first := true
		for _, m := range contract.Find(p.File.Comments) {
			switch {
			case m.Err != "":
				p.Report(Diagnostic{Span: m.Comment.Span, Message: m.Err + "; the file is not read as a contract migration"})
			case !first:
				p.Report(Diagnostic{Span: m.Comment.Span, Message: "a second pgsafe:contract marker; only the file's first one counts"})
			default:
				first = false
				laterContract(p, m)
			}
		}
		return true
	})
}

// laterContract checks the contract marker m of the current file once
// the whole set is read.
func laterContract(p *Pass, m contract.Marker) {
	path := p.File.Path
	expand := contract.ExpandPath(path, m.Expand)
	span := m.Comment.Span
	opts := p.Options
	p.Later(func(h *history.History, report func(Diagnostic)) {
		e, ok := h.Index(expand)
		c, _ := h.Index(path)
		switch {
		case !ok:
			report(Diagnostic{Span: span, Message: fmt.Sprintf("pgsafe:contract names %s, which is not a migration of this set "+
				"(the path is taken from this file's folder): the file's drops are not known to wait for an expand", expand)})
			return
		case e == c:
			report(Diagnostic{Span: span, Message: "pgsafe:contract names this file itself; name the expand file that this one completes"})
			return
		case e > c:
			report(Diagnostic{Span: span, Message: fmt.Sprintf("the expand file %s runs after this contract migration, so the old "+
				"place is dropped before the new one exists; rename the files so that the expand file runs first", expand)})
			return
		}
		drops := droppedNames(h, path)
		if opts.Releases == nil {
			report(Diagnostic{Span: span, Message: fmt.Sprintf("contract migration of %s: ship it in a later release than %s, once "+
				"every running instance of the application %s; pgsafe cannot tell what has shipped, so it reminds of this "+
				"file on every run: set release-tag in .pgsafe.toml (or lint with --changed-since), and the reminder "+
				"stops once the file has shipped", expand, expand, movedOff(drops))})
			return
		}
		if opts.Releases(path) > 0 {
			return // shipped
		}
		need := max(opts.ContractReleases, 1)
		switch shipped := opts.Releases(expand); {
		case shipped == 0:
			report(Diagnostic{Span: span, Message: fmt.Sprintf("contract migration of %s, which has not shipped yet (going by %s): shipped "+
				"together, the contract drops %s while code that still uses it runs; keep this file out of the release "+
				"that ships %s", expand, opts.ReleaseSource, dropsOrOld(drops), expand)})
		case shipped < need:
			report(Diagnostic{Span: span, Message: fmt.Sprintf("contract migration of %s, which has shipped in %d %s (going by %s) where "+
				"contract-releases asks for %d: keep this file out of the next release", expand, shipped,
				plural(shipped, "release", "releases"), opts.ReleaseSource, need)})
		default:
			report(Diagnostic{Span: span, Severity: Hint, Message: fmt.Sprintf("contract migration of %s, which has shipped (going by %s): "+
				"ship it once every running instance of the application %s", expand, opts.ReleaseSource, movedOff(drops))})
		}
	})
}

// droppedNames lists the columns and tables that the migration at path
// drops: "users.email", "profiles_old".
func droppedNames(h *history.History, path string) []string {
	var out []string
	for _, ev := range h.Changes(path) {
		switch ev.Kind {
		case schema.ColumnDropped:
			out = append(out, Display(ev.Key)+"."+ev.Column)
		case schema.TableDropped:
			out = append(out, Display(ev.Key))
		default:
		}
	}
	return out
}

// movedOff says what running code must no longer use: "no longer reads
// or writes users.email".
func movedOff(drops []string) string {
	if len(drops) == 0 {
		return "has moved off what it drops"
	}
	return "no longer reads or writes " + shortList(drops)
}

// dropsOrOld names what a contract drops, or "the old place".
func dropsOrOld(drops []string) string {
	if len(drops) == 0 {
		return "the old place"
	}
	return shortList(drops)
}

// shortList joins names as nameList does, the first four and a count of
// the rest.
func shortList(names []string) string {
	const shown = 4
	if len(names) > shown {
		names = append(names[:shown:shown], fmt.Sprintf("%d more", len(names)-shown))
	}
	return nameList(names)
}
