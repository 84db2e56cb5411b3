// Package schemaload gives a migration set the schema it starts from, for
// repositories whose history is squashed: the DDL of a pg_dump
// --schema-only file, or the catalog of a live database read with pgx.
// Both are replayed into the catalog by the same code as migrations.
package schemaload

import (
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// FromDump replays the DDL of a pg_dump --schema-only file (path names it
// in the objects it creates). psql meta-commands such as \restrict and
// \connect are blanked before parsing.
func FromDump(path, text string) (*schema.Catalog, error) {
	f := migration.ReadSQL(path, blankMetaCommands(text))
	if f.SyntaxError != nil {
		pos := f.Lines.Position(f.SyntaxError.Offset)
		return nil, fmt.Errorf("%s:%d:%d: %s", path, pos.Line, pos.Column, f.SyntaxError.Message)
	}
	cat := schema.New()
	for _, st := range f.Statements {
		cat.Replay(schema.StmtOf(f, st))
	}
	return cat, nil
}

// blankMetaCommands replaces lines that start with a backslash (psql
// meta-commands) by spaces, keeping every byte offset.
func blankMetaCommands(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, `\`) {
			body := strings.TrimRight(l, "\r\n")
			lines[i] = strings.Repeat(" ", len(body)) + l[len(body):]
		}
	}
	return strings.Join(lines, "")
}
