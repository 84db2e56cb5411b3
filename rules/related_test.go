package rules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// TestRelatedStatements checks that the findings whose messages name
// another statement of the file point at it (Diagnostic.Related): the
// line of each related statement, and what it is to the finding.
func TestRelatedStatements(t *testing.T) {
	const setup = "CREATE TABLE t (id int PRIMARY KEY, c int, s text);\nCREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t);\nCREATE TYPE mood AS ENUM ('ok');\n"
	for _, c := range []struct {
		code, sql string
		want      []string // line: message
	}{
		{"PS014", "BEGIN;\nALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_c;\nCOMMIT;\n",
			[]string{"2: the ADD CONSTRAINT ... NOT VALID in the same transaction"}},
		{"PS041", "BEGIN;\nALTER TABLE t ADD COLUMN d int;\nALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0);\nCREATE INDEX t_s ON t (s);\nCOMMIT;\n",
			[]string{"2: takes ACCESS EXCLUSIVE on t until commit", "4: runs later in the same transaction, with the lock still held"}},
		{"PS005", "CREATE INDEX t_c_idx ON t (c);\n", nil},
		{"PS005", "DROP INDEX IF EXISTS t_c_old;\nDROP INDEX t_pkey_c;\nCREATE INDEX t_pkey_c ON t (c);\n",
			[]string{"2: drops the index that this statement builds again"}},
		{"PS042", "DROP TRIGGER trg ON t;\nCREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\n",
			[]string{"2: creates the trigger again"}},
		{"PS045", "BEGIN;\nALTER TYPE mood ADD VALUE 'sad';\nSELECT 'sad'::mood;\nCOMMIT;\n",
			[]string{"3: uses the new value before the transaction commits"}},
	} {
		t.Run(c.code+" "+strings.SplitN(c.sql, "\n", 2)[0], func(t *testing.T) {
			files := []source.File{{Path: "1.sql", Text: setup}, {Path: "2.sql", Text: c.sql}}
			r := rules.Lookup(rules.All(), c.code)
			require.NotNil(t, r)
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(),
				Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}}, Rule: rules.Options{PGVersion: 15}})
			var got []string
			for _, d := range res.Diagnostics {
				if d.Path != "2.sql" {
					continue
				}
				lines := sqlparse.NewLines(c.sql)
				for _, rel := range d.Related {
					assert.Empty(t, rel.Path, "a statement of the finding's file")
					got = append(got, fmt.Sprintf("%d: %s", lines.Position(rel.Span.Start).Line, rel.Message))
				}
			}
			assert.Equal(t, c.want, got)
		})
	}
}
