package corpus_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/plan"
	"github.com/pgsafe/pgsafe/internal/source"
)

// TestHydraPlan plans Hydra's migrations, as `pgsafe plan` does, and
// checks that the column moves of HYDRA_FINDINGS.md section (c) come out
// as release boundaries: the copy runs in a release before the drop, and
// the release of the drop first deploys code that uses the new place. The
// primary-key swaps, whose plain RENAME COLUMN no deploy order makes
// safe, are listed as unsafe.
func TestHydraPlan(t *testing.T) {
	dir := corpus.Locate(t)
	files, errs := source.Load([]string{filepath.Join(dir, filepath.FromSlash(corpus.HydraMigrations))}, source.Options{})
	require.Empty(t, errs)
	opts := hydraOptions()
	res := lint.Run(files, opts)
	p := plan.Build(res, plan.Options{})

	releaseOf := map[string]int{} // base name -> release number
	var ups int
	for _, r := range p.Releases {
		for _, m := range r.Migrations {
			releaseOf[filepath.Base(m.Path)] = r.Number
			ups++
		}
	}
	require.Positive(t, ups)

	moves := []struct {
		name       string
		copy, drop string // base names
		from, to   string // a move the drop's release must deploy first
	}{
		{"authentication request tables merged into hydra_oauth2_flow",
			"20211019000001000001_merge_authentication_request_tables.postgres.up.sql",
			"20211019000001000003_merge_authentication_request_tables.postgres.up.sql",
			"hydra_oauth2_consent_request_handled", "hydra_oauth2_flow"},
		{"hydra_client's text lists into jsonb columns",
			"20220513000001000002_string_slice_json.postgres.up.sql",
			"20220513000001000004_string_slice_json.postgres.up.sql",
			"hydra_client.redirect_uris", "hydra_client.redirect_uris_json"},
		{"hydra_oauth2_flow's text lists into jsonb columns",
			"20220513000001000007_string_slice_json.postgres.up.sql",
			"20220513000001000008_string_slice_json.postgres.up.sql",
			"hydra_oauth2_flow.requested_scope", "hydra_oauth2_flow.requested_scope_json"},
	}
	for _, mv := range moves {
		t.Run(mv.name, func(t *testing.T) {
			c, d := releaseOf[mv.copy], releaseOf[mv.drop]
			require.NotZero(t, c, mv.copy)
			require.NotZero(t, d, mv.drop)
			assert.Less(t, c, d, "the copy ships in a release before the drop")
			r := p.Releases[d-1]
			assert.Equal(t, mv.drop, filepath.Base(r.Migrations[0].Path), "the drop opens its release")
			found := false
			for _, ch := range r.DeployFirst {
				if ch.Kind == plan.Move && ch.Subject == mv.from && strings.Contains(ch.Deploy, mv.to+" instead of "+mv.from) {
					found = true
				}
			}
			assert.True(t, found, "release %d deploys code that uses %s instead of %s first: %+v", d, mv.to, mv.from, r.DeployFirst)
		})
	}

	// The later drops of the merged tables need no deploy of their own:
	// the code deployed for the first one no longer uses any of them.
	merge := releaseOf["20211019000001000003_merge_authentication_request_tables.postgres.up.sql"]
	for _, n := range []string{"4", "5", "6"} {
		assert.Equal(t, merge, releaseOf["2021101900000100000"+n+"_merge_authentication_request_tables.postgres.up.sql"], "drop %s", n)
	}

	unsafe := map[string]bool{}
	for _, ch := range p.Unsafe {
		unsafe[filepath.Base(ch.Path)+" "+ch.Subject] = true
	}
	assert.True(t, unsafe["20211004110001000000_change_client_primary_key.postgres.up.sql hydra_client.pk"], "%v", unsafe)
	assert.True(t, unsafe["20211011000001000000_change_jwk_primary_key.postgres.up.sql hydra_jwk.pk"], "%v", unsafe)
	t.Logf("hydra plan: %d migrations in %d releases, %d unsafe changes", ups, len(p.Releases), len(p.Unsafe))
}
