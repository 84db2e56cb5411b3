package history_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/history"
)

// migrationNameOracle is MigrationName written with regular expressions.
func migrationNameOracle(path string) string {
	reSuffixes := regexp.MustCompile(`(?i)(\.(up|down|autocommit|postgres|cockroach|mysql|sqlite3?|mssql|sql|fizz))+$`)
	reVersion := regexp.MustCompile(`^(?i:[vru])?[0-9][0-9._-]*`)
	base := filepath.Base(path)
	name := strings.TrimLeft(reVersion.ReplaceAllString(reSuffixes.ReplaceAllString(base, ""), ""), "_-.")
	if name == "" {
		return base
	}
	return name
}

// TestMigrationNameAgreesWithRegexps checks the hand-written name parts
// on tricky names and on every file name of the shared corpus.
func TestMigrationNameAgreesWithRegexps(t *testing.T) {
	names := []string{
		"20211019000001000003_merge_authentication_request_tables.postgres.up.sql", "V1_2__add.sql", "v3__x.SQL",
		"R__view.sql", "U7__undo.sql", "001.sql", "x.sqlite3.up.sql", "x.sqlite.down.sql", "1_a.autocommit.up.fizz",
		"name.setup.sql", "vx1.sql", "V.sql", "2024-01-01_init.sql", "1_.up.sql", "___.sql", "a.UP.SQL",
	}
	names = append(names, corpus.Names(t)...)
	for _, n := range names {
		assert.Equal(t, migrationNameOracle(n), history.MigrationName(n), n)
	}
}
