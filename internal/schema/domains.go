package schema

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Domain is a domain type that the history created: a base type with
// constraints. Columns of a domain reach clients as its base type
// (PostgreSQL's row description names the base type: printtup.c's
// SendRowDescriptionMessage sends getBaseType), so application code reads
// them as it reads the base type.
type Domain struct {
	Key string
	// Base is the base type's name as column types are named ("text",
	// "int4", "mood", another domain).
	Base string
	File string
	Line int
}

// Domain returns the domain with key "schema.name", nil when unknown.
func (c *Catalog) Domain(key string) *Domain {
	if c == nil {
		return nil
	}
	return c.domains.get(key)
}

// createDomain replays CREATE DOMAIN.
func (r *replay) createDomain(st *pg.CreateDomainStmt) {
	key := pgast.QualifyName(pgast.Strings(st.GetDomainname()))
	base, _ := typeName(st.GetTypeName())
	r.c.domains.set(key, &Domain{Key: key, Base: base, File: r.st.Path, Line: r.st.Line})
}

// moveType re-keys the enum or domain at key with to(key): enums and
// domains share one namespace, that of types.
func (r *replay) moveType(key string, to func(string) string) {
	r.moveEnum(key, to)
	if d := r.c.domains.get(key); d != nil {
		cp := *d
		cp.Key = to(key)
		r.c.domains.del(key)
		r.c.domains.set(cp.Key, &cp)
	}
}
