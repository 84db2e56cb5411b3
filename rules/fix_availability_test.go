package rules_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// fixOutcome is what happened to one rule's findings over all its
// fixtures.
type fixOutcome struct {
	findings int // findings of the rule, before any fix
	// withFix counts findings that carry a fix of any kind; withEdits
	// those whose fix, placed as `pgsafe lint` shows it, has edits.
	withFix, withEdits int
	// applied counts the fixes `pgsafe fix` applied, by safety.
	applied map[rules.Safety]int
	// notApplied counts findings left without an applied fix: a skipped
	// fix (display-only, unplaceable, or not parsing), or no fix at all.
	notApplied int
}

func (o fixOutcome) appliedTotal() int {
	n := 0
	for _, c := range o.applied {
		n += c
	}
	return n
}

func (o fixOutcome) String() string {
	var safeties []string
	for s, n := range o.applied {
		safeties = append(safeties, fmt.Sprintf("%s=%d", s, n))
	}
	sort.Strings(safeties)
	return fmt.Sprintf("findings=%d with-fix=%d with-edits=%d applied=[%s] not-applied=%d",
		o.findings, o.withFix, o.withEdits, strings.Join(safeties, " "), o.notApplied)
}

// observeFixes lints every fixture of r and fixes it with rewrite.Fix,
// unsafe fixes included, under the migration tool that the fixture's
// header names, or that detection finds there named as a project's config
// would name it (ruletest.Options): never a guessed tool, under which
// fixes that move statements are display-only.
func observeFixes(t *testing.T, r *rules.Rule) fixOutcome {
	t.Helper()
	paths, err := ruletest.Fixtures(filepath.Join("..", "fixtures", "rules", r.Name))
	require.NoError(t, err)
	out := fixOutcome{applied: map[rules.Safety]int{}}
	for _, path := range paths {
		files := ruletest.Load(t, path)
		opts := ruletest.Options(t, ruletest.Enabled(r), files)
		opts.Queries = ruletest.LoadQueries(t, path)
		opts.KeepTrees = true
		lr := lint.Run(files, opts)
		for _, f := range lr.Files {
			require.True(t, f.Choice.Source.Certain(), "%s: the tool that runs the file must be named, not guessed", f.Path)
		}
		rewrite.Place(lr)
		for _, d := range lr.Diagnostics {
			if d.Rule.Code != r.Code {
				continue
			}
			out.findings++
			if len(d.Fixes) == 0 {
				out.notApplied++ // rewrite.Fix reports no skip for a finding without a fix
				continue
			}
			out.withFix++
			if len(d.Fixes[0].Edits) > 0 {
				out.withEdits++
			}
		}
		opts.KeepTrees = false
		res, err := rewrite.Fix(files, opts, rewrite.Options{Unsafe: true})
		require.NoError(t, err, path)
		for _, a := range res.Applied {
			if a.Rule.Code == r.Code {
				out.applied[a.Safety]++
			}
		}
		for _, s := range res.Skipped {
			if s.Rule.Code == r.Code {
				out.notApplied++
			}
		}
	}
	return out
}

// TestFixAvailability holds each rule's declared FixAvailability to what
// its fixes do on its fixtures, so that `pgsafe rules`, `explain`, the
// docs and SARIF tell users what `pgsafe fix` will do.
func TestFixAvailability(t *testing.T) {
	for _, r := range rules.All() {
		t.Run(r.Code+"-"+r.Name, func(t *testing.T) {
			if r.Check == nil {
				assert.Equal(t, rules.FixNone, r.FixAvailability, "the lint driver's findings carry no fix")
				return
			}
			o := observeFixes(t, r)
			require.Positive(t, o.findings, "the fixtures of %s report nothing", r)
			t.Logf("%s declared %s: %s", r.Code, r.FixAvailability, o)
			switch r.FixAvailability {
			case rules.FixNone:
				assert.Zero(t, o.withFix, "declared none, yet findings carry a fix")
			case rules.FixDisplayOnly:
				assert.Positive(t, o.withFix, "declared display-only, yet no finding carries advice: declare none")
				assert.Zero(t, o.withEdits, "declared display-only, yet a fix has edits")
				assert.Zero(t, o.appliedTotal(), "declared display-only, yet pgsafe fix applied a fix")
			case rules.FixSometimes:
				assert.Positive(t, o.appliedTotal(), "declared sometimes, yet pgsafe fix never applied a fix: declare display-only (or add a fixture it fixes)")
				assert.True(t, o.notApplied > 0 || len(o.applied) > 1,
					"declared sometimes, yet every finding got a fix of one safety: declare always (or add a fixture it cannot fix)")
			case rules.FixAlways:
				assert.Positive(t, o.appliedTotal(), "declared always, yet pgsafe fix never applied a fix")
				assert.Zero(t, o.notApplied, "declared always, yet some findings got no fix applied: declare sometimes")
				assert.Len(t, o.applied, 1, "declared always, yet the fixes applied differ in safety: declare sometimes")
			default:
				t.Errorf("unknown fix availability %q", r.FixAvailability)
			}
		})
	}
}
