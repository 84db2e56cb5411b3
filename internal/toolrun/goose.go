package toolrun

import (
	"context"
	"regexp"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Goose is pressly/goose: `goose -dir DIR postgres URL up`, `down` rolls
// back the last migration applied, `version` prints it.
var Goose = &Tool{
	Name:        "goose",
	Framework:   tool.Goose,
	Migrations:  []string{"db/migrations"},
	Bookkeeping: Bookkeeping{Tables: []string{"public.goose_db_version", "public.goose_db_version_id_seq"}},
	Rollback:    true,
	up: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, nil, gooseArgs(r, "up")...)
		return err
	},
	upTo: func(ctx context.Context, r *Run, version string) error {
		_, err := r.command(ctx, nil, gooseArgs(r, "up-to", version)...)
		return err
	},
	down: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, nil, gooseArgs(r, "down")...)
		return err
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		out, err := r.command(ctx, nil, gooseArgs(r, "version")...)
		if err != nil {
			return "", err
		}
		m := reGooseVersion.FindStringSubmatch(out)
		if m == nil || m[1] == "0" {
			return "", nil
		}
		return m[1], nil
	},
}

var reGooseVersion = regexp.MustCompile(`goose: version (\d+)`)

func gooseArgs(r *Run, command ...string) []string {
	return append([]string{"-dir", r.dir(), "postgres", r.URL}, command...)
}
