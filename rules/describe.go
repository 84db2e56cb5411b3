package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// LockImpact phrases what a lock does to the people using a table, e.g.
// "takes SHARE on accounts, which blocks writes while the index builds".
// while says for how long ("while the index builds"); "" leaves it out.
func LockImpact(mode locks.Mode, table, while string) string {
	s := fmt.Sprintf("takes %s on %s, which %s", mode, pgast.DisplayName(table), mode.Describe())
	if while != "" {
		s += " " + while
	}
	return s
}

// Display returns a table key as users write it: "accounts" for
// "public.accounts".
func Display(table string) string { return pgast.DisplayName(table) }

// Recipe returns a display-only fix that states a multi-step recipe.
func Recipe(title string) Fix { return Fix{Title: title, Safety: DisplayOnly} }
