package tool

import (
	"path/filepath"
	"strings"
)

// Sqitch is sqitch: deploy, revert and verify scripts named in
// sqitch.plan, each run by psql --file, statement by statement.
var Sqitch = &Tool{
	Name:  "sqitch",
	About: "sqitch: `deploy/`, `revert/` and `verify/` scripts of the changes in `sqitch.plan`, each run by `psql --file`, statement by statement; its templates wrap a script in `BEGIN;` ... `COMMIT;`.",
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
	Names: func(path string) (Name, bool) {
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
	},
	Run: func(*File) Run { return Autocommit },
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return "delete the BEGIN and COMMIT lines that sqitch's deploy template adds, so that psql runs each statement on its own"
		}
		return ""
	},
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
