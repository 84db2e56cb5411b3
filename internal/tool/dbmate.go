package tool

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Dbmate is amacneil/dbmate: -- migrate:up and -- migrate:down sections,
// each sent as one query, inside a transaction unless the marker says
// transaction:false.
var Dbmate = &Tool{
	Name:  "dbmate",
	About: "amacneil/dbmate: `-- migrate:up` and `-- migrate:down` sections, each sent in one `Exec`, in a transaction unless the marker says `transaction:false`.",
	Doc: Doc{
		Detected: "a `-- migrate:up` or `-- migrate:down` line",
		Files:    "`VERSION_NAME.sql`, names compared as strings",
		Downs:    "the `-- migrate:down` block of the same file",
		Runs:     "each block in one `Exec`, inside a transaction unless the marker says `transaction:false` (then still one multi-statement query)",
		Leave:    "up blocks: new migrations numbered right after the file, a step that needs no transaction alone in a `transaction:false` block; down blocks: not possible (one block per rollback)",
		Refuses:  "a file without its up or down block, a second up or down block, two files with one version",
	},
	Cite: []string{
		"https://github.com/amacneil/dbmate#creating-migrations",
		"amacneil/dbmate pkg/dbmate/migration.go (section markers and options), pkg/dbmate/db.go (one Exec per section, in a transaction unless transaction:false)",
		"amacneil/dbmate issues #126, #182, #285 (CREATE INDEX CONCURRENTLY needs transaction:false and a file of its own)",
	},
	Detect: func(_ *Index, _, text string) string {
		if strings.Contains(text, "migrate:") && reDbmateMarker.MatchString(text) {
			return "-- migrate:up markers"
		}
		return ""
	},
	Names:    numberedNames,
	Order:    byBaseName,
	Run:      func(*File) Run { return Transaction },
	Sections: dbmateSections,
	Check:    dbmateCheck,
	Exit: Exit{
		MarkSection: func(f *File, sec Section) ([]Edit, bool) {
			if sec.Run != Transaction {
				return nil, false
			}
			line := f.Text[sec.Start:]
			if nl := strings.IndexByte(line, '\n'); nl >= 0 {
				line = line[:nl]
			}
			if !reDbmateMarker.MatchString(line) {
				return nil, false // a file without markers, which dbmate refuses: nothing to mark
			}
			end := sec.Start + len(strings.TrimRight(line, " \t\r"))
			return []Edit{{Path: f.Path, Start: end, End: end, NewText: " transaction:false"}}, true
		},
		Versions: numberedVersions(func(stem, _ string) Version {
			return Version{
				Path: stem + ".sql",
				Body: func(sql string, noTx bool) string {
					head := "-- migrate:up\n"
					if noTx {
						head = "-- migrate:up transaction:false\n"
					}
					return head + sql + "\n-- migrate:down\n"
				},
			}
		}),
	},
	Advice: func(a AdviceFor) string {
		switch {
		case a.Explicit:
			return ""
		case a.Run == Transaction:
			return fmt.Sprintf("mark the section `-- migrate:%s transaction:false` and keep this statement alone in it: dbmate sends a whole section as one query", a.Direction)
		default:
			return fmt.Sprintf("move it alone into its own migration file, whose section is marked `-- migrate:%s transaction:false`: dbmate sends a whole section as one query", a.Direction)
		}
	},
}

var (
	reDbmateMarker    = regexp.MustCompile(`(?m)^\s*--\s*migrate:(up|down)\b`)
	reDbmateDirective = regexp.MustCompile(`^migrate:(up|down)\b(.*)$`)
)

// dbmateSections reads the migrate:up and migrate:down markers and their
// transaction option.
func dbmateSections(f *File) []Section {
	var out []Section
	for _, c := range f.Comments {
		m := reDbmateDirective.FindStringSubmatch(c.Body())
		if m == nil {
			continue
		}
		s := Section{Start: c.Start, Direction: Up, Run: Transaction}
		if m[1] == "down" {
			s.Direction = Down
		}
		if strings.Contains(m[2], "transaction:false") {
			s.Run = Query
		}
		out = append(out, s)
	}
	return out
}

// numberedNames reads VERSION_TITLE.sql, the names of goose, dbmate and
// Atlas migrations.
func numberedNames(path string) (Name, bool) {
	v, rest, ok := SplitVersion(baseName(path))
	title, isSQL := cutSuffixFold(rest, ".sql")
	if !ok || !isSQL || title == "" || strings.Contains(title, "\n") {
		return Name{}, false
	}
	return Name{Version: v, Title: title}, true
}

// numberedVersions returns an Exit.Versions for tools whose versions are
// integers (or timestamps) that the next version follows by one: each new
// migration is named by name from its stem (its folder, version, '_' and
// the original's title) and the original's own stem (version and title).
func numberedVersions(name func(stem, origin string) Version) func(path string, n int, x *Index) ([]Version, error) {
	return func(path string, n int, x *Index) ([]Version, error) {
		base := baseName(path)
		v, rest, ok := SplitVersion(base)
		if !ok {
			return nil, noRoom("%s has no numeric version prefix", base)
		}
		title := strings.TrimSuffix(strings.TrimSuffix(rest, ".sql"), ".up")
		if title == "" {
			title = strings.TrimSuffix(rest, ".sql")
		}
		dir := filepath.Dir(path)
		versions, err := numericVersions(v, n, x.Versions(dir, "numbered", func(b string) (string, bool) {
			v, rest, ok := SplitVersion(b)
			return v, ok && strings.HasSuffix(rest, ".sql")
		}))
		if err != nil {
			return nil, err
		}
		out := make([]Version, n)
		for i, nv := range versions {
			out[i] = name(filepath.Join(dir, nv+"_"+title), v+"_"+title)
		}
		return out, nil
	}
}

// dbmateCheck reports what dbmate refuses (amacneil/dbmate
// pkg/dbmate/migration.go): a file without its `-- migrate:up` or
// `-- migrate:down` block (markers start a line), a second up or down
// block, and two files with one version (dbmate keeps versions as
// strings).
func dbmateCheck(files []Input) []Problem {
	var out []Problem
	for _, f := range files {
		if _, ok := numberedNames(f.Path); !ok {
			continue
		}
		ups, downs := lineStarts(f.Text, "-- migrate:up"), lineStarts(f.Text, "-- migrate:down")
		switch {
		case len(ups) == 0:
			out = append(out, Problem{Path: f.Path, Message: "dbmate requires each migration to define an up block with '-- migrate:up'"})
		case len(ups) > 1:
			out = append(out, Problem{Path: f.Path, Offset: ups[1], Message: "dbmate runs one up block per file; this second one fails"})
		default:
		}
		switch {
		case len(downs) == 0:
			out = append(out, Problem{Path: f.Path, Message: "dbmate requires each migration to define a down block with '-- migrate:down'"})
		case len(downs) > 1:
			out = append(out, Problem{Path: f.Path, Offset: downs[1], Message: "dbmate runs one down block per file; this second one fails"})
		default:
		}
	}
	return append(out, duplicateVersions(files, "dbmate", func(path string) (string, string, bool) {
		n, ok := numberedNames(path)
		return n.Version, "", ok
	})...)
}
