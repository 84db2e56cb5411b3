package tool

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Drizzle is drizzle-kit's migrator: the SQL files that
// meta/_journal.json lists, their statements split on
// --> statement-breakpoint, every pending migration in one transaction.
var Drizzle = &Tool{
	Name:  "drizzle",
	About: "Drizzle (`drizzle-kit migrate`, drizzle-orm's migrator): the `NNNN_name.sql` files listed in `meta/_journal.json`, statements split on `--> statement-breakpoint`, every pending migration in one transaction.",
	Doc: Doc{
		Detected: "`meta/_journal.json` in the folder, or `--> statement-breakpoint` markers",
		Files:    "the `NNNN_name.sql` files that `meta/_journal.json` lists, in its order; other files are never run",
		Downs:    "none",
		Runs:     "every pending migration in one transaction, statements split on `--> statement-breakpoint`",
		Leave:    "not possible: shown as advice",
		Refuses:  "a journal entry whose file is missing",
	},
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
	Skip:  drizzleSkip,
	Order: drizzleOrder,
	Check: drizzleCheck,
	Run:   func(*File) Run { return RunTransaction },
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
	list := journalTags(path)
	if list == nil {
		return nil
	}
	tags := map[string]bool{}
	for _, t := range list {
		tags[t] = true
	}
	return tags
}

// journalTags returns the tags of a drizzle journal's entries in its
// order (the order the migrator runs them); nil when there is no readable
// journal.
func journalTags(path string) []string {
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
	tags := make([]string, 0, len(j.Entries))
	for _, e := range j.Entries {
		tags = append(tags, e.Tag)
	}
	return tags
}

// drizzleOrder orders a folder's files as its journal lists them.
func drizzleOrder(paths []string) []string {
	if len(paths) == 0 {
		return paths
	}
	tags := journalTags(filepath.Join(filepath.Dir(paths[0]), "meta", "_journal.json"))
	rank := map[string]int{}
	for i, t := range tags {
		rank[t] = i
	}
	out := append([]string(nil), paths...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, oki := rank[strings.TrimSuffix(filepath.Base(out[i]), ".sql")]
		rj, okj := rank[strings.TrimSuffix(filepath.Base(out[j]), ".sql")]
		if oki != okj {
			return oki
		}
		return ri < rj
	})
	return out
}

// drizzleCheck reports journal entries whose SQL file is missing: the
// migrator fails to read them.
func drizzleCheck(files []Input) []Problem {
	have := map[string]bool{}
	dirs := map[string]bool{}
	for _, f := range files {
		have[f.Path] = true
		dirs[filepath.Dir(f.Path)] = true
	}
	var out []Problem
	for d := range dirs {
		journal := filepath.Join(d, "meta", "_journal.json")
		for _, t := range journalTags(journal) {
			if !have[filepath.Join(d, t+".sql")] {
				out = append(out, Problem{Path: journal, Message: fmt.Sprintf("the journal lists %s, but %s.sql is missing: drizzle-kit migrate fails to read it", t, t)})
			}
		}
	}
	return out
}
