package split

import (
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// newName is a migration file to create.
type newName struct {
	path string
	// body wraps a step's SQL in the file's framework markers.
	body  func(sql string, noTx bool) string
	extra map[string]string // companion files: a down migration, a .conf
}

// newMigrations names one new migration per step, numbered to run right
// after f, in order, and before the next existing migration.
func newMigrations(f *migration.File, steps []Step, ctx Context) ([]newName, error) {
	dir, base := filepath.Dir(f.Path), filepath.Base(f.Path)
	out := make([]newName, len(steps))
	switch f.Framework {
	case migration.Popx, migration.Pop:
		version, name, ok := popxNames.split(base)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not named like a %s up migration", ErrCannotSplit, base, f.Framework)
		}
		versions, err := stringVersions(version, len(steps), ctx.Files.Versions(dir, popxNames))
		if err != nil {
			return nil, err
		}
		for i, v := range versions {
			suffix := ".postgres.up.sql"
			if steps[i].NoTransaction {
				if f.Framework == migration.Pop {
					return nil, fmt.Errorf("%w: pop runs every migration in a transaction", ErrCannotSplit)
				}
				suffix = ".postgres.autocommit.up.sql"
			}
			out[i] = newName{path: filepath.Join(dir, v+"_"+name+suffix), body: plainBody}
		}
	case migration.GolangMigrate, migration.Goose, migration.Dbmate:
		version, name, ok := numberedNames.split(base)
		if !ok {
			return nil, fmt.Errorf("%w: %s has no numeric version prefix", ErrCannotSplit, base)
		}
		versions, err := numericVersions(version, len(steps), ctx.Files.Versions(dir, numberedNames))
		if err != nil {
			return nil, err
		}
		for i, v := range versions {
			switch f.Framework {
			case migration.GolangMigrate:
				down := filepath.Join(dir, v+"_"+name+".down.sql")
				out[i] = newName{path: filepath.Join(dir, v+"_"+name+".up.sql"), body: plainBody,
					extra: map[string]string{down: "-- Nothing to undo here: the down migration of " + strings.TrimSuffix(base, ".up.sql") + " reverts this step.\n"}}
			case migration.Goose:
				out[i] = newName{path: filepath.Join(dir, v+"_"+name+".sql"), body: gooseBody}
			default:
				out[i] = newName{path: filepath.Join(dir, v+"_"+name+".sql"), body: dbmateBody}
			}
		}
	case migration.Flyway:
		version, name, ok := flywayNames.split(base)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not a versioned Flyway migration", ErrCannotSplit, base)
		}
		versions, err := flywayVersions(version, len(steps), ctx.Files.Versions(dir, flywayNames))
		if err != nil {
			return nil, err
		}
		for i, v := range versions {
			path := filepath.Join(dir, "V"+v+"__"+name+".sql")
			out[i] = newName{path: path, body: plainBody}
			if steps[i].NoTransaction {
				out[i].extra = map[string]string{path + ".conf": "executeInTransaction=false\n"}
			}
		}
	default:
		return nil, fmt.Errorf("%w: pgsafe does not know how %s orders new migrations", ErrCannotSplit, f.Framework)
	}
	return out, nil
}

func plainBody(sql string, _ bool) string { return sql }

func gooseBody(sql string, noTx bool) string {
	head := "-- +goose Up\n"
	if noTx {
		head = "-- +goose NO TRANSACTION\n" + head
	}
	return head + sql + "\n-- +goose Down\n"
}

func dbmateBody(sql string, noTx bool) string {
	head := "-- migrate:up\n"
	if noTx {
		head = "-- migrate:up transaction:false\n"
	}
	return head + sql + "\n-- migrate:down\n"
}

// stringVersions returns n versions that sort, as strings (popx and pop
// compare versions as strings), right after v, in order, and before every
// later existing version: v with one more digit appended.
// existing must be sorted.
func stringVersions(v string, n int, existing []string) ([]string, error) {
	var out []string
	for d := 1; d <= 9 && len(out) < n; d++ {
		cand := v + strconv.Itoa(d)
		if _, taken := slices.BinarySearch(existing, cand); !taken {
			out = append(out, cand)
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("%w: no free versions right after %s", ErrCannotSplit, v)
	}
	last := out[len(out)-1]
	from, _ := slices.BinarySearch(existing, v)
	for _, e := range existing[from:] {
		if e >= last {
			break
		}
		if e > v && !contains(out, e) && !strings.HasPrefix(e, v) {
			return nil, fmt.Errorf("%w: version %s sits between %s and the new ones", ErrCannotSplit, e, v)
		}
	}
	return out, nil
}

// numericVersions returns v+1 .. v+n, zero-padded to v's width, when no
// migration uses them: integer versions leave no other room.
func numericVersions(v string, n int, existing []string) ([]string, error) {
	base, ok := new(big.Int).SetString(v, 10)
	if !ok {
		return nil, fmt.Errorf("%w: bad version %s", ErrCannotSplit, v)
	}
	taken := map[string]bool{}
	for _, e := range existing {
		if en, ok := new(big.Int).SetString(e, 10); ok {
			taken[en.String()] = true
		}
	}
	out := make([]string, n)
	for i := range out {
		next := new(big.Int).Add(base, big.NewInt(int64(i+1)))
		if taken[next.String()] {
			return nil, fmt.Errorf("%w: version %s is taken, so no version fits right after %s", ErrCannotSplit, next, v)
		}
		out[i] = fmt.Sprintf("%0*s", len(v), next.String())
	}
	return out, nil
}

// flywayVersions appends a version part (1.2 -> 1.2.1, 1.2.2), using a
// deeper part (1.2.0.1) when a version sits in between.
func flywayVersions(v string, n int, existing []string) ([]string, error) {
	for depth := 0; depth < 4; depth++ {
		var out []string
		ok := true
		for i := 1; i <= n; i++ {
			cand := v + strings.Repeat("_0", depth) + fmt.Sprintf("_%d", i)
			for _, e := range existing {
				if flywayCompare(e, cand) == 0 || (flywayCompare(e, v) > 0 && flywayCompare(e, cand) < 0) {
					ok = false
				}
			}
			out = append(out, cand)
		}
		if ok {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: no free Flyway versions right after %s", ErrCannotSplit, v)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
