package rules_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// lintOne lints text as the file path with only rule name enabled; the
// text's first line may hold a `-- test:` header.
func lintOne(t *testing.T, name, path, text string) []rules.Diagnostic {
	t.Helper()
	r := rules.Lookup(rules.All(), name)
	require.NotNil(t, r, "no rule %s", name)
	res := lint.Run([]source.File{{Path: path, Text: text}}, ruletest.Options(t, []*rules.Rule{r}, []source.File{{Path: path, Text: text}}))
	rewrite.Place(res)
	return res.Diagnostics
}

// applyFirstFixes applies the edits of the first fix of every diagnostic.
func applyFirstFixes(t *testing.T, text string, diags []rules.Diagnostic) string {
	t.Helper()
	var edits []rules.Edit
	for _, d := range diags {
		require.NotEmpty(t, d.Fixes, "%s has no fix", d.Message)
		edits = append(edits, d.Fixes[0].Edits...)
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	out, last := "", 0
	for _, e := range edits {
		require.Empty(t, e.Path, "edits of this test stay in the file")
		require.GreaterOrEqual(t, e.Start, last, "edits overlap")
		out += text[last:e.Start] + e.NewText
		last = e.End
	}
	return out + text[last:]
}

// checkFix lints text, applies the first fixes, compares the result with
// want, and checks that the fixed text no longer draws the finding.
func checkFix(t *testing.T, name, path, text, want string, safety rules.Safety) {
	t.Helper()
	diags := lintOne(t, name, path, text)
	require.NotEmpty(t, diags, "the input must draw a finding")
	for _, d := range diags {
		require.NotEmpty(t, d.Fixes, d.Message)
		assert.Equal(t, safety, d.Fixes[0].Safety, d.Fixes[0].Title)
	}
	got := applyFirstFixes(t, text, diags)
	assert.Equal(t, want, got)
	assert.Empty(t, lintOne(t, name, path, got), "the fixed text must not draw the finding again")
}

func TestMissingLockTimeoutFix(t *testing.T) {
	checkFix(t, "missing-lock-timeout", "x.sql",
		"-- add flags\n  ALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;\nALTER TABLE accounts DROP COLUMN legacy;\n",
		"-- add flags\n  SET lock_timeout = '2s';\n  ALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;\nALTER TABLE accounts DROP COLUMN legacy;\n",
		rules.Safe)
	checkFix(t, "missing-lock-timeout", "x.sql",
		"BEGIN; ALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0; COMMIT;\n",
		"BEGIN; SET LOCAL lock_timeout = '2s'; ALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0; COMMIT;\n",
		rules.Safe)
	checkFix(t, "missing-lock-timeout", "00001_flags.sql",
		"-- +goose Up\nALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;\n-- +goose Down\nALTER TABLE accounts DROP COLUMN flags;\n",
		"-- +goose Up\nSET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;\n-- +goose Down\nSET LOCAL lock_timeout = '2s';\nALTER TABLE accounts DROP COLUMN flags;\n",
		rules.Safe)
}

func TestMissingLockTimeoutVacuumInSingleQuery(t *testing.T) {
	diags := lintOne(t, "missing-lock-timeout", "1_vacuum.up.sql", "VACUUM FULL accounts;\n")
	require.Len(t, diags, 1)
	assert.Equal(t, rules.DisplayOnly, diags[0].Fixes[0].Safety)
	assert.Empty(t, diags[0].Fixes[0].Edits)
}

func TestPreferCreateOrReplaceTriggerFix(t *testing.T) {
	checkFix(t, "prefer-create-or-replace-trigger", "x.sql",
		"-- swap the audit function\n  DROP TRIGGER accounts_audit ON accounts;  \nCREATE TRIGGER accounts_audit AFTER UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION audit2();\n",
		"-- swap the audit function\nCREATE OR REPLACE TRIGGER accounts_audit AFTER UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION audit2();\n",
		rules.Safe)
	checkFix(t, "prefer-create-or-replace-trigger", "x.sql",
		"BEGIN; DROP TRIGGER t ON a; create or replace trigger t AFTER UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f(); COMMIT;\n",
		"BEGIN; create or replace trigger t AFTER UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f(); COMMIT;\n",
		rules.Safe)
	checkFix(t, "prefer-create-or-replace-trigger", "x.sql",
		"DROP TRIGGER t ON a; -- old version\ncreate trigger t AFTER UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();",
		"-- old version\ncreate OR REPLACE trigger t AFTER UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();",
		rules.Safe)
}

func TestPreferCreateOrReplaceTriggerFixWithStatementsBetween(t *testing.T) {
	diags := lintOne(t, "prefer-create-or-replace-trigger", "x.sql",
		"DROP TRIGGER t ON a;\nUPDATE a SET b = 0;\nCREATE TRIGGER t AFTER UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();\n")
	require.Len(t, diags, 1)
	assert.Equal(t, rules.DisplayOnly, diags[0].Fixes[0].Safety)
	assert.Empty(t, diags[0].Fixes[0].Edits)
}

func TestAttachPartitionRecipe(t *testing.T) {
	for _, tc := range []struct{ sql, help string }{
		{
			"ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
			"ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bounds CHECK (<key> IS NOT NULL AND <key> >= '2024-01-01' AND <key> < '2025-01-01') NOT VALID;",
		},
		{
			"ALTER TABLE events ATTACH PARTITION events_old FOR VALUES FROM (MINVALUE) TO ('2020-01-01');",
			"CHECK (<key> IS NOT NULL AND <key> < '2020-01-01') NOT VALID;",
		},
		{
			"ALTER TABLE events ATTACH PARTITION app.events_eu FOR VALUES IN ('de', 'a,b', 'fr)');",
			"ALTER TABLE app.events_eu ADD CONSTRAINT events_eu_bounds CHECK (<key> IS NOT NULL AND <key> IN ('de', 'a,b', 'fr)')) NOT VALID;",
		},
		{
			"ALTER TABLE events ATTACH PARTITION events_x FOR VALUES IN (NULL, 'x');",
			"add to events_x a CHECK constraint that matches the partition bounds as NOT VALID",
		},
		{
			"ALTER TABLE events ATTACH PARTITION events_2 FOR VALUES FROM (2024, 1) TO (2024, 2);",
			"add to events_2 a CHECK constraint that matches the partition bounds",
		},
		{
			"ALTER TABLE events ATTACH PARTITION events_h FOR VALUES WITH (MODULUS 4, REMAINDER 0);",
			"add to events_h a CHECK constraint that matches the partition bounds",
		},
	} {
		diags := lintOne(t, "attach-partition-scan", "x.sql", tc.sql)
		require.Len(t, diags, 1, tc.sql)
		assert.Contains(t, diags[0].Help, tc.help)
		assert.Equal(t, rules.DisplayOnly, diags[0].Fixes[0].Safety)
	}
}

func TestRequireConcurrentDetachPartitionFix(t *testing.T) {
	checkFix(t, "require-concurrent-detach-partition", "x.sql",
		"ALTER TABLE events\n  DETACH PARTITION events_2019 ; -- old data\n",
		"ALTER TABLE events\n  DETACH PARTITION events_2019 CONCURRENTLY; -- old data\n",
		rules.Unsafe)
	diags := lintOne(t, "require-concurrent-detach-partition", "x.sql", "-- test: pg-version=13\nALTER TABLE events DETACH PARTITION events_2019;\n")
	require.Len(t, diags, 1)
	require.Len(t, diags[0].Fixes, 1)
	assert.Equal(t, rules.DisplayOnly, diags[0].Fixes[0].Safety)
}

func TestAlterDomainConstraintRecipes(t *testing.T) {
	for sql, title := range map[string]string{
		"ALTER DOMAIN app.email SET NOT NULL;":                    "Add CONSTRAINT email_not_null CHECK (VALUE IS NOT NULL) NOT VALID instead",
		"ALTER DOMAIN amount ADD CONSTRAINT c CHECK (VALUE > 0);": "Add the constraint NOT VALID, then VALIDATE CONSTRAINT it",
	} {
		diags := lintOne(t, "alter-domain-constraint", "x.sql", sql)
		require.Len(t, diags, 1, sql)
		assert.Contains(t, diags[0].Fixes[0].Title, title)
		assert.Equal(t, rules.DisplayOnly, diags[0].Fixes[0].Safety)
	}
}

// TestTransactionRuleExamples checks that each of these rules reports its
// own Bad example and not its Good one.
func TestTransactionRuleExamples(t *testing.T) {
	for _, code := range []string{"PS040", "PS041", "PS042", "PS043", "PS044", "PS045", "PS046", "PS047", "PS048"} {
		r := rules.Lookup(rules.All(), code)
		require.NotNil(t, r, code)
		t.Run(r.Name, func(t *testing.T) {
			assert.NotEmpty(t, lintOne(t, r.Name, "x.sql", r.Doc.Bad), "the bad example draws no finding")
			assert.Empty(t, lintOne(t, r.Name, "x.sql", r.Doc.Good), "the good example draws a finding")
		})
	}
}
