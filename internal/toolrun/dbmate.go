package toolrun

import (
	"context"
	"regexp"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Dbmate is amacneil/dbmate: `dbmate migrate` runs the pending
// migrations of ./db/migrations, `rollback` the last one applied,
// `status` lists them. The schema dump that dbmate writes after each
// command is turned off.
var Dbmate = &Tool{
	Name:        "dbmate",
	Framework:   tool.Dbmate,
	Migrations:  []string{"db/migrations"},
	Bookkeeping: Bookkeeping{Tables: []string{"public.schema_migrations"}},
	Rollback:    true,
	up: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, nil, dbmateArgs(r, "migrate")...)
		return err
	},
	down: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, nil, dbmateArgs(r, "rollback")...)
		return err
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		out, err := r.command(ctx, nil, dbmateArgs(r, "status")...)
		if err != nil {
			return "", err
		}
		last := ""
		for _, m := range reDbmateApplied.FindAllStringSubmatch(out, -1) {
			last = m[1]
		}
		return last, nil
	},
}

// reDbmateApplied matches an applied migration in `dbmate status`.
var reDbmateApplied = regexp.MustCompile(`(?m)^\[X\] (\d+)`)

func dbmateArgs(r *Run, command string) []string {
	return []string{"--url", r.URL, "--migrations-dir", r.dir(), "--no-dump-schema", command}
}
