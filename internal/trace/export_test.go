package trace

import "github.com/pgsafe/pgsafe/internal/locks"

// WithSampled returns opts whose sampler tells sampled, after each read
// of the locks of a statement that runs alone, the strongest lock seen so
// far on each relation, by OID.
func WithSampled(opts Options, sampled func(map[uint32]locks.Mode)) Options {
	opts.sampled = func(h held) {
		out := make(map[uint32]locks.Mode, len(h))
		for oid, m := range h {
			out[oid] = m.strongest()
		}
		sampled(out)
	}
	return opts
}
