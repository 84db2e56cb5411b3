package tool

import (
	"path/filepath"
	"sort"
	"strings"
)

// Sqitch is sqitch: deploy, revert and verify scripts named in
// sqitch.plan, each run by psql --file, statement by statement.
var Sqitch = &Tool{
	Name:  "sqitch",
	About: "sqitch: `deploy/`, `revert/` and `verify/` scripts of the changes in `sqitch.plan`, each run by `psql --file`, statement by statement; its templates wrap a script in `BEGIN;` ... `COMMIT;`.",
	Doc: Doc{
		Detected: "`sqitch.plan` above the `deploy/`, `revert/` and `verify/` folders",
		Files:    "`deploy/CHANGE.sql` per change of `sqitch.plan`, in the plan's order; scripts of changes not in the plan are never run",
		Downs:    "`revert/CHANGE.sql`",
		Runs:     "`psql --file` with `ON_ERROR_STOP`: statement by statement, the `BEGIN;` ... `COMMIT;` of the templates included",
		Leave:    "in place: split around the script's own `COMMIT`, or as is outside a transaction",
		Refuses:  "—",
	},
	Cite: []string{
		"sqitchers/sqitch lib/App/Sqitch/Engine/pg.pm (scripts run through psql with ON_ERROR_STOP)",
		"sqitchers/sqitch etc/templates/deploy/pg.tmpl (BEGIN; ... COMMIT;)",
		"https://sqitch.org/docs/manual/sqitch-plan/ (the plan's order of changes)",
	},
	Detect: func(x *Index, path, _ string) string {
		if plan, ok := sqitchPlan(x, path); ok {
			return filepath.Base(plan) + " above " + filepath.Base(filepath.Dir(path)) + "/"
		}
		return ""
	},
	Project: func(path string) string {
		if role, root := sqitchRole(path); role != "" {
			return root
		}
		return filepath.Dir(path)
	},
	Names: sqitchName,

	Run:   func(*File) Run { return Autocommit },
	Order: sqitchOrder,
	Skip:  sqitchSkip,
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return "delete the BEGIN and COMMIT lines that sqitch's deploy template adds, so that psql runs each statement on its own"
		}
		return ""
	},
}

// sqitchName reads a script's change: its path under deploy/, revert/ or
// verify/, which pairs a deploy script with its revert script.
func sqitchName(path string) (Name, bool) {
	role, root := sqitchRole(path)
	if role == "" {
		return Name{}, false
	}
	rel, err := filepath.Rel(filepath.Join(root, role), path)
	if err != nil {
		return Name{}, false
	}
	change := strings.TrimSuffix(filepath.ToSlash(rel), ".sql")
	n := Name{Title: change, Key: filepath.Join(root, change)}
	if role == "revert" {
		n.Direction = Down
	}
	if role == "verify" {
		n.Key = ""
	}
	return n, true
}

// sqitchRole returns the role of a script (deploy, revert or verify) and
// the folder above that role's folder, by the first folder so named on
// the way up from the script (changes may sit in subfolders).
func sqitchRole(path string) (role, root string) {
	for d := filepath.Dir(path); ; {
		switch b := filepath.Base(d); b {
		case "deploy", "revert", "verify":
			return b, filepath.Dir(d)
		default:
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", ""
		}
		d = parent
	}
}

// sqitchPlan returns the plan of the project a script belongs to.
func sqitchPlan(x *Index, path string) (string, bool) {
	role, root := sqitchRole(path)
	if role == "" {
		return "", false
	}
	plan := filepath.Join(root, "sqitch.plan")
	return plan, x.Exists(plan)
}

// sqitchChanges returns the changes that a plan lists, in order: the
// first word of each line that is not a pragma (%), a tag (@), a comment
// (#) or blank. A reworked change appears again and keeps its first
// place. Nil when the plan cannot be read.
func sqitchChanges(plan string) []string {
	b, err := readFileOS(plan)
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.ContainsAny(line[:1], "%@#") {
			continue
		}
		name := strings.Fields(line)[0]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// sqitchOrder orders a project's scripts as its plan lists the changes:
// each change's deploy script, then its verify script; revert scripts
// after (pgsafe places each right after its deploy script).
func sqitchOrder(paths []string) []string {
	rank := map[string]int{}
	for _, p := range paths {
		role, root := sqitchRole(p)
		if role == "" {
			continue
		}
		if _, done := rank[root]; done {
			continue
		}
		rank[root] = 0
		for i, c := range sqitchChanges(filepath.Join(root, "sqitch.plan")) {
			rank[filepath.Join(root, c)] = i + 1
		}
	}
	roleRank := map[string]int{"deploy": 0, "verify": 1, "revert": 2}
	key := func(p string) (int, int) {
		role, root := sqitchRole(p)
		n, ok := sqitchName(p)
		if !ok {
			return 1 << 30, 0
		}
		r, ok := rank[filepath.Join(root, n.Title)]
		if !ok {
			r = 1 << 29
		}
		return r, roleRank[role]
	}
	out := append([]string(nil), paths...)
	sort.SliceStable(out, func(i, j int) bool {
		ci, ri := key(out[i])
		cj, rj := key(out[j])
		if ci != cj {
			return ci < cj
		}
		return ri < rj
	})
	return out
}

// sqitchSkip leaves out the scripts of changes that the project's plan
// does not list: sqitch never runs them.
func sqitchSkip(paths []string) map[string]string {
	plans := map[string]map[string]bool{}
	out := map[string]string{}
	for _, p := range paths {
		role, root := sqitchRole(p)
		if role == "" {
			continue
		}
		listed, ok := plans[root]
		if !ok {
			changes := sqitchChanges(filepath.Join(root, "sqitch.plan"))
			if changes != nil {
				listed = map[string]bool{}
				for _, c := range changes {
					listed[c] = true
				}
			}
			plans[root] = listed
		}
		if listed == nil {
			continue
		}
		if n, ok := sqitchName(p); ok && !listed[n.Title] {
			out[p] = "its change is not in sqitch.plan; sqitch never runs it"
		}
	}
	return out
}
