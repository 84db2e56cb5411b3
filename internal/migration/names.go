package migration

import "strings"

// This file matches the file names that frameworks give migrations. The
// matchers are written out by hand rather than as regular expressions
// because they run for every file of every run; a test checks them
// against the equivalent regular expressions.

// PopName is a popx or gobuffalo/pop migration file name split into its
// parts: VERSION_NAME[.DIALECT][.autocommit].(up|down).(sql|fizz).
type PopName struct {
	Version    string // the leading digits
	Name       string // after the '_', up to the first '.'
	Dialect    string // "postgres", "mysql", ...; "" for every database
	Autocommit bool   // the file runs outside a transaction
	Down       bool   // a down migration
	Ext        string // "sql" or "fizz"
}

// dialects are the databases popx and pop name in file names.
var dialects = []string{"postgres", "cockroach", "mysql", "sqlite3", "mssql"}

// ParsePopName splits a popx or pop file's base name; ok is false when
// base is not named like one.
func ParsePopName(base string) (n PopName, ok bool) {
	var rest string
	if n.Version, rest, ok = SplitVersion(base); !ok {
		return n, false
	}
	dot := strings.IndexByte(rest, '.')
	if dot <= 0 {
		return n, false
	}
	n.Name, rest = rest[:dot], rest[dot+1:]
	parts := strings.Split(rest, ".")
	if len(parts) >= 3 && isDialect(parts[0]) {
		n.Dialect, parts = parts[0], parts[1:]
	}
	if len(parts) >= 3 && parts[0] == "autocommit" {
		n.Autocommit, parts = true, parts[1:]
	}
	if len(parts) != 2 || !isDirection(parts[0]) || (parts[1] != "sql" && parts[1] != "fizz") {
		return n, false
	}
	n.Down, n.Ext = parts[0] == "down", parts[1]
	return n, true
}

func isPopName(base string) bool {
	_, ok := ParsePopName(base)
	return ok
}

// Stem returns VERSION_NAME.
func (n PopName) Stem() string { return n.Version + "_" + n.Name }

func isDirection(s string) bool { return s == "up" || s == "down" }

func isDialect(s string) bool {
	for _, d := range dialects {
		if s == d {
			return true
		}
	}
	return false
}

// SplitVersion splits a file name that starts with a numeric version and
// '_' into the version and what follows the '_'; ok is false when base
// does not start that way or nothing follows.
func SplitVersion(base string) (version, rest string, ok bool) {
	d := leadingDigits(base)
	if d == 0 || d+1 >= len(base) || base[d] != '_' {
		return "", "", false
	}
	return base[:d], base[d+1:], true
}

// FlywayName is a Flyway script name split into its parts:
// PREFIX[VERSION]__DESCRIPTION.sql.
type FlywayName struct {
	Prefix      byte   // 'V' versioned, 'U' undo, 'R' repeatable
	Version     string // digits, parts separated by '.' or '_'; "" when none
	Description string
}

// ParseFlywayName splits a Flyway script's base name; ok is false when
// base is not named like one.
func ParseFlywayName(base string) (n FlywayName, ok bool) {
	if len(base) == 0 || (base[0] != 'V' && base[0] != 'U' && base[0] != 'R') {
		return n, false
	}
	n.Prefix = base[0]
	i := 1
	if d := leadingDigits(base[i:]); d > 0 {
		i += d
		for i+1 < len(base) && (base[i] == '.' || base[i] == '_') && isDigit(base[i+1]) {
			i++
			i += leadingDigits(base[i:])
		}
	}
	n.Version = base[1:i]
	rest, ok := strings.CutPrefix(base[i:], "__")
	if !ok {
		return n, false
	}
	n.Description, ok = strings.CutSuffix(rest, ".sql")
	return n, ok && n.Description != "" && !strings.Contains(n.Description, "\n")
}

func isFlywayName(base string) bool {
	_, ok := ParseFlywayName(base)
	return ok
}

// isGolangMigrateName reports whether base is named like a golang-migrate
// migration: digits, '_', a name, ".up.sql" or ".down.sql".
func isGolangMigrateName(base string) bool {
	_, rest, ok := SplitVersion(base)
	if !ok {
		return false
	}
	name, ok := strings.CutSuffix(rest, ".up.sql")
	if !ok {
		name, ok = strings.CutSuffix(rest, ".down.sql")
	}
	return ok && name != "" && !strings.Contains(name, "\n")
}

// leadingDigits returns the number of ASCII digits s starts with.
func leadingDigits(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
