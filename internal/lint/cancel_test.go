package lint_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// statementSet is n migrations of three statements each, every one valid.
func statementSet(n int) []source.File {
	files := make([]source.File, n)
	for i := range files {
		files[i] = source.File{
			Path: fmt.Sprintf("m/%03d.sql", i+1),
			Text: fmt.Sprintf("CREATE TABLE t%d (id int);\nALTER TABLE t%d ADD COLUMN v text;\nCREATE INDEX t%d_v ON t%d (v);\n", i, i, i, i),
		}
	}
	return files
}

// seenRule is a rule that records every statement it is handed, as
// "path:index", and calls at (when set) with each before recording it.
type seenRule struct {
	mu   sync.Mutex
	seen []string
	at   func(where string)
}

func (s *seenRule) rule() *rules.Rule {
	return &rules.Rule{Code: "PS999", Name: "seen", Queries: true, Check: func(p *rules.Pass) {
		where := fmt.Sprintf("%s:%d", p.File.Path, p.Stmt.Index)
		if s.at != nil {
			s.at(where)
		}
		s.mu.Lock()
		s.seen = append(s.seen, where)
		s.mu.Unlock()
	}}
}

func (s *seenRule) statements() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func cancelOptions(r *rules.Rule, workers int) lint.Options {
	return lint.Options{
		Rules: []*rules.Rule{r}, Known: rules.All(), Workers: workers,
		Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
	}
}

// TestRunContextStopsAtTheNextStatement cancels the run from within the
// check of one statement, and checks that no statement after it is
// checked, in its file or in the files after it, whatever the number of
// workers that parse ahead.
func TestRunContextStopsAtTheNextStatement(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d workers", workers), func(t *testing.T) {
			files := statementSet(40)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := &seenRule{}
			s.at = func(where string) {
				if where == "m/007.sql:1" {
					cancel()
				}
			}
			res, err := lint.RunContext(ctx, files, cancelOptions(s.rule(), workers))
			require.ErrorIs(t, err, context.Canceled)
			assert.Nil(t, res, "a cancelled run has no result")
			seen := s.statements()
			require.NotEmpty(t, seen)
			assert.Equal(t, "m/007.sql:1", seen[len(seen)-1], "the statement being checked ends its check; none after it is checked")
			assert.Len(t, seen, 6*3+2, "the six files before, and the first two statements of the seventh")
		})
	}
}

// TestRunContextStopsBetweenFiles cancels the run once the last
// statement of a file is checked: the next file is not checked.
func TestRunContextStopsBetweenFiles(t *testing.T) {
	files := statementSet(10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &seenRule{}
	s.at = func(where string) {
		if where == "m/003.sql:2" {
			cancel()
		}
	}
	_, err := lint.RunContext(ctx, files, cancelOptions(s.rule(), 2))
	require.ErrorIs(t, err, context.Canceled)
	seen := s.statements()
	assert.Equal(t, "m/003.sql:2", seen[len(seen)-1])
	for _, w := range seen {
		assert.False(t, strings.HasPrefix(w, "m/004.sql"), "%s checked after the cancel", w)
	}
}

// TestRunContextCancelledBeforeChecksNothing checks that a run whose
// context is done before it starts checks no statement, and that one
// cancelled while the application queries are checked stops too.
func TestRunContextCancelledBeforeChecksNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &seenRule{}
	res, err := lint.RunContext(ctx, statementSet(5), cancelOptions(s.rule(), 0))
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, res)
	assert.Empty(t, s.statements())

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	s = &seenRule{}
	s.at = func(where string) {
		if where == "q.sql:0" {
			cancel()
		}
	}
	opts := cancelOptions(s.rule(), 1)
	opts.Queries = []source.File{{Path: "q.sql", Text: "SELECT id FROM t0;\nSELECT id FROM t1;\n"}}
	_, err = lint.RunContext(ctx, statementSet(2), opts)
	require.ErrorIs(t, err, context.Canceled)
	seen := s.statements()
	assert.Equal(t, "q.sql:0", seen[len(seen)-1], "the query after the cancel is not checked")
}

// TestRunContextNotCancelledIsRun checks that a run that is not
// cancelled finds what Run finds.
func TestRunContextNotCancelledIsRun(t *testing.T) {
	files := statementSet(12)
	opts := lint.Options{Rules: rules.All(), Known: rules.All(), Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}}}
	res, err := lint.RunContext(context.Background(), files, opts)
	require.NoError(t, err)
	assert.Equal(t, summary(lint.Run(files, opts)), summary(res))
	assert.NotEmpty(t, res.Diagnostics)
}
