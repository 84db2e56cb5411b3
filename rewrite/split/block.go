package split

import (
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// block returns the bytes that belong to statement st when it moves: its
// leading comment lines, the statement, its semicolon and a comment that
// follows it on the same line. A comment on the line where the previous
// statement ends stays with that statement.
func block(f *migration.File, st *migration.Statement) sqlparse.Span {
	start := st.Extent.Start
	if st.Index > 0 {
		// Skip the rest of the previous statement's last line.
		if nl := strings.IndexByte(f.Text[start:st.Span.Start], '\n'); nl >= 0 {
			start += nl + 1
		} else {
			start = st.Span.Start
		}
	}
	end := st.Extent.End
	rest := f.Text[end:]
	line := rest
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		line = rest[:nl]
	}
	if trimmed := strings.TrimLeft(line, " \t"); strings.HasPrefix(trimmed, "--") {
		end += len(line)
	}
	// Take the line break too, so that no empty line is left behind.
	if end < len(f.Text) && f.Text[end] == '\n' {
		end++
	}
	return sqlparse.Span{Start: start, End: end}
}
