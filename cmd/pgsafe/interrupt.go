package main

import (
	"context"
	"errors"
)

// interrupted is the error of a command that Ctrl-C (SIGINT) or SIGTERM
// stopped: exit code 2, as for trace.
func interrupted() error {
	return &exitError{code: exitUsage, err: errors.New("interrupted")}
}

// interruptible runs fn on a goroutine of its own and returns its
// results, or ctx's error as soon as ctx is done, so that a signal stops
// the run promptly even in the middle of a long parse. fn must change
// nothing outside memory: when ctx ends the wait, it is left running until
// the process exits.
func interruptible[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
