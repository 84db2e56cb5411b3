package rewrite

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/rules"
)

// TestApplyToGoFiles checks that a round's output for a Go file must
// parse as Go, not as SQL: an edit of a query's literal that keeps the Go
// valid applies, one that breaks the Go (an unescaped quote) does not.
func TestApplyToGoFiles(t *testing.T) {
	const src = "package store\n\nvar q = \"SELECT * FROM t\"\n"
	star := len("package store\n\nvar q = \"SELECT ")
	byPath := map[string]*File{"store/q.go": {Path: "store/q.go", Original: src, Fixed: src}}

	out, ok := applyToFiles(byPath, nil, []rules.Edit{{Path: "store/q.go", Start: star, End: star + 1, NewText: `id, \"Name\"`}})
	assert.True(t, ok, "valid Go")
	assert.Equal(t, "package store\n\nvar q = \"SELECT id, \\\"Name\\\" FROM t\"\n", out["store/q.go"])

	_, ok = applyToFiles(byPath, nil, []rules.Edit{{Path: "store/q.go", Start: star, End: star + 1, NewText: `id, "Name"`}})
	assert.False(t, ok, "an unescaped quote ends the literal: the Go does not parse")
}
