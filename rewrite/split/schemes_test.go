package split

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/corpus"
)

// The regular expressions the name schemes implement: the version is the
// first group and the name the second.
var schemeOracles = map[string]*regexp.Regexp{
	"popx":     regexp.MustCompile(`^(\d+)_([^.]+)((?:\.(?:postgres|cockroach|mysql|sqlite3|mssql))?)((?:\.autocommit)?)\.up\.sql$`),
	"numbered": regexp.MustCompile(`^(\d+)_(.+?)(\.up)?\.sql$`),
	"flyway":   regexp.MustCompile(`^V(\d+(?:[._]\d+)*)__(.+)\.sql$`),
}

// TestNameSchemesAgreeWithRegexps checks each scheme on tricky names and
// on every file name of the shared corpus.
func TestNameSchemesAgreeWithRegexps(t *testing.T) {
	names := []string{
		"1_a.up.sql", "1_a.down.sql", "1_a.sql", "1_.up.sql", "1_.sql", "1_a.up.up.sql", "1_a.b.sql", "_a.sql",
		"20211019000001000000_x.postgres.up.sql", "2_x.postgres.autocommit.up.sql", "2_x.autocommit.up.sql",
		"2_x.mysql.up.sql", "2_x.up.fizz", "V1__init.sql", "V1_2__x.sql", "V1.2.3__x.y.sql", "V__x.sql", "V1__.sql",
		"V1___x.sql", "V1_22__.sql", "v1__x.sql", "U1__x.sql", "V1._2__x.sql", "0001_init.up.sql", "12_3_x.sql",
	}
	names = append(names, corpus.Names(t)...)
	for _, s := range []nameScheme{popxNames, numberedNames, flywayNames} {
		re := schemeOracles[s.key]
		for _, base := range names {
			version, name, ok := s.split(base)
			m := re.FindStringSubmatch(base)
			if assert.Equal(t, m != nil, ok, "%s %q", s.key, base) && ok {
				assert.Equal(t, []string{m[1], m[2]}, []string{version, name}, "%s %q", s.key, base)
			}
		}
	}
	assert.Greater(t, len(names), 1000)
}

// TestDialectCopy names the .postgres. variant of a popx up migration.
func TestDialectCopy(t *testing.T) {
	for path, want := range map[string]string{
		"m/1_x.up.sql":            "m/1_x.postgres.up.sql",
		"m/1_x.autocommit.up.sql": "m/1_x.postgres.autocommit.up.sql",
		"m/1_x.down.sql":          "m/1_x.down.sql",
		"m/x.sql":                 "m/x.sql",
	} {
		assert.Equal(t, want, dialectCopy(path), path)
	}
}
