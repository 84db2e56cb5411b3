package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/schemaload"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// replaySet lints the migrations under dir with no rule enabled, as the
// CLI reads them (dialect selection, down migrations left out), and
// returns the catalog they leave.
func replaySet(t *testing.T, dir string) *schema.Catalog {
	t.Helper()
	files, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	res := lint.Run(files, lint.Options{Known: rules.All(), SkipDown: true})
	for _, f := range res.Files {
		require.Nil(t, f.SyntaxError, f.Path)
	}
	return res.History.Final()
}

// loadDump replays a pg_dump --schema-only file.
func loadDump(t *testing.T, path string) *schema.Catalog {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	cat, err := schemaload.FromDump(path, string(text))
	require.NoError(t, err)
	return cat
}

// TestHydraReplayMatchesItsDump replays Hydra's whole migration set and
// compares the tables it leaves with the final schema Hydra ships.
func TestHydraReplayMatchesItsDump(t *testing.T) {
	dir := filepath.Join(corpus.Locate(t), "ory__hydra")
	got := replaySet(t, filepath.Join(dir, "persistence", "sql", "migrations"))
	want := loadDump(t, filepath.Join(dir, "internal", "testhelpers", "sql_schemas", "postgres_dump.sql"))
	assert.Empty(t, schema.Diff(got, want, "public.schema_migration"))
	assert.Len(t, want.Tables(), 16)
	t.Logf("%d tables: same columns in the same order, types, nullability, defaults, indexes and constraints", len(want.Tables())-1)
}

// TestHydraAcceptance lints Hydra's migrations with its migratest
// testdata as application queries, with the schema rules on. It wants
// the two column moves reported at every drop (the merge of four tables
// into hydra_oauth2_flow, and the text-to-jsonb replacement of columns of
// hydra_client and hydra_oauth2_flow), and every testdata INSERT without
// a column list: there are none, since each of its INSERTs names its
// columns, which the test checks by counting them itself. The findings
// are logged for the record.
func TestHydraAcceptance(t *testing.T) {
	t.Chdir(filepath.Join(corpus.Locate(t), "ory__hydra")) // so that findings name files as Hydra's repository does
	files, errs := source.Load([]string{filepath.Join("persistence", "sql", "migrations")}, source.Options{})
	require.Empty(t, errs)
	queries, errs := source.Load([]string{filepath.Join("persistence", "sql", "migratest", "testdata", "*.sql")}, source.Options{})
	require.Empty(t, errs)
	var enabled []*rules.Rule
	for _, r := range rules.All() {
		if r.Code >= "PS050" && r.Code <= "PS069" {
			enabled = append(enabled, r)
		}
	}
	res := lint.Run(files, lint.Options{Rules: enabled, Known: rules.All(), SkipDown: true, Queries: queries, Rule: rules.Options{PGVersion: 15}, KeepTrees: true})
	for _, f := range res.Queries {
		require.Nil(t, f.SyntaxError, f.Path)
	}

	lines := map[string]func(int) int{}
	for _, f := range append(append([]*migration.File{}, res.Files...), res.Queries...) {
		lines[f.Path] = func(off int) int { return f.Lines.Position(off).Line }
	}
	byRule := map[string][]string{}
	for _, d := range res.Diagnostics {
		byRule[d.Rule.Code] = append(byRule[d.Rule.Code], fmt.Sprintf("%s:%d: %s %s: %s", d.Path, lines[d.Path](d.Span.Start), d.Severity, d.Rule.Name, d.Message))
	}
	for _, code := range []string{"PS054", "PS050", "PS051", "PS052", "PS053", "PS055", "PS056"} {
		t.Logf("%s: %d findings", code, len(byRule[code]))
		for _, s := range byRule[code] {
			if code != "PS053" && code != "PS056" || !strings.Contains(s, "testdata") {
				t.Log("  " + s)
			}
		}
	}

	// The column moves: each drop of a copied column or table, named by
	// file and line.
	moves := strings.Join(byRule["PS054"], "\n")
	for _, want := range []string{
		"20211019000001000003_merge_authentication_request_tables.postgres.up.sql:4: error contract-before-expand: contract before expand: drops hydra_oauth2_consent_request_handled after persistence/sql/migrations/20211019000001000001_merge_authentication_request_tables.postgres.up.sql:4",
		"20211019000001000004_merge_authentication_request_tables.postgres.up.sql:4: error contract-before-expand: contract before expand: drops hydra_oauth2_consent_request after",
		"20211019000001000005_merge_authentication_request_tables.postgres.up.sql:4: error contract-before-expand: contract before expand: drops hydra_oauth2_authentication_request_handled after",
		"20211019000001000006_merge_authentication_request_tables.postgres.up.sql:4: error contract-before-expand: contract before expand: drops hydra_oauth2_authentication_request after",
	} {
		assert.Contains(t, moves, want)
	}
	for i, col := range []string{"redirect_uris", "grant_types", "response_types", "audience", "allowed_cors_origins", "contacts", "request_uris", "post_logout_redirect_uris"} {
		assert.Contains(t, moves, fmt.Sprintf("20220513000001000004_string_slice_json.postgres.up.sql:%d: error contract-before-expand: contract before expand: drops column hydra_client.%s after persistence/sql/migrations/20220513000001000002_string_slice_json.postgres.up.sql:%d copied its values into hydra_client.%s_json", 5+i, col, 4+i, col))
	}
	for i, col := range []string{"requested_scope", "requested_at_audience", "amr", "granted_scope", "granted_at_audience"} {
		assert.Contains(t, moves, fmt.Sprintf("20220513000001000008_string_slice_json.postgres.up.sql:%d: error contract-before-expand: contract before expand: drops column hydra_oauth2_flow.%s after persistence/sql/migrations/20220513000001000007_string_slice_json.postgres.up.sql:%d copied its values into hydra_oauth2_flow.%s_json", 6+i, col, 5+i, col))
	}
	assert.Len(t, byRule["PS054"], 4+8+5, "no other column move")

	// The testdata INSERTs without a column list.
	inserts, positional := 0, 0
	for _, f := range res.Queries {
		for _, st := range f.Statements {
			if ins := st.Node.GetInsertStmt(); ins != nil {
				inserts++
				if len(ins.GetCols()) == 0 {
					positional++
				}
			}
		}
	}
	found := 0
	for _, s := range byRule["PS053"] {
		if strings.Contains(s, "migratest/testdata/") {
			found++
		}
	}
	assert.Positive(t, inserts, "the testdata was read")
	assert.Equal(t, positional, found, "every testdata INSERT without a column list is reported")
	t.Logf("migratest/testdata: %d files, %d INSERTs, %d without a column list, %d reported", len(queries), inserts, positional, found)
}
