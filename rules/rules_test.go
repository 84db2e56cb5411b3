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
