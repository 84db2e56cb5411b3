package split

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNarrow(t *testing.T) {
	for _, tt := range []struct {
		name, text   string
		start, end   int
		repl         string
		wantS, wantE int
		wantText     string
	}{
		{"an insertion inside", "x; CREATE INDEX i ON t (c);", 3, 27, "CREATE INDEX CONCURRENTLY i ON t (c);", 16, 16, "CONCURRENTLY "},
		{"a change of the first word", "CREATE INDEX i ON t (c);", 0, 24, "-- note\nCREATE INDEX i ON t (c);", 0, 24, "-- note\nCREATE INDEX i ON t (c);"},
		{"a replacement in the middle", "ALTER TABLE t ADD c int;", 0, 24, "ALTER TABLE t DROP c;", 14, 23, "DROP c"},
		{"nothing changes", "SELECT 1;", 0, 9, "SELECT 1;", 0, 9, "SELECT 1;"},
		// 'é' is C3 A9 and 'è' C3 A8: the cut falls before the whole
		// character, not between its bytes.
		{"between whole characters", "SELECT 'é';", 0, 12, "SELECT 'è';", 8, 10, "è"},
	} {
		s, e, text := narrow(tt.text, tt.start, tt.end, tt.repl)
		assert.Equal(t, []any{tt.wantS, tt.wantE, tt.wantText}, []any{s, e, text}, tt.name)
		assert.Equal(t, tt.text[:tt.start]+tt.repl+tt.text[tt.end:], tt.text[:s]+text+tt.text[e:], "%s: the same result", tt.name)
	}
}
