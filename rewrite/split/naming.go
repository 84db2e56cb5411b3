package split

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
)

var (
	reNumbered = regexp.MustCompile(`^(\d+)_(.+?)(\.up)?\.sql$`)
	reFlywayV  = regexp.MustCompile(`^V(\d+(?:[._]\d+)*)__(.+)\.sql$`)
)

// newMigration returns the path and text of a migration that holds
// statement text alone and runs right after f outside a transaction, plus
// any companion files (a down migration, a Flyway .conf).
func newMigration(f *migration.File, text string) (string, string, map[string]string, error) {
	dir, base := filepath.Dir(f.Path), filepath.Base(f.Path)
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return "", "", nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	stmt := strings.TrimSpace(text) + ";\n"
	switch f.Framework {
	case migration.Popx:
		m := rePopxName.FindStringSubmatch(base)
		if m == nil {
			return "", "", nil, fmt.Errorf("%w: %s is not named like a popx up migration", ErrCannotSplit, base)
		}
		v, err := nextStringVersion(m[1], versionsOf(names, rePopxName))
		if err != nil {
			return "", "", nil, err
		}
		return filepath.Join(dir, v+"_"+m[2]+".postgres.autocommit.up.sql"), stmt, nil, nil
	case migration.GolangMigrate, migration.Goose, migration.Dbmate:
		m := reNumbered.FindStringSubmatch(base)
		if m == nil {
			return "", "", nil, fmt.Errorf("%w: %s has no numeric version prefix", ErrCannotSplit, base)
		}
		v, err := nextNumericVersion(m[1], versionsOf(names, reNumbered))
		if err != nil {
			return "", "", nil, err
		}
		switch f.Framework {
		case migration.GolangMigrate:
			up := filepath.Join(dir, v+"_"+m[2]+".up.sql")
			down := filepath.Join(dir, v+"_"+m[2]+".down.sql")
			return up, stmt, map[string]string{down: "-- Nothing to undo here: the down migration of " + base[:len(base)-len(".up.sql")] + " reverts this statement.\n"}, nil
		case migration.Goose:
			return filepath.Join(dir, v+"_"+m[2]+".sql"), "-- +goose NO TRANSACTION\n-- +goose Up\n" + stmt + "\n-- +goose Down\n", nil, nil
		default:
			return filepath.Join(dir, v+"_"+m[2]+".sql"), "-- migrate:up transaction:false\n" + stmt + "\n-- migrate:down\n", nil, nil
		}
	case migration.Flyway:
		m := reFlywayV.FindStringSubmatch(base)
		if m == nil {
			return "", "", nil, fmt.Errorf("%w: %s is not a versioned Flyway migration", ErrCannotSplit, base)
		}
		v, err := nextFlywayVersion(m[1], versionsOf(names, reFlywayV))
		if err != nil {
			return "", "", nil, err
		}
		path := filepath.Join(dir, "V"+v+"__"+m[2]+".sql")
		return path, stmt, map[string]string{path + ".conf": "executeInTransaction=false\n"}, nil
	default:
		return "", "", nil, fmt.Errorf("%w: %s runs every migration in a transaction", ErrCannotSplit, f.Framework)
	}
}

func versionsOf(names []string, re *regexp.Regexp) []string {
	var out []string
	for _, n := range names {
		if m := re.FindStringSubmatch(n); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// nextStringVersion returns v with a digit appended, which sorts right
// after v and before every later version under string comparison (popx and
// pop compare versions as strings).
func nextStringVersion(v string, existing []string) (string, error) {
	for d := '1'; d <= '9'; d++ {
		cand := v + string(d)
		ok := true
		for _, e := range existing {
			if e == cand || (e > v && e < cand) {
				ok = false
			}
		}
		if ok {
			return cand, nil
		}
	}
	return "", fmt.Errorf("%w: no free version right after %s", ErrCannotSplit, v)
}

// nextNumericVersion returns v+1, zero-padded to v's width, when no
// migration uses it; numeric versions leave no room otherwise.
func nextNumericVersion(v string, existing []string) (string, error) {
	n, ok := new(big.Int).SetString(v, 10)
	if !ok {
		return "", fmt.Errorf("%w: bad version %s", ErrCannotSplit, v)
	}
	next := new(big.Int).Add(n, big.NewInt(1))
	cand := fmt.Sprintf("%0*s", len(v), next.String())
	for _, e := range existing {
		en, ok := new(big.Int).SetString(e, 10)
		if ok && en.Cmp(next) == 0 {
			return "", fmt.Errorf("%w: version %s is taken, so no version fits between %s and the next migration", ErrCannotSplit, cand, v)
		}
	}
	return cand, nil
}

// nextFlywayVersion appends a version part (1.2 -> 1.2.1), trying 1.2.0.1
// and so on when a version sits in between.
func nextFlywayVersion(v string, existing []string) (string, error) {
	for i := 0; i < 4; i++ {
		cand := v + strings.Repeat("_0", i) + "_1"
		ok := true
		for _, e := range existing {
			if flywayCompare(e, cand) == 0 || (flywayCompare(e, v) > 0 && flywayCompare(e, cand) < 0) {
				ok = false
			}
		}
		if ok {
			return cand, nil
		}
	}
	return "", fmt.Errorf("%w: no free Flyway version right after %s", ErrCannotSplit, v)
}

func flywayCompare(a, b string) int {
	pa := strings.FieldsFunc(a, func(r rune) bool { return r == '.' || r == '_' })
	pb := strings.FieldsFunc(b, func(r rune) bool { return r == '.' || r == '_' })
	for i := 0; i < len(pa) || i < len(pb); i++ {
		x, y := big.NewInt(0), big.NewInt(0)
		if i < len(pa) {
			x.SetString(pa[i], 10)
		}
		if i < len(pb) {
			y.SetString(pb[i], 10)
		}
		if c := x.Cmp(y); c != 0 {
			return c
		}
	}
	return 0
}
