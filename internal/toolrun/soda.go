package toolrun

import (
	"context"
	"regexp"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Soda is gobuffalo/pop's soda: `soda migrate up` runs the pending
// migrations of ./migrations, `soda migrate down` rolls back one,
// `soda migrate status` lists them. The project's database.yml reads the
// database from DATABASE_URL (`{{ envOr "DATABASE_URL" ... }}`). After
// each command soda also writes migrations/schema.sql with pg_dump, as it
// does for every team.
var Soda = &Tool{
	Name:        "soda",
	Framework:   tool.Pop,
	Migrations:  []string{"migrations"},
	Bookkeeping: Bookkeeping{Tables: []string{"public.schema_migration"}},
	Rollback:    true,
	up: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, sodaEnv(r), sodaArgs(r, "up")...)
		return err
	},
	down: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, sodaEnv(r), sodaArgs(r, "down")...)
		return err
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		out, err := r.command(ctx, sodaEnv(r), sodaArgs(r, "status")...)
		if err != nil {
			return "", err
		}
		last := ""
		for _, m := range reSodaApplied.FindAllStringSubmatch(out, -1) {
			if m[1] > last {
				last = m[1]
			}
		}
		return last, nil
	},
}

// reSodaApplied matches an applied migration in `soda migrate status`.
var reSodaApplied = regexp.MustCompile(`(?m)^(\d+)\s+\S+\s+Applied\s*$`)

func sodaEnv(r *Run) []string { return []string{"DATABASE_URL=" + r.URL, "GO_ENV=development"} }

func sodaArgs(r *Run, command string) []string {
	return []string{"migrate", command, "-c", "database.yml", "-e", "development", "-p", r.dir()}
}
