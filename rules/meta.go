package rules

// The rules in this file have no Check: the lint driver reports them.

// SyntaxError is reported when a file does not parse.
func SyntaxError() *Rule {
	return &Rule{
		Code: "PS000", Name: "syntax-error", Severity: Error, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "The file does not parse as PostgreSQL SQL.",
			Why: "PostgreSQL will reject the migration at deploy time, and pgsafe cannot check a file it cannot parse. The finding points at the character where the parser stopped. " +
				"A statement nested too deeply for the parser's stack (a chain of thousands of operators, hundreds of nested parentheses or subqueries) is reported too, " +
				"at the statement or the list item that holds the deep part, before the parser sees it: see Limits in docs/output.md.",
			Bad:       "ALTER TABLE accounts ADD COLUMN;",
			Help:      "fix the SQL at the marked position; Go-template placeholders must be rendered first",
			FixSafety: "No fix: pgsafe never rewrites a file that does not parse.",
			Versions:  "pgsafe parses with the PostgreSQL 17 grammar for every --pg-version.",
		},
	}
}

// InvalidSuppression is reported for a pgsafe:ignore comment without a
// reason, or one that names an unknown rule.
func InvalidSuppression() *Rule {
	return &Rule{
		Code: "PS900", Name: "invalid-suppression", Severity: Warning, FixAvailability: FixNone,
		Doc: Doc{
			Summary:   "A pgsafe:ignore comment names an unknown rule or gives no reason.",
			Why:       "A suppression is a decision a reviewer must be able to read later: which rule, and why it does not apply. One without a reason hides a hazard silently, and one with a misspelt rule suppresses nothing.",
			Bad:       "-- pgsafe:ignore require-concurrent-index\nCREATE INDEX i ON t (c);",
			Good:      "-- pgsafe:ignore require-concurrent-index the table is empty until the next release\nCREATE INDEX i ON t (c);",
			Help:      "write `-- pgsafe:ignore <code|name>[, ...] <reason>` with codes or names from `pgsafe rules`",
			FixSafety: "No fix.",
		},
	}
}

// UnusedSuppression is reported for a pgsafe:ignore comment that matched
// no finding.
func UnusedSuppression() *Rule {
	return &Rule{
		Code: "PS901", Name: "unused-suppression", Severity: Warning, FixAvailability: FixNone,
		Doc: Doc{
			Summary:   "A pgsafe:ignore comment suppresses nothing.",
			Why:       "A stale suppression outlives the statement it was written for and will silently hide a future finding on whatever statement follows it.",
			Bad:       "-- pgsafe:ignore require-concurrent-index built on an empty table\nCREATE INDEX CONCURRENTLY i ON t (c);",
			Good:      "CREATE INDEX CONCURRENTLY i ON t (c);",
			Help:      "delete the comment, or move it above the statement it is meant for",
			FixSafety: "No fix.",
		},
	}
}

// MigrationToolGuessed is reported once per folder whose migration tool
// pgsafe could only guess.
func MigrationToolGuessed() *Rule {
	return &Rule{
		Code: "PS910", Name: "migration-tool-guessed", Severity: Hint, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "pgsafe could only guess which migration tool runs a folder.",
			Why: "Whether a statement runs inside a transaction, and so whether CREATE INDEX CONCURRENTLY can run at all, " +
				"depends on the tool that runs the file. pgsafe reads markers in the files (`-- +goose Up`, `-- migrate:up`, " +
				"`--liquibase formatted sql`) and files that tools keep beside their migrations (atlas.sum, sqitch.plan, " +
				"meta/_journal.json, migration_lock.toml); names alone (`1_x.up.sql` could be golang-migrate or an in-house runner " +
				"that wraps each file in a transaction) are only a guess. Under a guess, the findings assume the guessed tool, and " +
				"`pgsafe fix` applies no rewrite whose correctness depends on how the tool runs a file: those are shown as advice.",
			Bad:       "-- db/migrations/0003_index.up.sql, with nothing else that names the tool\nCREATE INDEX accounts_email_idx ON accounts (email);",
			Good:      "# .pgsafe.toml\nframework = \"golang-migrate\"",
			Help:      "name the tool with `framework = \"NAME\"` in .pgsafe.toml (or per folder in its [frameworks] table), or pass --framework NAME",
			FixSafety: "No fix: only you know which tool runs the files.",
		},
	}
}

// MigrationToolRefuses is reported for what the folder's migration tool
// refuses: a missing marker, a duplicate version, an up without its
// down.
func MigrationToolRefuses() *Rule {
	return &Rule{
		Code: "PS911", Name: "migration-tool-refuses", Severity: Error, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "The migration tool that runs the folder refuses a file, or the folder.",
			Why: "Each tool has rules of its own beyond SQL: goose needs a `-- +goose Up` annotation on a line of its own, " +
				"dbmate an up and a down block, popx a down migration for every up, and none of them accepts two migrations " +
				"with one version; Atlas refuses a folder whose atlas.sum does not match its files. Such a folder fails at " +
				"deploy time, often after the migrations before the bad file have run.",
			Bad:       "-- 20240101000000_index.sql, run by dbmate\nCREATE INDEX accounts_email_idx ON accounts (email);",
			Good:      "-- migrate:up\nCREATE INDEX accounts_email_idx ON accounts (email);\n\n-- migrate:down\nDROP INDEX accounts_email_idx;",
			Help:      "make the file what the tool expects (see docs/frameworks.md for each tool's rules)",
			FixSafety: "No fix.",
		},
	}
}
