package gocode

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
)

// stubs are small stand-ins for the database libraries' APIs, so that a
// test can type-check code that uses them.
var stubs = map[string]string{
	"github.com/jmoiron/sqlx": `package sqlx
import "database/sql"
type DB struct{ *sql.DB }
func (db *DB) Select(dest any, query string, args ...any) error { return nil }
func (db *DB) Unsafe() *DB { return db }
type Stmt struct{}
func (s *Stmt) Select(dest any, args ...any) error { return nil }
`,
	"github.com/jackc/pgx/v5": `package pgx
import "context"
type Rows interface{ Next() bool }
type Conn struct{}
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (Rows, error) { return nil, nil }
type Batch struct{}
func (b *Batch) Queue(query string, arguments ...any) {}
type CollectableRow interface{}
func RowToStructByName[T any](row CollectableRow) (T, error) { var t T; return t, nil }
func CollectRows[T any](rows Rows, fn func(CollectableRow) (T, error)) ([]T, error) { return nil, nil }
`,
	"gorm.io/gorm": `package gorm
type DB struct{}
func (db *DB) Raw(sql string, values ...any) *DB { return db }
func (db *DB) Select(query any, args ...any) *DB { return db }
func (db *DB) Scan(dest any) *DB { return db }
`,
}

// stubImporter imports the stubs, and the standard library as Extract
// does.
type stubImporter struct {
	fset *token.FileSet
	std  types.Importer
	pkgs map[string]*types.Package
}

func (s *stubImporter) Import(path string) (*types.Package, error) {
	src, ok := stubs[path]
	if !ok {
		return s.std.Import(path)
	}
	if p, ok := s.pkgs[path]; ok {
		return p, nil
	}
	f, err := parser.ParseFile(s.fset, path+".go", src, 0)
	if err != nil {
		return nil, err
	}
	conf := types.Config{Importer: s}
	p, err := conf.Check(path, s.fset, []*ast.File{f}, nil)
	if err != nil {
		return nil, fmt.Errorf("stub %s: %w", path, err)
	}
	s.pkgs[path] = p
	return p, nil
}

func TestTypedLibraries(t *testing.T) {
	src := `package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jmoiron/sqlx"
	"gorm.io/gorm"
)

type Client struct {
	ID   int    ` + "`db:\"id\"`" + `
	Name string
}

type Store struct{ *sqlx.DB }

func f(ctx context.Context, s Store, st *sqlx.Stmt, conn *pgx.Conn, orm *gorm.DB) {
	var cs []Client
	_ = s.Unsafe().Select(&cs, "SELECT * FROM clients")
	_ = st.Select(&cs, "not sql: a prepared statement's argument")
	rows, _ := conn.Query(ctx, "SELECT * FROM two")
	_, _ = pgx.CollectRows(rows, pgx.RowToStructByName[Client])
	var b pgx.Batch
	b.Queue("SELECT 3")
	orm.Select("not sql: columns").Raw("SELECT 4")
	_ = s.QueryRow("SELECT 5")
}
`
	newImporter := func(fset *token.FileSet, files []*ast.File) types.Importer {
		return &stubImporter{fset: fset, std: importer.Default(), pkgs: map[string]*types.Package{}}
	}
	files, errs := extract([]source.File{{Path: "store.go", Text: src}}, newImporter)
	require.Empty(t, errs)
	require.Len(t, files, 1)
	f := files[0]
	assert.Equal(t, []string{"SELECT * FROM clients", "SELECT * FROM two", "SELECT 3", "SELECT 4", "SELECT 5"}, texts(f))
	var calls []string
	for _, q := range f.Queries {
		calls = append(calls, q.Call)
	}
	assert.Equal(t, []string{"sqlx Select", "pgx Query", "pgx Batch.Queue", "gorm Raw", "database/sql (*DB).QueryRow"}, calls,
		"typed: methods reached through embedding say their package")
	assert.Equal(t, &Read{Line: 20, Column: 6, Call: "sqlx Select", Names: []string{"id", "name"}, Lax: true, Driver: "database/sql", Types: []string{"int", "string"}}, f.Queries[0].Read)
	assert.Equal(t, &Read{Line: 23, Column: 9, Call: "pgx.RowToStructByName", Names: []string{"id", "name"}, Strict: true, Driver: "pgx", Types: []string{"int", "string"}}, f.Queries[1].Read)
}
