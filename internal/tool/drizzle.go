package tool

import (
	"encoding/json"
	"path/filepath"
	"strings"
)

// Drizzle is drizzle-kit's migrator: the SQL files that
// meta/_journal.json lists, their statements split on
// --> statement-breakpoint, every pending migration in one transaction.
var Drizzle = &Tool{
	Name:  "drizzle",
	About: "Drizzle (`drizzle-kit migrate`, drizzle-orm's migrator): the `NNNN_name.sql` files listed in `meta/_journal.json`, statements split on `--> statement-breakpoint`, every pending migration in one transaction.",
	Cite: []string{
		"https://orm.drizzle.team/docs/kit-overview (migrations folder and journal)",
		"drizzle-team/drizzle-orm drizzle-orm/src/migrator.ts (readMigrationFiles: the journal's entries, split on --> statement-breakpoint)",
		"drizzle-team/drizzle-orm drizzle-orm/src/pg-core/dialect.ts (migrate: one transaction around every pending migration)",
	},
	Checksums: "Drizzle records a hash of each applied file but applies by the journal's timestamps; a changed applied file is not run again.",
	Detect: func(x *Index, path, text string) string {
		if x.Exists(filepath.Join(filepath.Dir(path), "meta", "_journal.json")) {
			return "meta/_journal.json in the folder"
		}
		if strings.Contains(text, "--> statement-breakpoint") {
			return "--> statement-breakpoint markers"
		}
		return ""
	},
	Names: func(path string) (Name, bool) {
		v, rest, ok := SplitVersion(baseName(path))
		title, isSQL := cutSuffixFold(rest, ".sql")
		if !ok || !isSQL || title == "" {
			return Name{}, false
		}
		return Name{Version: v, Title: title}, true
	},
	Skip: drizzleSkip,
	Run:  func(*File) Run { return RunTransaction },
	Exit: Exit{
		Stuck: "drizzle-kit migrate runs every pending migration in one transaction, with no way out",
	},
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return ""
		}
		return "drizzle-kit migrate runs every pending migration in one transaction: run the statement outside it (by hand, or a job of its own)"
	},
}

// drizzleSkip leaves out the SQL files that no journal entry names: the
// migrator never runs them.
func drizzleSkip(paths []string) map[string]string {
	journals := map[string]map[string]bool{} // folder -> tags listed
	skip := map[string]string{}
	for _, p := range paths {
		d := filepath.Dir(p)
		tags, ok := journals[d]
		if !ok {
			tags = readJournal(filepath.Join(d, "meta", "_journal.json"))
			journals[d] = tags
		}
		if tags == nil {
			continue
		}
		if !tags[strings.TrimSuffix(filepath.Base(p), ".sql")] {
			skip[p] = "not in meta/_journal.json; drizzle never runs it"
		}
	}
	return skip
}

// readJournal returns the tags a drizzle journal lists; nil when there is
// no readable journal.
func readJournal(path string) map[string]bool {
	b, err := readFileOS(path)
	if err != nil {
		return nil
	}
	var j struct {
		Entries []struct {
			Tag string `json:"tag"`
		} `json:"entries"`
	}
	if json.Unmarshal(b, &j) != nil {
		return nil
	}
	tags := map[string]bool{}
	for _, e := range j.Entries {
		tags[e.Tag] = true
	}
	return tags
}
