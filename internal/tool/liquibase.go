package tool

import (
	"fmt"
	"regexp"
	"strings"
)

// Liquibase is Liquibase's formatted SQL changelogs: a file that starts
// with --liquibase formatted sql, made of --changeset units, each run in
// a transaction of its own unless it says runInTransaction:false.
var Liquibase = &Tool{
	Name:  "liquibase",
	About: "Liquibase formatted SQL: a `--liquibase formatted sql` file of `--changeset author:id` units, each in one transaction unless it says `runInTransaction:false`; `--rollback` comments hold the rollback.",
	Doc: Doc{
		Detected: "a first line `--liquibase formatted sql`",
		Files:    "one changelog file of `--changeset author:id` units, in file order",
		Downs:    "`--rollback` comments of each changeset (not checked)",
		Runs:     "each changeset in one transaction, statement by statement; with `runInTransaction:false`, without one",
		Leave:    "new changesets right after the changeset (`author:id-pgsafe-N`), `runInTransaction:false` on a step that needs no transaction",
		Refuses:  "two changesets with one id",
	},
	Cite: []string{
		"https://docs.liquibase.com/concepts/changelogs/sql-format.html",
		"liquibase/liquibase liquibase-standard/src/main/java/liquibase/parser/core/formattedsql/FormattedSqlChangeLogParser.java",
	},
	Checksums: "Liquibase stores a checksum of each applied changeset in DATABASECHANGELOG and `liquibase update` fails validation when one has changed: fix only changesets that have not run anywhere (`--changed-since`), or add `--validCheckSum` afterwards.",
	Detect: func(_ *Index, _, text string) string {
		if reLiquibaseHeader.MatchString(firstLine(text)) {
			return "a --liquibase formatted sql header"
		}
		return ""
	},
	Run:      func(*File) Run { return Transaction },
	Sections: liquibaseSections,
	Check:    liquibaseCheck,
	Exit: Exit{
		Units:       liquibaseUnits,
		MarkSection: liquibaseMark,
	},
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return ""
		}
		return "move it alone into a changeset of its own with `runInTransaction:false`"
	},
}

var (
	reLiquibaseHeader     = regexp.MustCompile(`(?i)^--\s*liquibase\s+formatted\s+sql\b`)
	reLiquibaseChangeset  = regexp.MustCompile(`(?i)^\s*--\s*changeset\s+(\S+?):(\S+)(.*)$`)
	reRunInTransaction    = regexp.MustCompile(`(?i)\brunInTransaction:\s*false\b`)
	reRunInTransactionAny = regexp.MustCompile(`(?i)\brunInTransaction:\s*\w+`)
)

// liquibaseSections makes each changeset a section of its own.
func liquibaseSections(f *File) []Section {
	var out []Section
	for _, c := range f.Comments {
		if c.Block {
			continue
		}
		m := reLiquibaseChangeset.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		s := Section{Start: c.Start, Direction: Up, Run: Transaction, Label: "changeset " + m[1] + ":" + m[2]}
		if reRunInTransaction.MatchString(m[3]) {
			s.Run = Autocommit
		}
		out = append(out, s)
	}
	return out
}

// liquibaseUnits writes steps as new changesets to go right after the
// section sec, with ids made from sec's and an empty rollback each.
func liquibaseUnits(f *File, sec Section, steps []UnitStep) (string, error) {
	m := reLiquibaseChangeset.FindStringSubmatch(strings.SplitN(f.Text[sec.Start:], "\n", 2)[0])
	if m == nil {
		return "", noRoom("no --changeset line")
	}
	author, id := m[1], m[2]
	var b strings.Builder
	for i, s := range steps {
		attrs := ""
		if s.NoTx {
			attrs = " runInTransaction:false"
		}
		// The changeset's own --rollback undoes what moved here too: it
		// rolls back after these, which roll back nothing.
		fmt.Fprintf(&b, "--changeset %s:%s-pgsafe-%d%s\n%s\n--rollback empty\n", author, id, i+1, attrs, strings.TrimSpace(s.SQL))
	}
	return b.String(), nil
}

// liquibaseCheck reports two changesets with one author and id in a file:
// Liquibase refuses the changelog.
func liquibaseCheck(files []Input) []Problem {
	var out []Problem
	for _, f := range files {
		seen := map[string]bool{}
		for _, off := range lineStarts(f.Text, "--") {
			line := f.Text[off:]
			if nl := strings.IndexByte(line, '\n'); nl >= 0 {
				line = line[:nl]
			}
			m := reLiquibaseChangeset.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			id := m[1] + ":" + m[2]
			if seen[id] {
				out = append(out, Problem{Path: f.Path, Offset: off, Message: "Liquibase refuses two changesets with the id " + id})
			}
			seen[id] = true
		}
	}
	return out
}

// liquibaseMark adds runInTransaction:false to a changeset's line.
func liquibaseMark(f *File, sec Section) ([]Edit, bool) {
	line := f.Text[sec.Start:]
	if nl := strings.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	m := reLiquibaseChangeset.FindStringSubmatch(line)
	if m == nil {
		return nil, false
	}
	if loc := reRunInTransactionAny.FindStringIndex(line); loc != nil {
		return []Edit{{Path: f.Path, Start: sec.Start + loc[0], End: sec.Start + loc[1], NewText: "runInTransaction:false"}}, true
	}
	end := sec.Start + len(strings.TrimRight(line, " \t\r"))
	return []Edit{{Path: f.Path, Start: end, End: end, NewText: " runInTransaction:false"}}, true
}
