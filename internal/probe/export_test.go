package probe

import (
	"context"

	"github.com/pgsafe/pgsafe/internal/pgtarget"
)

// Event is what a writer does (event), for the tests.
type Event = event

// StartObserved is Start, telling observe of each write.
func StartObserved(ctx context.Context, target *pgtarget.Target, tables []string, observe func(Event)) *Probe {
	return start(ctx, target, tables, observe)
}
