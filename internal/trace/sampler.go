package trace

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// sampler reads, from a second connection, the locks that a backend holds
// while a statement runs alone, outside any transaction block, where the
// backend cannot be asked itself before the locks are released.
type sampler struct {
	stop    chan struct{}
	done    chan struct{}
	seen    held
	samples int
	err     error
}

// eagerSamples is how many times the locks are read back to back before
// the sampler settles to its interval.
const eagerSamples = 200

// startSampler reads pid's locks on conn every interval until finish,
// telling sampled (when not nil) of the locks seen so far after each
// read.
func startSampler(ctx context.Context, conn *pgx.Conn, pid uint32, every time.Duration, sampled func(held)) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{}), seen: held{}}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			h, err := heldLocks(ctx, conn, pid)
			if err != nil {
				s.err = err
				return
			}
			s.seen.merge(h)
			s.samples++
			if sampled != nil {
				sampled(s.seen)
			}
			if s.samples < eagerSamples {
				// Most statements are brief: read again at once.
				select {
				case <-s.stop:
					return
				default:
					continue
				}
			}
			select {
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// finish stops the sampling and returns every lock seen, and how many
// times the locks were read.
func (s *sampler) finish() (held, int, error) {
	close(s.stop)
	<-s.done
	return s.seen, s.samples, s.err
}
