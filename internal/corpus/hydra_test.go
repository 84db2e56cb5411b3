package corpus_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// stmtKey names one statement: a migration file's base name and the
// statement's 0-based index in it, as HYDRA_FINDINGS.md numbers them.
type stmtKey struct {
	File  string
	Index int
}

func (k stmtKey) String() string { return fmt.Sprintf("%s [%d]", k.File, k.Index) }

// finding is one statement listed in HYDRA_FINDINGS.md.
type finding struct {
	stmtKey
	SQL  string // the statement as the findings list quotes it
	Note string // what follows the SQL: table, "pre-existing table" or "new table (created in ...)", ...
}

var (
	reFindingsSection = regexp.MustCompile(`^## (.*)$`)
	reFindingsFile    = regexp.MustCompile("^- `persistence/sql/migrations/([^`]+)`$")
	reFindingsStmt    = regexp.MustCompile("^  - \\[(\\d+)\\] `(.*)` — (.*)$")
	reCreatedIn       = regexp.MustCompile(`new table \(created in ([^)]+)\)`)
	reIndexName       = regexp.MustCompile(`(?i)^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\S+)\s+ON\s`)
)

// readFindings reads the statement lists of HYDRA_FINDINGS.md, keyed by
// the section title's leading tag: "(a)", "(a2)", "(b)" and so on.
func readFindings(t *testing.T, dir string) map[string][]finding {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "HYDRA_FINDINGS.md"))
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	out := map[string][]finding{}
	section, file := "", ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := reFindingsSection.FindStringSubmatch(line); m != nil {
			section, _, _ = strings.Cut(m[1], " ")
			file = ""
			continue
		}
		if m := reFindingsFile.FindStringSubmatch(line); m != nil {
			file = m[1]
			continue
		}
		if m := reFindingsStmt.FindStringSubmatch(line); m != nil && file != "" {
			var n int
			_, err := fmt.Sscan(m[1], &n)
			require.NoError(t, err)
			out[section] = append(out[section], finding{stmtKey{file, n}, m[2], m[3]})
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// lintHydra lints the Hydra migration folder as one set, the way popx runs
// it, without down migrations.
func lintHydra(t *testing.T, dir string) *lint.Result {
	t.Helper()
	files, errs := source.Load([]string{filepath.Join(dir, filepath.FromSlash(corpus.HydraMigrations))}, source.Options{})
	require.Empty(t, errs)
	opts := hydraOptions()
	opts.SkipDown = true
	res := lint.Run(files, opts)
	require.NotEmpty(t, res.Files)
	for _, f := range res.Files {
		require.Equal(t, tool.Popx, f.Tool, "%s: framework", f.Path)
		require.Nil(t, f.SyntaxError, "%s: %v", f.Path, f.SyntaxError)
		require.False(t, strings.HasSuffix(f.Path, ".down.sql"), "%s: down migrations are excluded", f.Path)
	}
	for _, s := range res.Skipped {
		require.True(t, strings.HasSuffix(s.Path, ".down.sql"), "%s skipped: %s", s.Path, s.Reason)
	}
	return res
}

// findingsByCode maps each rule code to the statements it reported, with
// the number of findings on each.
func findingsByCode(t *testing.T, res *lint.Result) map[string]map[stmtKey]int {
	t.Helper()
	files := map[string]*migration.File{}
	for _, f := range res.Files {
		files[f.Path] = f
	}
	out := map[string]map[stmtKey]int{}
	for _, d := range res.Diagnostics {
		f := files[d.Path]
		require.NotNil(t, f, d.Path)
		idx := -1
		for _, st := range f.Statements {
			if st.Extent.Start <= d.Span.Start && d.Span.Start < st.Extent.End {
				idx = st.Index
				break
			}
		}
		if out[d.Rule.Code] == nil {
			out[d.Rule.Code] = map[stmtKey]int{}
		}
		out[d.Rule.Code][stmtKey{filepath.Base(d.Path), idx}]++
	}
	return out
}

// assertStatements compares the statements a rule reported with those
// expected, naming each difference with the label of its statement.
func assertStatements(t *testing.T, code string, want, got map[stmtKey]int, label map[stmtKey]string) {
	t.Helper()
	var missing, extra []string
	for k, n := range want {
		if got[k] < n {
			missing = append(missing, fmt.Sprintf("%s %s (want %d, got %d)", k, label[k], n, got[k]))
		}
	}
	for k, n := range got {
		if n > want[k] {
			extra = append(extra, fmt.Sprintf("%s %s (want %d, got %d)", k, label[k], want[k], n))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	assert.Empty(t, missing, "%s: statements without the expected finding", code)
	assert.Empty(t, extra, "%s: unexpected findings", code)
}

func total(m map[stmtKey]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestHydraAcceptance lints ory/hydra's migrations and checks which
// statements get findings against HYDRA_FINDINGS.md, which lists each
// hazardous statement with its file and position.
//
// pgsafe treats a table as new, and its lock hazards as void, only within
// the file (the popx transaction) that created it. HYDRA_FINDINGS.md calls
// a table "new" when an earlier migration of the same group created it; the
// 20211019000001 group creates hydra_oauth2_flow in ...000000, fills it
// from four old tables with INSERT ... SELECT in ...000001, and only then,
// in ...000002, builds its indexes and its primary key. The table holds
// every login and consent request by then, so those statements are
// reported too: 73 pre-existing + 7 such indexes = 80 for PS001, and all 9
// ADD PRIMARY KEY / ADD UNIQUE.
func TestHydraAcceptance(t *testing.T) {
	dir := corpus.Locate(t)
	listed := readFindings(t, dir)
	res := lintHydra(t, dir)
	got := findingsByCode(t, res)
	t.Logf("hydra: %d up files linted, %d down files excluded, %d statements, %d findings",
		len(res.Files), len(res.Skipped), res.Statements, len(res.Diagnostics))

	t.Run("PS001 require-concurrent-index", func(t *testing.T) {
		want, label := map[stmtKey]int{}, map[stmtKey]string{}
		var preexisting, otherFile, sameFile int
		require.Len(t, listed["(a)"], 86, "CREATE INDEX statements listed")
		for _, f := range listed["(a)"] {
			m := reIndexName.FindStringSubmatch(f.SQL)
			require.NotNil(t, m, "no index name in %q", f.SQL)
			label[f.stmtKey] = m[1]
			created := reCreatedIn.FindStringSubmatch(f.Note)
			switch {
			case strings.Contains(f.Note, "pre-existing table"):
				preexisting++
			case created != nil && created[1] != f.File:
				otherFile++
			case created != nil:
				sameFile++
				continue // built on a table its own file created: empty, no hazard
			default:
				t.Fatalf("%s: cannot classify %q", f.stmtKey, f.Note)
			}
			want[f.stmtKey]++
		}
		assert.Equal(t, []int{73, 7, 6}, []int{preexisting, otherFile, sameFile},
			"index builds on pre-existing tables, on tables created by another file, on tables created by their own file")
		assertStatements(t, "PS001", want, got["PS001"], label)
		t.Logf("PS001: %d expected (%d on pre-existing tables + %d on tables created by an earlier file), %d reported; %d builds on tables created in the same file not reported",
			total(want), preexisting, otherFile, total(got["PS001"]), sameFile)
	})

	t.Run("PS006 add-unique-constraint and PS007 add-primary-key", func(t *testing.T) {
		wantPK, wantUQ, label := map[stmtKey]int{}, map[stmtKey]int{}, map[stmtKey]string{}
		require.Len(t, listed["(a2)"], 9, "ADD PRIMARY KEY / ADD UNIQUE statements listed")
		for _, f := range listed["(a2)"] {
			label[f.stmtKey] = f.SQL
			// Every one is on a table an earlier file created: reported
			// (see the test's comment for the one the list calls new).
			switch {
			case strings.Contains(f.SQL, "PRIMARY KEY"):
				wantPK[f.stmtKey]++
			case strings.Contains(f.SQL, "UNIQUE"):
				wantUQ[f.stmtKey]++
			default:
				t.Fatalf("%s: neither PRIMARY KEY nor UNIQUE: %q", f.stmtKey, f.SQL)
			}
		}
		assert.Equal(t, []int{8, 1}, []int{len(wantPK), len(wantUQ)})
		assertStatements(t, "PS007", wantPK, got["PS007"], label)
		assertStatements(t, "PS006", wantUQ, got["PS006"], label)
		t.Logf("PS007: %d expected, %d reported; PS006: %d expected, %d reported",
			total(wantPK), total(got["PS007"]), total(wantUQ), total(got["PS006"]))
	})

	t.Run("PS020 add-column-volatile-default and PS022 add-stored-generated-column", func(t *testing.T) {
		wantVolatile, wantStored, label := map[stmtKey]int{}, map[stmtKey]int{}, map[stmtKey]string{}
		for _, f := range listed["(b)"] {
			label[f.stmtKey] = f.SQL
			switch {
			case strings.Contains(f.Note, "STORED GENERATED"):
				wantStored[f.stmtKey]++
			// ADD COLUMN ... SERIAL is also a volatile default (nextval), but
			// an implicit one: PS021 reports serial and identity columns.
			case strings.Contains(f.Note, "volatile DEFAULT") && strings.Contains(f.SQL, " DEFAULT "):
				wantVolatile[f.stmtKey]++
			}
		}
		assert.Equal(t, map[stmtKey]int{{"20251030112809000000_flow_expires_at.postgres.up.sql", 0}: 1}, wantStored)
		assert.Equal(t, map[stmtKey]int{
			{"20211004110001000000_change_client_primary_key.postgres.up.sql", 2}: 1,
			{"20211011000001000000_change_jwk_primary_key.postgres.up.sql", 2}:    1,
		}, wantVolatile)
		assertStatements(t, "PS022", wantStored, got["PS022"], label)
		assertStatements(t, "PS020", wantVolatile, got["PS020"], label)
		t.Logf("PS022: %d expected, %d reported; PS020: %d expected, %d reported",
			total(wantStored), total(got["PS022"]), total(wantVolatile), total(got["PS020"]))
	})

	t.Run("PS009 add-foreign-key-validated", func(t *testing.T) {
		want, label, columnFKs := validatedForeignKeys(t, res)
		assert.Zero(t, columnFKs, "column-level REFERENCES in ALTER TABLE ADD COLUMN: decide whether PS009 covers them")
		// The walk must agree with the findings list.
		listedFKs := map[stmtKey]int{}
		for _, f := range listed["Related:"] {
			if strings.Contains(f.Note, "AddConstraint[FOREIGN]") {
				listedFKs[f.stmtKey]++
			}
		}
		assert.Equal(t, listedFKs, want, "foreign keys found by the walk and listed in HYDRA_FINDINGS.md")
		assertStatements(t, "PS009", want, got["PS009"], label)
		t.Logf("PS009: %d expected in %d statements, %d reported", total(want), len(want), total(got["PS009"]))
	})
}

// validatedForeignKeys walks the up migrations with pg_query, apart from
// the rules' code, and returns the ALTER TABLE statements that add a
// FOREIGN KEY table constraint without NOT VALID to a table their own file
// did not create, counting the keys per statement and labelling each with
// the constraint names. It also counts the column-level REFERENCES added
// with ADD COLUMN, which it leaves out.
func validatedForeignKeys(t *testing.T, res *lint.Result) (map[stmtKey]int, map[stmtKey]string, int) {
	t.Helper()
	want, label := map[stmtKey]int{}, map[stmtKey]string{}
	columnFKs := 0
	name := func(rv *pg.RangeVar) string {
		schema := rv.GetSchemaname()
		if schema == "" {
			schema = "public"
		}
		return schema + "." + rv.GetRelname()
	}
	for _, f := range res.Files {
		tree, err := pg.Parse(f.Text)
		require.NoError(t, err, f.Path)
		created := map[string]bool{}
		for i, raw := range tree.GetStmts() {
			if cs := raw.GetStmt().GetCreateStmt(); cs != nil {
				created[name(cs.GetRelation())] = true
				continue
			}
			at := raw.GetStmt().GetAlterTableStmt()
			if at == nil || created[name(at.GetRelation())] {
				continue
			}
			key := stmtKey{filepath.Base(f.Path), i}
			for _, c := range at.GetCmds() {
				cmd := c.GetAlterTableCmd()
				switch cmd.GetSubtype() {
				case pg.AlterTableType_AT_AddConstraint:
					con := cmd.GetDef().GetConstraint()
					if con.GetContype() == pg.ConstrType_CONSTR_FOREIGN && !con.GetSkipValidation() {
						want[key]++
						label[key] = strings.TrimSpace(label[key] + " " + con.GetConname())
					}
				case pg.AlterTableType_AT_AddColumn:
					for _, cc := range cmd.GetDef().GetColumnDef().GetConstraints() {
						if cc.GetConstraint().GetContype() == pg.ConstrType_CONSTR_FOREIGN {
							columnFKs++
						}
					}
				default:
				}
			}
		}
	}
	return want, label, columnFKs
}
