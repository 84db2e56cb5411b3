package gocode

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// part is one piece of a query's SQL, in place in the Go source, or the
// text of a name whose value lies elsewhere (a constant, a variable; see
// remote).
type part struct {
	start int    // offset in the source of text's first byte; -1 for a name's text
	text  []byte // aligned with the source from start; a name's text on one line
	close int    // offset of the closing quote of the literal, -1 for a stand-in or a name
	at    int    // for a name's text: the offset of the name in the query's expression
}

// value is the SQL of an expression.
type value struct {
	parts   []part
	partial bool
	literal bool // exactly one string literal, unchanged
	raw     bool
	// region is the source span [start, end) of the concatenation that
	// the value comes from, where the SQL of a value with a name's text is
	// laid out (see assemble).
	region [2]int
	// names are the constants and variables whose text the value holds,
	// as "name (file.go:line)".
	names []string
}

// remote reports whether the value holds the text of a name, which has
// no place in the query's expression.
func (v value) remote() bool {
	for _, p := range v.parts {
		if p.start < 0 {
			return true
		}
	}
	return false
}

// maxDepth bounds how many names resolution follows.
const maxDepth = 16

// resolve returns the SQL of a string expression, in place in the
// source. whole is set when the expression is the entire query (or the
// entire format of a fmt.Sprintf): only then is a constant or variable
// followed to its definition, whose text then is the query's, in place;
// a name inside a concatenation has its text put together with the rest
// (see nameText and assemble), or stands in as unknown (see standIn).
func (x *extractor) resolve(e ast.Expr, whole bool, depth int) (value, bool) {
	if depth > maxDepth {
		return value{}, false
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return x.resolve(e.X, whole, depth+1)
	case *ast.BasicLit:
		if e.Kind != token.STRING || x.tf == nil || x.pkgFile(e.Pos()) != x.tf {
			return value{}, false
		}
		start := x.offset(e.Pos())
		text, partial := literalSQL(e.Value)
		return value{
			parts:   []part{{start: start + 1, text: text, close: start + len(e.Value) - 1}},
			partial: partial, literal: !partial, raw: e.Value[0] == '`',
		}, true
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return value{}, false
		}
		l, lok := x.resolve(e.X, false, depth+1)
		if !lok {
			l, lok = x.nameText(e.X, depth+1)
		}
		r, rok := x.resolve(e.Y, false, depth+1)
		if !rok {
			r, rok = x.nameText(e.Y, depth+1)
		}
		if !lok && !rok {
			return value{}, false
		}
		if !lok {
			l = x.standIn(e.X)
		}
		if !rok {
			r = x.standIn(e.Y)
		}
		v := value{
			parts: append(l.parts, r.parts...), partial: l.partial || r.partial,
			names: append(l.names, r.names...),
		}
		if x.pkgFile(e.Pos()) == x.tf {
			v.region = [2]int{x.offset(e.Pos()), x.offset(e.End())}
		}
		return v, true
	case *ast.Ident:
		if !whole {
			return value{}, false
		}
		obj := x.p.info.Uses[e]
		if obj == nil {
			return value{}, false
		}
		def, changed := x.p.values[obj], false
		if _, isVar := obj.(*types.Var); isVar {
			a, ch, ok := x.p.reaching(obj, e.Pos())
			if !ok || !x.isString(a.rhs) {
				return value{}, false
			}
			def, changed = a.rhs, ch
		}
		if def == nil {
			return value{}, false
		}
		v, ok := x.resolve(def, true, depth+1)
		if ok && changed {
			// The variable may have changed since: the SQL seen here is
			// only where it starts.
			v.partial, v.literal = true, false
		}
		return v, ok
	case *ast.CallExpr:
		if name, i, ok := x.rewriter(e); ok {
			if i >= len(e.Args) {
				return value{}, false
			}
			v, ok := x.resolve(e.Args[i], true, depth+1)
			if !ok {
				return value{}, false
			}
			v = rebind(v, placeholders(libSQLX, name))
			v.literal = false
			return v, true
		}
		if !x.isFunc(e.Fun, "fmt", "Sprintf") || len(e.Args) == 0 {
			return value{}, false
		}
		v, ok := x.resolve(e.Args[0], true, depth+1)
		if !ok {
			return value{}, false
		}
		return sprintf(v), true
	}
	return value{}, false
}

// rewriter recognises a call of one of sqlx's rewriters (see rewriters):
// a function of the sqlx package, or a method by that name in a package
// that imports sqlx (or of a sqlx type, when typed). It returns the
// rewriter's name and the index of its SQL argument.
func (x *extractor) rewriter(call *ast.CallExpr) (name string, arg int, ok bool) {
	sel, isSel := call.Fun.(*ast.SelectorExpr)
	if !isSel {
		return "", 0, false
	}
	name = sel.Sel.Name
	if id, isID := sel.X.(*ast.Ident); isID {
		if pn, isPkg := x.p.info.Uses[id].(*types.PkgName); isPkg {
			i, found := rewriters.functions[name]
			return name, i, found && libraryOfPath(pn.Imported().Path()) == libSQLX
		}
	}
	i, found := rewriters.methods[name]
	if !found {
		return "", 0, false
	}
	if s, typed := x.p.info.Selections[sel]; typed && s.Obj().Pkg() != nil {
		return name, i, libraryOfPath(s.Obj().Pkg().Path()) == libSQLX
	}
	return name, i, x.p.libs[libSQLX]
}

// pkgFile returns the token.File that holds pos.
func (x *extractor) pkgFile(pos token.Pos) *token.File { return x.p.fset.File(pos) }

// standIn is an unknown operand of a concatenation: an '_' at its first
// byte, which PostgreSQL reads as a name, so that "SELECT * FROM " + table
// still parses, as SELECT * FROM _.
func (x *extractor) standIn(e ast.Expr) value {
	return value{parts: []part{{start: x.offset(e.Pos()), text: []byte("_"), close: -1}}, partial: true}
}

// sprintf applies fmt.Sprintf's verbs to a format's SQL: "%%" becomes
// "% " (a percent sign, as Sprintf prints it), and each verb, with its
// flags, width and precision, an '_' followed by spaces, read as a name
// as for standIn; any verb makes the value partial.
func sprintf(v value) value {
	out := value{partial: v.partial}
	for _, p := range v.parts {
		text := append([]byte(nil), p.text...)
		for i := 0; i < len(text); i++ {
			if text[i] != '%' {
				continue
			}
			j := i + 1
			for j < len(text) && strings.IndexByte("+-# 0123456789.*[]", text[j]) >= 0 {
				j++
			}
			if j >= len(text) {
				break
			}
			if text[j] == '%' && j == i+1 {
				text[j] = ' '
				i = j
				continue
			}
			text[i] = '_'
			for k := i + 1; k <= j; k++ {
				text[k] = ' '
			}
			out.partial = true
			i = j
		}
		out.parts = append(out.parts, part{start: p.start, text: text, close: p.close, at: p.at})
	}
	out.region, out.names = v.region, v.names
	return out
}

// isFunc reports whether fun names the function pkgPath.name.
func (x *extractor) isFunc(fun ast.Expr, pkgPath, name string) bool {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	if pn, ok := x.p.info.Uses[id].(*types.PkgName); ok {
		return pn.Imported().Path() == pkgPath
	}
	return id.Name == pkgPath
}

// isString reports whether e may be a string: its type is a string type,
// or unknown.
func (x *extractor) isString(e ast.Expr) bool {
	tv, ok := x.p.info.Types[e]
	if !ok || !known(tv.Type) {
		return true
	}
	b, ok := tv.Type.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// literalSQL returns the text between a Go string literal's quotes,
// aligned byte for byte with the source: a raw string's bytes as they are
// (a carriage return, which Go drops from raw strings, as a space); in an
// interpreted string, each escape sequence in the bytes it spans (see
// escapeSQL). partial is set when an escape's meaning could not be kept.
func literalSQL(lit string) (text []byte, partial bool) {
	body := lit[1 : len(lit)-1]
	text = []byte(body)
	if lit[0] == '`' {
		for i, c := range text {
			if c == '\r' {
				text[i] = ' '
			}
		}
		return text, false
	}
	return escapeSQL(body)
}

// sqlState is where a byte of SQL text lies, for escapeSQL.
type sqlState uint8

const (
	inCode         sqlState = iota // SQL outside the states below
	inString                       // '...'
	inEscapeString                 // E'...', where a backslash escapes
	inIdent                        // "..."
	inLineComment                  // -- up to the end of the line
	inBlockComment                 // /* ... */
)

// escapeSQL returns the SQL that the body of an interpreted Go string
// holds, aligned byte for byte with the body: each escape sequence in the
// bytes it spans, padded with spaces. Whitespace escapes (\t \n \v \f
// \r) become spaces. \" holds a '"' and a space, placed so that a quoted
// identifier stays contiguous: an opening quote as space then quote, a
// closing one as quote then space. \\ holds a backslash and a space
// where the space changes nothing that pgsafe checks: in a '...' string
// (one more space in the constant) or a comment. The SQL quoting state
// ('...', E'...', "...", comments) is followed through the body to tell
// which is which. Any other escape, and these where the space would split
// a word or change an escape string (a '"' doubled inside an identifier, a
// \\ in an identifier, outside quotes or in E'...', a \" inside a '...'
// string), blanks to spaces and sets partial; so does a \n that ends a --
// comment, as the aligned SQL keeps the comment going.
func escapeSQL(body string) (text []byte, partial bool) {
	text = []byte(body)
	state := inCode
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			state = nextSQLState(state, body, i)
			continue
		}
		e := body[i+1]
		n := escapeLen(e)
		for j := i; j < i+n && j < len(body); j++ {
			text[j] = ' '
		}
		switch {
		case e == '"' && state == inCode:
			text[i+1] = '"'
			state = inIdent
		case e == '"' && state == inIdent && strings.HasPrefix(body[i+2:], `\"`):
			// A doubled quote inside the identifier: four bytes for one
			// '"', which cannot be kept without splitting the name.
			text[i+2], text[i+3] = ' ', ' '
			partial = true
			n = 4
		case e == '"' && state == inIdent:
			text[i] = '"'
			state = inCode
		case e == '"' && (state == inLineComment || state == inBlockComment):
			text[i] = '"'
		case e == '\\' && (state == inString || state == inLineComment || state == inBlockComment):
			text[i] = '\\'
		case e == 'n' && state == inLineComment:
			partial = true
			state = inCode
		case strings.IndexByte("tnvfr", e) >= 0:
		default:
			partial = true
		}
		i += n - 1
	}
	return text, partial
}

// nextSQLState returns the SQL quoting state after body[i], which is no
// backslash of a Go escape, given the state before it.
func nextSQLState(state sqlState, body string, i int) sqlState {
	c := body[i]
	next := byte(0)
	if i+1 < len(body) {
		next = body[i+1]
	}
	switch state {
	case inCode:
		switch {
		case c == '\'' && i > 0 && (body[i-1] == 'E' || body[i-1] == 'e') && (i < 2 || !identByte(body[i-2])):
			return inEscapeString
		case c == '\'':
			return inString
		case c == '-' && next == '-':
			return inLineComment
		case c == '/' && next == '*':
			return inBlockComment
		}
	case inString, inEscapeString:
		if c == '\'' {
			return inCode // a doubled '' reopens at once
		}
	case inIdent:
		if c == '"' {
			return inCode
		}
	case inBlockComment:
		if c == '/' && i > 0 && body[i-1] == '*' {
			return inCode
		}
	case inLineComment:
		if c == '\n' {
			return inCode
		}
	}
	return state
}

// escapeLen is the length of the escape sequence that starts with '\\'
// and then c.
func escapeLen(c byte) int {
	switch {
	case c == 'x':
		return 4
	case c == 'u':
		return 6
	case c == 'U':
		return 10
	case c >= '0' && c <= '7':
		return 4
	default:
		return 2
	}
}

// rebind rewrites the bind parameters of sqlx's other placeholder styles
// in place, outside quoted strings and comments: '?' (Rebind, In) and
// :name (Named methods; "::" casts kept) each become a '0' (PostgreSQL
// reads it as a value, where $1 would stand) followed by spaces.
func rebind(v value, style byte) value {
	for pi := range v.parts {
		t := v.parts[pi].text
		var quote byte
		for i := 0; i < len(t); i++ {
			c := t[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == ':' && i+1 < len(t) && t[i+1] == ':':
				i++
			case style == '?' && c == '?':
				t[i] = '0'
			case style == ':' && c == ':' && i+1 < len(t) && identByte(t[i+1]):
				t[i] = '0'
				j := i + 1
				for j < len(t) && (identByte(t[j]) || t[j] == '.') {
					t[j] = ' '
					j++
				}
				i = j - 1
			}
		}
	}
	return v
}

func identByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
