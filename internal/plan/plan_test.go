package plan_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/plan"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/rules"
)

// fixtures is the folder of the plan's fixtures: each sub-folder is a
// migration set (its queries/ folder the application's queries), and
// <set>.golden and <set>.json.golden hold its plan as text and JSON.
var fixtures = filepath.Join("..", "..", "fixtures", "plan")

// updating reports -update (which package ruletest defines): rewrite the
// goldens.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// planOf lints the fixture set at dir with the plan's rules, as
// `pgsafe plan` does, and plans it. The fixture's `-- test:` header may
// name the pending migrations; the others have shipped.
func planOf(t *testing.T, dir string) *plan.Plan {
	t.Helper()
	var enabled []*rules.Rule
	for _, r := range rules.All() {
		if slices.Contains(plan.Rules, r.Code) {
			enabled = append(enabled, r)
		}
	}
	files := ruletest.Load(t, dir)
	opts := ruletest.Options(t, enabled, files)
	opts.Queries = ruletest.LoadQueries(t, dir)
	res := lint.Run(files, opts)
	var po plan.Options
	if pending := opts.Pending; pending != nil {
		po.Deployed = func(path string) bool { return !pending(path) }
	}
	return plan.Build(res, po)
}

// TestPlanGoldens plans every fixture set and compares the text and JSON
// reports with the goldens.
func TestPlanGoldens(t *testing.T) {
	entries, err := os.ReadDir(fixtures)
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			p := planOf(t, filepath.Join(fixtures, e.Name()))
			var text, js bytes.Buffer
			require.NoError(t, plan.Text(&text, p))
			require.NoError(t, plan.JSON(&js, p))
			assert.True(t, json.Valid(js.Bytes()))
			for golden, got := range map[string][]byte{e.Name() + ".golden": text.Bytes(), e.Name() + ".json.golden": js.Bytes()} {
				path := filepath.Join(fixtures, golden)
				if updating() {
					require.NoError(t, os.WriteFile(path, got, 0o644))
					continue
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run go test ./internal/plan -update to write it")
				assert.Equal(t, string(want), string(got), golden)
			}
		})
	}
	assert.Positive(t, n)
}

// releases returns the base names of each release's migrations.
func releases(p *plan.Plan) [][]string {
	var out [][]string
	for _, r := range p.Releases {
		var names []string
		for _, m := range r.Migrations {
			names = append(names, filepath.Base(m.Path))
		}
		out = append(out, names)
	}
	return out
}

// TestPlanBoundaries pins where the boundaries fall, the behaviour the
// goldens show in full.
func TestPlanBoundaries(t *testing.T) {
	for _, c := range []struct {
		set  string
		want [][]string
	}{
		{"drop-column", [][]string{{"001_accounts.sql", "002_nickname.sql"}, {"003_drop_legacy.sql"}}},
		{"expand-contract", [][]string{{"001_users.sql", "002_email_address.sql"}, {"003_drop_email.sql", "004_orders.sql"}}},
		{"consecutive-drops", [][]string{{"001_schema.sql"}, {"002_drop_a_x.sql", "003_drop_b_y.sql"}}},
		{"expand-between", [][]string{{"001_schema.sql"}, {"002_drop_x.sql", "003_add_z.sql"}, {"004_drop_y.sql"}}},
		{"move-one-file", [][]string{{"001_schema.sql"}, {"002_move.sql"}}},
		{"retype", [][]string{{"001_schema.sql"}, {"002_bigint.sql"}}},
		{"star-query", [][]string{{"001_schema.sql"}, {"002_nickname.sql"}}},
		{"shipped", [][]string{{"002_profiles.sql"}, {"003_drops.sql"}}},
		{"down-ignored", [][]string{{"00001_schema.sql", "00002_nickname.sql"}}},
	} {
		t.Run(c.set, func(t *testing.T) {
			assert.Equal(t, c.want, releases(planOf(t, filepath.Join(fixtures, c.set))))
		})
	}
}

// TestPlanShipped checks that shipped migrations are left out of the
// releases, and that what a release creates needs no deploy before it is
// dropped: no deployed code has used it.
func TestPlanShipped(t *testing.T) {
	p := planOf(t, filepath.Join(fixtures, "shipped"))
	assert.Equal(t, []string{filepath.Join(fixtures, "shipped", "001_schema.sql")}, p.Deployed)
	require.Len(t, p.Releases, 2)
	assert.Empty(t, p.Releases[0].DeployFirst)
	var subjects []string
	for _, c := range p.Releases[1].DeployFirst {
		subjects = append(subjects, c.Subject)
	}
	assert.Equal(t, []string{"users.legacy"}, subjects, "profiles.draft is new in the plan")
}

// TestPlanUnsafe checks the changes that no order of deploys makes safe.
func TestPlanUnsafe(t *testing.T) {
	kinds := func(set string) []plan.Kind {
		var out []plan.Kind
		for _, c := range planOf(t, filepath.Join(fixtures, set)).Unsafe {
			out = append(out, c.Kind)
		}
		return out
	}
	assert.Equal(t, []plan.Kind{plan.RenameColumn, plan.RenameTable, plan.RenameValue}, kinds("rename"))
	assert.Equal(t, []plan.Kind{plan.Move}, kinds("move-one-file"))
	assert.Empty(t, kinds("marker-unknown"), "a marker the plan cannot follow is left to contract-pending")
	assert.Empty(t, kinds("expand-contract"))
}
