package rules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/rules"
)

// TestRules runs every rule with a Check over its fixture folder,
// fixtures/rules/<name>/. Every checking rule must have one.
func TestRules(t *testing.T) {
	for _, r := range rules.All() {
		if r.Check == nil {
			continue
		}
		t.Run(r.Name, func(t *testing.T) {
			dir := filepath.Join("..", "fixtures", "rules", r.Name)
			_, err := os.Stat(dir)
			require.NoError(t, err, "rule %s has no fixtures", r)
			n := ruletest.Run(t, dir, r)
			assert.Positive(t, n, "rule %s has an empty fixture folder", r)
		})
	}
}

func TestRegistryIsValid(t *testing.T) {
	require.NoError(t, rules.Validate(rules.All()))
}

func TestValidateRejectsUndeclaredFixAvailability(t *testing.T) {
	r := rules.RequireConcurrentIndex()
	r.FixAvailability = ""
	assert.ErrorContains(t, rules.Validate([]*rules.Rule{r}), "fix availability")
	r.FixAvailability = "yes"
	assert.ErrorContains(t, rules.Validate([]*rules.Rule{r}), `"yes"`)

	m := rules.SyntaxError()
	m.FixAvailability = rules.FixSometimes
	assert.ErrorContains(t, rules.Validate([]*rules.Rule{m}), "must be none")
}

func TestValidateRejectsFixSafetyThatContradictsAvailability(t *testing.T) {
	r := rules.RequireConcurrentDropIndex()
	require.Equal(t, rules.FixSometimes, r.FixAvailability)
	r.Doc.FixSafety = "Display-only: the statement must also leave its transaction."
	assert.ErrorContains(t, rules.Validate([]*rules.Rule{r}), "contradicts fix availability sometimes")

	d := rules.DropTable()
	require.Equal(t, rules.FixDisplayOnly, d.FixAvailability)
	d.Doc.FixSafety = "Safe: drops the table in batches."
	assert.ErrorContains(t, rules.Validate([]*rules.Rule{d}), "contradicts fix availability display-only")
}
