// Package pgast holds small, nil-safe helpers over pg_query's parse tree:
// relation names, string lists, constants and a generic walk.
package pgast

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DefaultSchema is the schema that unqualified names resolve to.
const DefaultSchema = "public"

// RelName returns the relation named by rv as "schema.name", with
// unqualified names placed in DefaultSchema. It returns "" for a nil rv.
func RelName(rv *pg.RangeVar) string {
	if rv == nil || rv.GetRelname() == "" {
		return ""
	}
	schema := rv.GetSchemaname()
	if schema == "" {
		schema = DefaultSchema
	}
	return schema + "." + rv.GetRelname()
}

// DisplayName returns a "schema.name" key without the default schema, for
// messages: "accounts" rather than "public.accounts".
func DisplayName(key string) string {
	return strings.TrimPrefix(key, DefaultSchema+".")
}

// KeyOfDisplay is DisplayName's inverse: the "schema.name" key of a
// table as messages and findings show it ("accounts" is
// "public.accounts"). Names are as the catalog stores them, unquoted.
func KeyOfDisplay(name string) string {
	if strings.Contains(name, ".") {
		return name
	}
	return DefaultSchema + "." + name
}

// QualifyName qualifies a list of name parts (as in DROP INDEX s.i) the way
// RelName does, and returns "" for an empty list.
func QualifyName(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return DefaultSchema + "." + parts[0]
	default:
		return parts[len(parts)-2] + "." + parts[len(parts)-1]
	}
}

// Strings returns the string values of a list of String nodes, skipping
// other nodes.
func Strings(nodes []*pg.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if s := n.GetString_(); s != nil {
			out = append(out, s.GetSval())
		}
	}
	return out
}

// LastString returns the last String value of a name list, "" when none.
func LastString(nodes []*pg.Node) string {
	s := Strings(nodes)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// TypeName returns a type's name without the pg_catalog qualifier, e.g.
// "int4", "varchar" or "my_enum", and its modifiers as integers where
// they are constants.
func TypeName(tn *pg.TypeName) (name string, mods []int32) {
	if tn == nil {
		return "", nil
	}
	parts := Strings(tn.GetNames())
	if len(parts) > 1 && parts[0] == "pg_catalog" {
		parts = parts[1:]
	}
	name = strings.Join(parts, ".")
	for _, m := range tn.GetTypmods() {
		if c := m.GetAConst(); c != nil && c.GetIval() != nil {
			mods = append(mods, c.GetIval().GetIval())
		}
	}
	if len(tn.GetArrayBounds()) > 0 {
		name += "[]"
	}
	return name, mods
}

// FuncName returns a function call's name without a pg_catalog qualifier.
func FuncName(fc *pg.FuncCall) string {
	parts := Strings(fc.GetFuncname())
	if len(parts) > 1 && parts[0] == "pg_catalog" {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

// ConstString returns the text of a string or numeric constant and true,
// or "" and false when n is no constant.
func ConstString(n *pg.Node) (string, bool) {
	c := n.GetAConst()
	if c == nil {
		if tc := n.GetTypeCast(); tc != nil {
			return ConstString(tc.GetArg())
		}
		return "", false
	}
	switch {
	case c.GetSval() != nil:
		return c.GetSval().GetSval(), true
	case c.GetIval() != nil:
		return itoa(int64(c.GetIval().GetIval())), true
	case c.GetFval() != nil:
		return c.GetFval().GetFval(), true
	case c.GetBoolval() != nil:
		if c.GetBoolval().GetBoolval() {
			return "true", true
		}
		return "false", true
	default:
		return "", false
	}
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// ParserVersion is PG_VERSION_NUM of the grammar pg_query_go parses with;
// Deparse refuses a tree that does not carry it.
const ParserVersion = 170007

// ExprSQL returns an expression as SQL, deparsed from its tree (for
// recording a default, not for editing a user's text); "" when it cannot
// be deparsed, or is nested more than MaxDeparseDepth messages deep.
func ExprSQL(n *pg.Node) string {
	if n == nil || deeperThan(n.ProtoReflect(), MaxDeparseDepth) {
		return ""
	}
	sel := &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: &pg.SelectStmt{
		TargetList: []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: n}}}},
	}}}
	sql, err := pg.Deparse(&pg.ParseResult{Version: ParserVersion, Stmts: []*pg.RawStmt{{Stmt: sel}}})
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(sql, "SELECT ")
}

// StatementSQL returns a statement as SQL, deparsed from its tree, for a
// statement that a fix writes from what the catalog knows (an index
// rebuilt on another column), never for editing a user's text, whose
// comments and layout deparsing drops; "" when it cannot be deparsed, or
// is nested more than MaxDeparseDepth messages deep.
func StatementSQL(n *pg.Node) string {
	if n == nil || deeperThan(n.ProtoReflect(), MaxDeparseDepth) {
		return ""
	}
	sql, err := pg.Deparse(&pg.ParseResult{Version: ParserVersion, Stmts: []*pg.RawStmt{{Stmt: n}}})
	if err != nil {
		return ""
	}
	return sql
}

// MaxDeparseDepth is the deepest expression, counted in protobuf messages
// from the expression down, that ExprSQL deparses. pg_query's deparser
// recurses in C on the calling thread's fixed stack, as its parser does
// (see sqlparse.MaxDepth), but takes about 960 bytes of stack per
// message where the parser takes 180: 1+1+...+1 with 550 terms (1,100
// messages) overflows a 1 MB stack. The parser lets through expressions
// of up to 5,000 messages, so ExprSQL stops at 500, about 480 KB:
// defaults and generated columns that deep are never written by hand.
const MaxDeparseDepth = 500

// deeperThan reports whether m nests messages more than limit deep,
// counting m; it stops looking as soon as it knows.
func deeperThan(m protoreflect.Message, limit int) bool {
	if limit <= 0 {
		return true
	}
	deep := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && !deep; i++ {
				deep = deeperThan(l.Get(i).Message(), limit-1)
			}
		default:
			deep = deeperThan(v.Message(), limit-1)
		}
		return !deep
	})
	return deep
}

// OptionOn reports whether the option list of a statement (DefElems, as
// in VACUUM (FULL) or REINDEX (CONCURRENTLY)) turns option name on: the
// option is present with no argument, or with an argument that PostgreSQL
// reads as true (true, on, 1; not false, off, 0).
func OptionOn(options []*pg.Node, name string) bool {
	on := false
	for _, o := range options {
		d := o.GetDefElem()
		if d == nil || d.GetDefname() != name {
			continue
		}
		on = BoolArg(d.GetArg())
	}
	return on
}

// BoolArg reads an option argument as PostgreSQL's defGetBoolean does: a
// missing argument is true; false, off, no and 0 are false; anything else is
// true.
func BoolArg(n *pg.Node) bool {
	if n == nil {
		return true
	}
	if i := n.GetInteger(); i != nil {
		return i.GetIval() != 0
	}
	s, ok := ConstString(n)
	if !ok {
		s = n.GetString_().GetSval()
	}
	switch strings.ToLower(s) {
	case "false", "off", "no", "0":
		return false
	default:
		return true
	}
}
