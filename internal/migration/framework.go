// Package migration reads SQL files the way a migration tool runs them: it
// detects the framework, splits up and down sections, places every statement
// in its transaction, and tracks lock_timeout, statement_timeout and the
// tables that a file creates.
package migration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Framework names a migration tool whose transaction rules pgsafe knows.
type Framework string

// The frameworks pgsafe recognises.
const (
	Auto          Framework = ""               // detect from the file
	Psql          Framework = "psql"           // psql --file: every statement commits on its own
	Goose         Framework = "goose"          // pressly/goose annotations
	Dbmate        Framework = "dbmate"         // amacneil/dbmate sections
	GolangMigrate Framework = "golang-migrate" // N_name.up.sql sent as one multi-statement query
	Flyway        Framework = "flyway"         // V1__name.sql
	Popx          Framework = "popx"           // ory/x popx: *.up.sql in a transaction, .autocommit. files not
	Pop           Framework = "pop"            // gobuffalo/pop: every migration in a transaction
	Sqitch        Framework = "sqitch"         // deploy/ scripts run by psql --file
)

// Frameworks lists every framework name accepted by --framework.
var Frameworks = []Framework{Psql, Goose, Dbmate, GolangMigrate, Flyway, Popx, Pop, Sqitch}

// ParseFramework validates a framework name; "" and "auto" mean Auto.
func ParseFramework(s string) (Framework, error) {
	if s == "" || s == "auto" {
		return Auto, nil
	}
	for _, f := range Frameworks {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Frameworks))
	for i, f := range Frameworks {
		names[i] = string(f)
	}
	return Auto, fmt.Errorf("unknown framework %q (want auto, %s)", s, strings.Join(names, ", "))
}

// Mode says how a runner sends a file's statements to the server.
type Mode int

// The execution modes.
const (
	// Autocommit sends statements one at a time outside any transaction;
	// explicit BEGIN/COMMIT in the file still open and close transactions.
	Autocommit Mode = iota
	// Wrapped runs the whole file inside one transaction opened by the runner.
	Wrapped
	// SingleExec sends the whole file as one multi-statement query, which
	// PostgreSQL runs as one implicit transaction when it holds more than
	// one statement.
	SingleExec
)

// String names the mode for messages.
func (m Mode) String() string {
	switch m {
	case Wrapped:
		return "one transaction per file"
	case SingleExec:
		return "one multi-statement query"
	default:
		return "autocommit per statement"
	}
}

// Direction says whether SQL migrates up or rolls back.
type Direction int

// The directions.
const (
	Up Direction = iota
	Down
)

// String returns "up" or "down".
func (d Direction) String() string {
	if d == Down {
		return "down"
	}
	return "up"
}

var (
	reGooseMarker  = regexp.MustCompile(`(?m)^\s*--\s*\+goose\s+(Up|Down)\b`)
	reDbmateMarker = regexp.MustCompile(`(?m)^\s*--\s*migrate:(up|down)\b`)
)

// Dialect returns the database dialect named in a popx or pop file name
// ("postgres", "mysql", ...), or "" when the name has none.
func Dialect(path string) string {
	n, _ := ParsePopName(filepath.Base(path))
	return n.Dialect
}

// Detector detects frameworks, caching what it learns about directories.
type Detector struct {
	dirs map[string]dirInfo
}

type dirInfo struct {
	pop, popx bool // the folder holds .fizz files, or dialect or .autocommit names
	sqitch    bool // a sqitch.plan sits in the folder's parent
}

// NewDetector returns a Detector with an empty cache.
func NewDetector() *Detector { return &Detector{dirs: map[string]dirInfo{}} }

func (d *Detector) dir(dir string) dirInfo {
	if info, ok := d.dirs[dir]; ok {
		return info
	}
	var info dirInfo
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			name := e.Name()
			n, ok := ParsePopName(name)
			switch {
			case strings.HasSuffix(name, ".fizz"):
				info.pop = true
			case ok && (n.Dialect != "" || n.Autocommit):
				info.popx = true
			default:
			}
		}
	}
	base := filepath.Base(dir)
	if base == "deploy" || base == "revert" || base == "verify" {
		if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "sqitch.plan")); err == nil {
			info.sqitch = true
		}
	}
	d.dirs[dir] = info
	return info
}

// Detect returns the framework that runs the file at path with content
// text. Markers in the text win over names; names win over folders.
func (d *Detector) Detect(path, text string) Framework {
	// The markers' regexps scan the whole text; the substring tests in
	// front of them are much faster and rule out most files.
	switch {
	case strings.Contains(text, "+goose") && reGooseMarker.MatchString(text):
		return Goose
	case strings.Contains(text, "migrate:") && reDbmateMarker.MatchString(text):
		return Dbmate
	default:
	}
	base := filepath.Base(path)
	dir := filepath.Dir(path)
	info := d.dir(dir)
	switch {
	case info.sqitch:
		return Sqitch
	case isFlywayName(base):
		return Flyway
	case isPopName(base) && info.pop:
		return Pop
	case isPopName(base) && (info.popx || strings.Contains(base, ".autocommit.")):
		return Popx
	case isGolangMigrateName(base):
		return GolangMigrate
	default:
		return Psql
	}
}

// FileDirection returns the direction that a file's name or folder gives
// it, before any section markers inside it are read.
func FileDirection(fw Framework, path string) Direction {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, ".down.sql"):
		return Down
	case fw == Flyway && strings.HasPrefix(base, "U"):
		return Down
	case fw == Sqitch && filepath.Base(filepath.Dir(path)) == "revert":
		return Down
	default:
		return Up
	}
}

// fileMode returns how fw runs the file at path, before markers in the text
// (goose NO TRANSACTION, dbmate transaction:false) are read.
func fileMode(fw Framework, path string, readFile func(string) ([]byte, error)) Mode {
	switch fw {
	case Goose, Dbmate, Pop:
		return Wrapped
	case Popx:
		if strings.Contains(filepath.Base(path), ".autocommit.") {
			return SingleExec
		}
		return Wrapped
	case GolangMigrate:
		return SingleExec
	case Flyway:
		if flywayConfFalse(path, readFile) {
			return Autocommit
		}
		return Wrapped
	default:
		return Autocommit
	}
}

var reFlywayTx = regexp.MustCompile(`(?m)^\s*executeInTransaction\s*=\s*false\s*$`)

// flywayConfFalse reports whether the script's .sql.conf turns off
// executeInTransaction.
func flywayConfFalse(path string, readFile func(string) ([]byte, error)) bool {
	if readFile == nil {
		readFile = os.ReadFile
	}
	b, err := readFile(path + ".conf")
	return err == nil && reFlywayTx.Match(b)
}
