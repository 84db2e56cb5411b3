package toolrun

import (
	"context"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Drizzle is drizzle-kit: `drizzle-kit migrate` runs the pending
// migrations that drizzle/meta/_journal.json lists, with the project's
// drizzle.config.ts (which reads DATABASE_URL) and the pg driver installed
// beside drizzle-kit. drizzle-kit has no rollback and no status command:
// the last migration applied is read from its table.
var Drizzle = &Tool{
	Name:        "drizzle-kit",
	Framework:   tool.Drizzle,
	Migrations:  []string{"drizzle"},
	Bookkeeping: Bookkeeping{Schemas: []string{"drizzle"}},
	up: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, []string{"DATABASE_URL=" + r.URL}, "migrate")
		return err
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		// created_at is the journal's "when" of the migration.
		return queryString(ctx, r.URL, `SELECT max(created_at)::text FROM drizzle.__drizzle_migrations`)
	},
}
