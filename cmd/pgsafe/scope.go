package main

import (
	"context"
	"errors"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/baseline"
	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/fingerprint"
	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/report"
)

// scope decides which of a run's findings lint reports: those in files
// changed since a git ref (--changed-since), and those a baseline does not
// record (--baseline). Every file is still linted, so that later files see
// the schema the earlier ones build.
type scope struct {
	changes      *gitdiff.Changes // nil reports every file
	ref          string           // the --changed-since ref, "" for none
	base         *baseline.File   // nil has no baseline
	baselinePath string
}

// newScope reads --changed-since and --baseline.
func newScope(c *cli.Context, e env, cfg *config.Config) (*scope, error) {
	sc := &scope{}
	ref := c.String("changed-since")
	if !c.IsSet("changed-since") {
		ref = cfg.ChangedSince
	}
	if ref != "" {
		ch, err := gitdiff.Since(context.Background(), e.workdir, ref)
		if err != nil {
			return nil, usageError("--changed-since: %v", err)
		}
		sc.changes, sc.ref = ch, ref
	}
	if path := c.String("baseline"); path != "" {
		b, err := baseline.Read(absPath(path, e.workdir))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageError("--baseline %s: no such file (record one with `pgsafe baseline --output %s PATH...`)", path, path)
		}
		if err != nil {
			return nil, usageError("--baseline %s: %v", path, err)
		}
		sc.base, sc.baselinePath = b, path
	}
	return sc, nil
}

// narrow leaves out of in the findings outside the scope, with their
// fingerprints, and counts those the baseline hid. The fingerprints are
// taken before any finding is left out, so that leaving one out does not
// renumber the others.
func (sc *scope) narrow(in *report.Input, workdir string) {
	if sc.changes == nil && sc.base == nil {
		return
	}
	res := in.Result
	in.Fingerprints = fingerprint.Of(res, nil)
	var known []bool
	if sc.base != nil {
		known = sc.base.Recorded(res, sc.baselinePath, workdir)
	}
	queries := map[string]bool{} // application queries meet every pending change, changed or not
	for _, q := range res.Queries {
		queries[q.Path] = true
	}
	diags, fps := res.Diagnostics[:0], in.Fingerprints[:0]
	for i, d := range res.Diagnostics {
		switch {
		case sc.changes != nil && !sc.changes.Contains(d.Path) && !queries[d.Path]:
		case known != nil && known[i]:
			in.Baselined++
		default:
			diags, fps = append(diags, d), append(fps, in.Fingerprints[i])
		}
	}
	res.Diagnostics, in.Fingerprints = diags, fps
}
