package main

import (
	"context"
	"strings"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/release"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// shipping is what a run knows of what has shipped.
type shipping struct {
	// pending reports whether a migration has not shipped yet; nil when
	// the run cannot tell.
	pending func(path string) bool
}

// applyReleases tells the run's settings what has shipped, and returns
// it. The migrations changed since --changed-since (changes, from ref)
// are pending and form one release window; without it, those that no
// release tag (the config's release-tag) holds do. For the contract
// reminder, release tags count the releases that hold a migration;
// without them, --changed-since says whether one has. files are the
// run's migrations: their contract markers name the migrations whose
// releases are counted.
func applyReleases(ctx context.Context, e env, s *settings, changes *gitdiff.Changes, ref string, files []source.File) (shipping, error) {
	cfg := s.cfg
	if cfg.ContractReleases > 1 && cfg.ReleaseTag == "" {
		return shipping{}, &exitError{code: exitUsage, err: cfg.ErrorAt("contract-releases counts releases, which pgsafe knows only from release-tag: set release-tag too", "contract-releases")}
	}
	s.lint.Rule.ContractReleases = cfg.ContractReleases
	var out shipping
	if changes != nil {
		out.pending = changes.Contains
		s.lint.Pending = changes.Contains
		s.lint.Rule.Releases = func(path string) int {
			if changes.Contains(path) {
				return 0
			}
			return 1
		}
		s.lint.Rule.ReleaseSource = "--changed-since " + ref
	}
	if cfg.ReleaseTag == "" {
		return out, nil
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	shipped, err := release.Read(ctx, e.workdir, cfg.ReleaseTag, paths, contractFiles(files))
	if err != nil {
		return shipping{}, &exitError{code: exitUsage, err: cfg.ErrorAt("release-tag: "+err.Error(), "release-tag")}
	}
	s.lint.Rule.Releases, s.lint.Rule.ReleaseSource = shipped.Releases, shipped.Describe()
	if changes == nil {
		out.pending = func(path string) bool { return shipped.Releases(path) == 0 }
		s.lint.Pending = out.pending
	}
	return out, nil
}

// contractFiles returns the contract migrations among files (those with
// a pgsafe:contract marker) and the expand files their markers name.
func contractFiles(files []source.File) []string {
	var out []string
	for _, f := range files {
		if !strings.Contains(f.Text, contract.Directive) {
			continue
		}
		if m, ok := contract.Of(sqlparse.Parse(f.Text).Comments); ok {
			out = append(out, f.Path, contract.ExpandPath(f.Path, m.Expand))
		}
	}
	return out
}
