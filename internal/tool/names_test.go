package tool

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/corpus"
)

// The regular expressions that the hand-written name readers implement.
var (
	rePopOracle           = regexp.MustCompile(`^(\d+)_([^.]+)(?:\.(postgres|cockroach|mysql|sqlite3|mssql))?(\.autocommit)?\.(up|down)\.(sql|fizz)$`)
	reFlywayOracle        = regexp.MustCompile(`^([VUR])(\d+(?:[._]\d+)*)?__(.+)\.sql$`)
	reGolangMigrateOracle = regexp.MustCompile(`^(\d+)_(.+)\.(up|down)\.sql$`)
	reNumberedOracle      = regexp.MustCompile(`^(\d+)_(.+)\.sql$`)
)

// TestNameReadersAgreeWithRegexps checks the name readers on tricky names
// and on the name of every file of the shared corpus.
func TestNameReadersAgreeWithRegexps(t *testing.T) {
	names := []string{
		"1_a.up.sql", "1_a.down.sql", "1_a.up.fizz", "1_a.sql", "_a.up.sql", "1a.up.sql", "1_.up.sql",
		"20210101000000_x.postgres.up.sql", "20210101000000_x.mysql.down.sql", "1_x.autocommit.up.sql",
		"1_x.postgres.autocommit.up.sql", "1_x.autocommit.postgres.up.sql", "1_x.oracle.up.sql",
		"1_x.postgres.up.sql.bak", "1_x.y.up.sql", "1_x.up.up.sql", "1_x.postgres.postgres.up.sql",
		"1_x.autocommit.autocommit.up.sql", "1_x.up.sql.sql", "12_3_x.up.sql", "1_x_y.down.sql",
		"V1__init.sql", "V1_2__x.sql", "V1.2.3__x.sql", "V__x.sql", "U1__undo.sql", "R__view.sql",
		"V1__.sql", "V1___x.sql", "V1_2_.sql", "V1__x.sql.conf", "v1__x.sql", "V1.__x.sql", "V1_22__.sql",
		"V1__2__x.sql", "Vx__y.sql", "V1._2__x.sql", "0001_init.up.sql", "1_.down.sql", "1__.up.sql",
		"21_change.down.up.sql", "1_.sql", "1_a.b.sql", "_a.sql", "12_3_x.sql",
	}
	names = append(names, corpus.Names(t)...)
	for _, base := range names {
		m := rePopOracle.FindStringSubmatch(base)
		n, ok := ParsePopName(base)
		if assert.Equal(t, m != nil, ok, "pop %q", base) && ok {
			assert.Equal(t, []string{m[1], m[2], m[3], m[5], m[6]}, []string{n.Version, n.Name, n.Dialect, map[bool]string{true: "down", false: "up"}[n.Down], n.Ext}, base)
			assert.Equal(t, m[4] != "", n.Autocommit, base)
		}

		m = reFlywayOracle.FindStringSubmatch(base)
		fn, ok := ParseFlywayName(base)
		if assert.Equal(t, m != nil, ok, "flyway %q", base) && ok {
			assert.Equal(t, []string{m[1], m[2], m[3]}, []string{string(fn.Prefix), fn.Version, fn.Description}, base)
		}

		m = reGolangMigrateOracle.FindStringSubmatch(base)
		gn, ok := golangMigrateName("m/" + base)
		if assert.Equal(t, m != nil, ok, "golang-migrate %q", base) && ok {
			assert.Equal(t, []string{m[1], m[2], m[3]}, []string{gn.Version, gn.Title, gn.Direction.String()}, base)
		}

		m = reNumberedOracle.FindStringSubmatch(base)
		nn, ok := numberedNames("m/" + base)
		if assert.Equal(t, m != nil, ok, "numbered %q", base) && ok {
			assert.Equal(t, []string{m[1], m[2]}, []string{nn.Version, nn.Title}, base)
		}
	}
	assert.Greater(t, len(names), 1000)
}

// TestPostgresVariant names the .postgres. variant of a dialect-less popx
// migration, and none for the others.
func TestPostgresVariant(t *testing.T) {
	for path, want := range map[string]string{
		"m/1_x.up.sql":             "m/1_x.postgres.up.sql",
		"m/1_x.autocommit.up.sql":  "m/1_x.postgres.autocommit.up.sql",
		"m/1_x.down.sql":           "m/1_x.postgres.down.sql",
		"m/1_x.postgres.up.sql":    "",
		"m/1_x.mysql.down.sql":     "",
		"m/x.sql":                  "",
		"m/1_x.up.fizz":            "",
		"m/2_x.cockroach.down.sql": "",
	} {
		got, ok := postgresVariant(path)
		assert.Equal(t, want != "", ok, path)
		assert.Equal(t, want, got, path)
	}
}

// TestPopVersionsFitItsTable names new pop migrations within the 14
// characters of pop's version column (a 15-character version fails to
// insert), and popx's, whose table takes longer ones, by appending digits.
func TestPopVersionsFitItsTable(t *testing.T) {
	paths := []string{"m/20240305110000_fk.up.sql", "m/20240305110000_fk.down.sql", "m/20240410160000_next.up.sql", "m/1_a.up.sql"}
	x := NewIndex(paths)
	paths2 := func(vs []Version) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Path)
		}
		return out
	}
	vs, err := Pop.Exit.Versions("m/20240305110000_fk.up.sql", 2, x)
	if assert.NoError(t, err) {
		assert.Equal(t, []string{"m/20240305110001_fk.postgres.up.sql", "m/20240305110002_fk.postgres.up.sql"}, paths2(vs))
	}
	vs, err = Pop.Exit.Versions("m/1_a.up.sql", 2, x)
	if assert.NoError(t, err) {
		assert.Equal(t, []string{"m/11_a.postgres.up.sql", "m/12_a.postgres.up.sql"}, paths2(vs), "short versions keep appending digits")
	}
	vs, err = Popx.Exit.Versions("m/20240305110000_fk.up.sql", 2, x)
	if assert.NoError(t, err) {
		assert.Equal(t, []string{"m/202403051100001_fk.postgres.up.sql", "m/202403051100002_fk.postgres.up.sql"}, paths2(vs))
	}
	x = NewIndex(append(paths, "m/20240305110002_taken.up.sql"))
	_, err = Pop.Exit.Versions("m/20240305110000_fk.up.sql", 2, x)
	assert.ErrorIs(t, err, ErrNoRoom)
}
