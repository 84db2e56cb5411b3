package rules

import (
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/resolve"
)

// This file judges a column's type change against the Go destination
// that application code reads the column into (CodeRead.Types): whether
// the driver still fills it. The judgement follows the drivers' source:
// database/sql's convertAssign (which sqlx and GORM use, and pgx for a
// destination that implements sql.Scanner, such as sql.NullString), and
// pgx v5's type map, whose scan plans are stricter. It judges only the
// PostgreSQL types whose decoding it knows (pgKindOf) and the Go types
// whose conversions it knows (goDestOf); anything else is unknownFit.

// fit is what a column's type does to a destination, from best to worst.
type fit int

const (
	// unknownFit: pgsafe cannot tell.
	unknownFit fit = iota
	// fits: the driver fills the destination from every value.
	fits
	// mayFail: from some values only (text that is not a number, an
	// int8 out of int32's range).
	mayFail
	// fails: from no value.
	fails
)

// pgKind groups PostgreSQL types by what drivers decode them into.
type pgKind int

const (
	pgOther   pgKind = iota // not judged: arrays, enums, domains, time of day, intervals...
	pgInt                   // int2, int4, int8: an int64
	pgFloat                 // float4, float8: a float64
	pgNumeric               // numeric: text
	pgBool                  // bool
	pgTime                  // date, timestamp, timestamptz: a time.Time
	pgBytea                 // bytea: bytes
	pgText                  // text, varchar, char, name: text
	pgUUID                  // uuid: text for database/sql; 16 bytes for pgx
	pgJSON                  // json, jsonb: text for database/sql; unmarshalled by pgx
)

// pgType is a column type as the catalog names it ("int4", "varchar"),
// with its kind and, for integers and floats, its width in bits.
type pgType struct {
	name string
	kind pgKind
	bits int
}

// pgTypeOf returns what pgsafe knows of the catalog type name.
func pgTypeOf(name string) pgType {
	t := pgType{name: name}
	switch name {
	case "int2":
		t.kind, t.bits = pgInt, 16
	case "int4":
		t.kind, t.bits = pgInt, 32
	case "int8":
		t.kind, t.bits = pgInt, 64
	case "float4":
		t.kind, t.bits = pgFloat, 32
	case "float8":
		t.kind, t.bits = pgFloat, 64
	case "numeric":
		t.kind = pgNumeric
	case "bool":
		t.kind = pgBool
	case "date", "timestamp", "timestamptz":
		t.kind = pgTime
	case "bytea":
		t.kind = pgBytea
	case "text", "varchar", "bpchar", "char", "name":
		t.kind = pgText
	case "uuid":
		t.kind = pgUUID
	case "json", "jsonb":
		t.kind = pgJSON
	default:
	}
	return t
}

// goKind groups Go destination types by how drivers fill them.
type goKind int

const (
	goOther goKind = iota
	goAny          // any: takes whatever the driver gives
	goBytes        // []byte, sql.RawBytes
	goString
	goInt
	goUint
	goFloat
	goBool
	goTime // time.Time
)

// goDest is a destination's Go type as CodeRead.Types describes it.
type goDest struct {
	text string // as shown in messages: "int64", "sql.NullString", "store.Status"
	kind goKind
	bits int // of an integer or float; 64 for int and uint
	// named is set for a named type of the application's own (type
	// Status string), which database/sql fills from text only.
	named bool
	// scanner is set for database/sql's Null types, which implement
	// sql.Scanner: pgx hands them database/sql values, so database/sql's
	// rules apply under pgx too.
	scanner bool
}

// goDestOf reads a destination's Go type from its description (see
// gocode.Read.Types); its kind is goOther when pgsafe does not judge it.
func goDestOf(desc string) goDest {
	text := strings.TrimLeft(desc, "*") // a pointer takes NULL; the rest is the same
	d := goDest{text: shortType(text)}
	if name, under, ok := strings.Cut(text, " ("); ok {
		d.text = shortType(name)
		under = strings.TrimSuffix(under, ")")
		if under == "Scanner" {
			return d // its own Scan method decides
		}
		b := goDestOf(under)
		d.kind, d.bits, d.named = b.kind, b.bits, true
		return d
	}
	if inner, ok := strings.CutPrefix(text, "database/sql.Null["); ok {
		b := goDestOf(strings.TrimSuffix(inner, "]"))
		d.kind, d.bits, d.scanner = b.kind, b.bits, true
		return d
	}
	switch text {
	case "database/sql.NullString":
		d.kind, d.scanner = goString, true
	case "database/sql.NullInt64":
		d.kind, d.bits, d.scanner = goInt, 64, true
	case "database/sql.NullInt32":
		d.kind, d.bits, d.scanner = goInt, 32, true
	case "database/sql.NullInt16":
		d.kind, d.bits, d.scanner = goInt, 16, true
	case "database/sql.NullByte":
		d.kind, d.bits, d.scanner = goUint, 8, true
	case "database/sql.NullFloat64":
		d.kind, d.bits, d.scanner = goFloat, 64, true
	case "database/sql.NullBool":
		d.kind, d.scanner = goBool, true
	case "database/sql.NullTime":
		d.kind, d.scanner = goTime, true
	case "any":
		d.kind = goAny
	case "[]byte", "database/sql.RawBytes":
		d.kind = goBytes
	case "string":
		d.kind = goString
	case "bool":
		d.kind = goBool
	case "time.Time":
		d.kind = goTime
	case "int", "int64":
		d.kind, d.bits = goInt, 64
	case "int32":
		d.kind, d.bits = goInt, 32
	case "int16":
		d.kind, d.bits = goInt, 16
	case "int8":
		d.kind, d.bits = goInt, 8
	case "uint", "uint64":
		d.kind, d.bits = goUint, 64
	case "uint32":
		d.kind, d.bits = goUint, 32
	case "uint16":
		d.kind, d.bits = goUint, 16
	case "uint8":
		d.kind, d.bits = goUint, 8
	case "float64":
		d.kind, d.bits = goFloat, 64
	case "float32":
		d.kind, d.bits = goFloat, 32
	default:
	}
	return d
}

// shortType shortens the package paths of a Go type's text to their last
// element, as Go code writes them: "database/sql.NullString" is
// "sql.NullString", "example.com/store.Status" is "store.Status".
func shortType(text string) string {
	var b strings.Builder
	for text != "" {
		end := strings.IndexAny(text, "[]*(), ")
		if end < 0 {
			end = len(text)
		}
		word := text[:end]
		b.WriteString(word[strings.LastIndexByte(word, '/')+1:])
		if end < len(text) {
			b.WriteByte(text[end])
			end++
		}
		text = text[end:]
	}
	return b.String()
}

// judgeRetype says what changing a column from type oldType to newType
// (catalog names) does to its destination desc (a description from
// gocode.Read.Types) under driver ("pgx" or "database/sql"): worse is
// the new type's fit when it is worse than the old one's, fits when it
// is not, unknownFit when pgsafe cannot tell; why says, for mayFail and
// fails, what the driver does ("pgx cannot scan text into int64").
func judgeRetype(driver, oldType, newType, desc string) (worse fit, why string) {
	d := goDestOf(desc)
	now, why := judge(driver, pgTypeOf(newType), d)
	switch now {
	case unknownFit, fits:
		return now, ""
	default:
	}
	if before, _ := judge(driver, pgTypeOf(oldType), d); before >= now {
		return fits, "" // no worse than the code meets today
	}
	return now, why
}

// judge says how the driver fills destination d from a column of type t.
func judge(driver string, t pgType, d goDest) (fit, string) {
	if d.kind == goOther || t.kind == pgOther {
		return unknownFit, ""
	}
	if driver == "pgx" && !d.scanner {
		return judgePgx(t, d)
	}
	return judgeSQL(t, d)
}

// judgeSQL is database/sql's convertAssign: the driver (lib/pq, pgx's
// stdlib) gives an int64 for integers, a float64 for floats, a bool, a
// time.Time for dates and timestamps, bytes for bytea, and text
// (a string or bytes) for the rest; convertAssign turns text into a
// number or a bool by parsing it.
func judgeSQL(t pgType, d goDest) (fit, string) {
	text := t.kind == pgNumeric || t.kind == pgText || t.kind == pgUUID || t.kind == pgJSON || t.kind == pgBytea
	cannot := fmt.Sprintf("database/sql cannot convert %s into %s", t.name, d.text)
	switch d.kind {
	case goAny, goBytes:
		return fits, ""
	case goString:
		if d.named && !text {
			// convertAssign sets a named string type from text only.
			return fails, fmt.Sprintf("database/sql converts only text into %s, not %s", d.text, t.name)
		}
		return fits, ""
	case goInt, goUint:
		switch {
		case t.kind == pgBool || t.kind == pgTime:
			return fails, cannot
		case t.kind == pgInt && d.kind == goInt && t.bits <= d.bits:
			return fits, ""
		case t.kind == pgInt:
			return mayFail, fmt.Sprintf("database/sql fails on %s values out of %s's range", t.name, d.text)
		default:
			return mayFail, fmt.Sprintf("database/sql parses %s values into %s, which fails on one that is not a whole number", t.name, d.text)
		}
	case goFloat:
		switch {
		case t.kind == pgBool || t.kind == pgTime:
			return fails, cannot
		case t.kind == pgFloat && t.bits > d.bits:
			return mayFail, fmt.Sprintf("database/sql fails on %s values out of %s's range", t.name, d.text)
		case t.kind == pgInt || t.kind == pgFloat || t.kind == pgNumeric:
			return fits, ""
		default:
			return mayFail, fmt.Sprintf("database/sql parses %s values into %s, which fails on one that is not a number", t.name, d.text)
		}
	case goBool:
		switch {
		case t.kind == pgBool:
			return fits, ""
		case t.kind == pgInt:
			return mayFail, fmt.Sprintf("database/sql takes only 0 and 1 from %s into %s", t.name, d.text)
		case text:
			return mayFail, fmt.Sprintf("database/sql parses %s values into %s, which fails on one other than true, false, t, f, 1 or 0", t.name, d.text)
		default:
			return fails, cannot
		}
	case goTime:
		if t.kind == pgTime {
			return fits, ""
		}
		return fails, cannot
	default:
		return unknownFit, ""
	}
}

// judgePgx is pgx v5's type map for a destination that does not
// implement sql.Scanner: each PostgreSQL type's codec scans into the Go
// types it knows (an integer into any integer, float or string; text
// only into a string or bytes), in the binary format that pgx asks for
// by default; a named type is scanned as its underlying type.
func judgePgx(t pgType, d goDest) (fit, string) {
	cannot := fmt.Sprintf("pgx cannot scan %s into %s", t.name, d.text)
	if t.kind == pgJSON && d.kind != goString && d.kind != goAny && d.kind != goBytes {
		return unknownFit, "" // pgx unmarshals JSON into the destination
	}
	switch d.kind {
	case goAny:
		return fits, ""
	case goBytes:
		switch t.kind {
		case pgBytea, pgText, pgJSON:
			return fits, ""
		default:
			return unknownFit, ""
		}
	case goString:
		switch t.kind {
		case pgText, pgUUID, pgJSON, pgInt, pgFloat, pgNumeric:
			return fits, ""
		default:
			return fails, cannot
		}
	case goInt, goUint:
		switch {
		case t.kind == pgInt && d.kind == goInt && t.bits <= d.bits:
			return fits, ""
		case t.kind == pgInt && d.kind == goInt:
			return mayFail, fmt.Sprintf("pgx fails on %s values out of %s's range", t.name, d.text)
		case t.kind == pgInt:
			return mayFail, fmt.Sprintf("pgx fails on %s values out of %s's range (negative ones included)", t.name, d.text)
		case t.kind == pgFloat || t.kind == pgNumeric:
			return mayFail, fmt.Sprintf("pgx fails on %s values that are not whole numbers", t.name)
		default:
			return fails, cannot
		}
	case goFloat:
		switch t.kind {
		case pgInt, pgFloat, pgNumeric:
			return fits, ""
		default:
			return fails, cannot
		}
	case goBool:
		if t.kind == pgBool {
			return fits, ""
		}
		return fails, cannot
	case goTime:
		if t.kind == pgTime {
			return fits, ""
		}
		return fails, cannot
	default:
		return unknownFit, ""
	}
}

// retypedRead judges the type change ev against the destination that the
// read r has for the changed column (destinationType; today is the
// query's stars as the deployed schema resolves them): what it does,
// and, for mayFail and fails, what the driver does, for a message.
func retypedRead(ev history.Event, r *CodeRead, today []resolve.Star) (fit, string) {
	desc := destinationType(ev, r, today)
	if desc == "" {
		return unknownFit, ""
	}
	f, why := judgeRetype(r.Driver, ev.OldType, ev.Type, desc)
	if why != "" {
		why += " (the destination of column " + ev.Column + ")"
	}
	return f, why
}

// destinationType returns the description of the Go type that the read r
// fills from ev's column, "" when it is not known: for a struct read, the
// type of the field whose name is the column's; for a Scan, that of the
// destination at the column's position among the columns that the
// query's only * stands for today (today: the query's stars resolved
// against the deployed schema), when they are known and as many as the
// destinations.
func destinationType(ev history.Event, r *CodeRead, today []resolve.Star) string {
	if r == nil {
		return ""
	}
	if len(r.Names) > 0 {
		for i, n := range r.Names {
			if strings.EqualFold(n, ev.Column) && i < len(r.Types) {
				return r.Types[i]
			}
		}
		return ""
	}
	if len(today) != 1 || !today[0].Complete || len(today[0].Columns) != r.Destinations || len(r.Types) != r.Destinations {
		return ""
	}
	for i, c := range today[0].Columns {
		for _, ref := range c.From {
			if ref.ID == ev.Table && ref.Num == ev.Num && ev.Num != 0 {
				return r.Types[i]
			}
		}
	}
	return ""
}
