package rules

import (
	"strings"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// This file judges a column's type change against the Go destination
// that application code reads the column into (CodeRead.Types): whether
// the driver still fills it. The judgement follows the drivers' source:
// database/sql's convertAssign (which sqlx and GORM use), fed by the
// values that lib/pq and pgx's stdlib give (code_types_sql.go), and pgx
// v5's type map, whose scan plans are stricter (code_types_pgx.go). It
// judges only the PostgreSQL types whose decoding it knows (pgTypeOf)
// and the Go types whose conversions it knows (goDestOf); anything else
// is unknownFit. NULL is left out: a destination that takes it (a
// pointer, a Null type) takes it whatever the column's type.

// fit is what a column's type does to a destination, from best to worst.
type fit int

const (
	// unknownFit: pgsafe cannot tell.
	unknownFit fit = iota
	// fits: the driver fills the destination from every value.
	fits
	// mayFail: from some values only (text that is not a number, an
	// int8 out of int32's range), or with one driver of database/sql
	// and not the other (lib/pq, pgx's stdlib).
	mayFail
	// fails: from no value.
	fails
)

// effect says what f does to a read, for a message.
func (f fit) effect() string {
	switch f {
	case fits:
		return "every value scans"
	case mayFail:
		return "some values scan"
	case fails:
		return "no value scans"
	default:
		return "pgsafe cannot tell"
	}
}

func (f fit) String() string {
	switch f {
	case fits:
		return "fits"
	case mayFail:
		return "may fail"
	case fails:
		return "fails"
	default:
		return "not known"
	}
}

// pgKind groups PostgreSQL types by what drivers decode them into.
type pgKind int

const (
	pgOther     pgKind = iota // not judged: ranges, geometry, composite types...
	pgInt                     // int2, int4, int8: an int64
	pgFloat                   // float4, float8: a float64
	pgNumeric                 // numeric: text
	pgBool                    // bool
	pgTime                    // date, timestamp, timestamptz: a time.Time
	pgBytea                   // bytea: bytes
	pgText                    // text, varchar, char, name: text
	pgUUID                    // uuid: text for database/sql; 16 bytes for pgx
	pgJSON                    // json, jsonb: text for database/sql; unmarshalled by pgx
	pgTimeOfDay               // time: a time.Time for lib/pq, text for pgx's stdlib
	pgTimeTZ                  // timetz: likewise; pgx has no codec for it and reads it as text
	pgInterval                // interval: text for database/sql; pgx's Interval
	pgEnum                    // a user-defined enum: its label, as text
	pgArray                   // an array of elem
)

// pgType is a column type as the catalog names it ("int4", "varchar",
// "mood", "text[]"), with its kind and, for integers and floats, its
// width in bits; elem is an array's element type.
type pgType struct {
	name string
	kind pgKind
	bits int
	elem *pgType
	// wire is the type that clients see: the name, or a domain's base
	// type (lib/pq decodes text and varchar into strings, other text
	// types into bytes).
	wire string
}

// pgTypeOf returns what pgsafe knows of the catalog type name, with the
// enums and domains of cat (nil: none known). A domain is judged as its
// base type: PostgreSQL describes a domain's column to clients by its
// base type (see schema.Domain), so drivers never see the domain.
func pgTypeOf(name string, cat *schema.Catalog) pgType {
	return pgTypeIn(name, cat, 0)
}

func pgTypeIn(name string, cat *schema.Catalog, depth int) pgType {
	t := pgType{name: name, wire: name}
	if elem, ok := strings.CutSuffix(name, "[]"); ok {
		e := pgTypeIn(elem, cat, depth+1)
		if e.kind != pgOther && e.kind != pgArray {
			t.kind, t.elem = pgArray, &e
		}
		return t
	}
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
	case "time":
		t.kind = pgTimeOfDay
	case "timetz":
		t.kind = pgTimeTZ
	case "interval":
		t.kind = pgInterval
	default:
		key := name
		if !strings.Contains(key, ".") {
			key = pgast.DefaultSchema + "." + key
		}
		if cat.Enum(key) != nil {
			t.kind = pgEnum
		} else if d := cat.Domain(key); d != nil && depth < 8 {
			base := pgTypeIn(d.Base, cat, depth+1)
			t.kind, t.bits, t.elem, t.wire = base.kind, base.bits, base.elem, base.wire
		}
	}
	return t
}

// goKind groups Go destination types by how drivers fill them.
type goKind int

const (
	goOther goKind = iota
	goAny          // any: takes whatever the driver gives
	goBytes        // []byte, sql.RawBytes, a named []byte (json.RawMessage)
	goString
	goInt
	goUint
	goFloat
	goBool
	goTime    // time.Time
	goStruct  // a struct that is no sql.Scanner: JSON for pgx
	goMap     // a map: JSON for pgx
	goSlice   // a slice of elem ([]string, []int64): an array for pgx
	goBytes16 // [16]byte: a uuid for pgx
	// The types of other packages that pgsafe knows by name.
	goGoogleUUID  // github.com/google/uuid.UUID, github.com/gofrs/uuid.UUID: a sql.Scanner that parses text
	goPgtypeUUID  // pgx's pgtype.UUID: a uuid for pgx, a sql.Scanner of strings
	goPgtypeArray // pgx's pgtype.Array[elem], pgtype.FlatArray[elem]
	goPqArray     // lib/pq's StringArray, Int64Array...: a sql.Scanner that parses an array's text
	// pgx's pgtype scalars (pgtype.Text, Int8, Numeric, Timestamptz...):
	// each fills from the codecs that plan its scanner interface under
	// pgx, and is a sql.Scanner otherwise (pgtypeScan).
	goPgtypeScalar
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
	// duration is set for time.Duration, an int64 that pgx also fills
	// from an interval.
	duration bool
	// rawJSON is set for json.RawMessage, which pgx fills from any JSON
	// (json.Unmarshal hands it the JSON text as it is).
	rawJSON bool
	// elem is the element type of a slice or of an array type of pgx or
	// lib/pq.
	elem *goDest
	// nullOnMismatch is set for a sql.Scanner that reads a value it does
	// not take as NULL, without an error (lib/pq's NullTime).
	nullOnMismatch bool
	// pgtype is the name of a pgtype scalar ("Int8").
	pgtype string
	// who names the Scan method that decides, for a sql.Scanner of
	// another package judged as the database/sql type it behaves as
	// ("decimal.Decimal's Scan"); "" for database/sql's own conversions.
	who string
}

// Import paths of the packages whose types pgsafe knows by name.
const (
	pgtypePath = "github.com/jackc/pgx/v5/pgtype."
	pqPath     = "github.com/lib/pq."
	nullPath   = "gopkg.in/guregu/null.v4."
)

// pgtypeScalars are pgx's pgtype scalars that pgsafe judges, with the
// width in bits of the integers (the others: 1).
var pgtypeScalars = map[string]int{
	"Text": 1, "Int2": 16, "Int4": 32, "Int8": 64, "Float8": 1, "Bool": 1, "Numeric": 1,
	"Timestamptz": 1, "Timestamp": 1, "Date": 1, "Interval": 1,
}

// scannerLike are the sql.Scanners of other packages whose Scan takes
// what a type of database/sql's takes (read from their source), by the
// name their declaration gives and the description of that type:
//   - gofrs/uuid's UUID and NullUUID parse text as google/uuid's UUID
//     does (sql.go: a string, or 16 bytes copied, other bytes parsed;
//     braces, so a uuid[] of one element, included);
//   - guregu/null.v4's String, Int, Float, Bool and Time embed
//     database/sql's NullString, NullInt64, NullFloat64, NullBool and
//     NullTime, whose Scan they have;
//   - shopspring/decimal's Decimal takes an int64 or a float64 as it is
//     and parses the text of a string or a []byte (NewFromString), and
//     fails on a bool or a time.Time, as convertAssign fills a float64;
//   - lib/pq's NullTime takes a time.Time, as NullTime does, and reads
//     any other value as NULL, without an error (encode.go).
var scannerLike = map[string]string{
	"github.com/gofrs/uuid.UUID":                "github.com/google/uuid.UUID",
	"github.com/gofrs/uuid.NullUUID":            "github.com/google/uuid.UUID",
	"github.com/gofrs/uuid/v5.UUID":             "github.com/google/uuid.UUID",
	"github.com/gofrs/uuid/v5.NullUUID":         "github.com/google/uuid.UUID",
	nullPath + "String":                         "database/sql.NullString",
	nullPath + "Int":                            "database/sql.NullInt64",
	nullPath + "Float":                          "database/sql.NullFloat64",
	nullPath + "Bool":                           "database/sql.NullBool",
	nullPath + "Time":                           "database/sql.NullTime",
	"github.com/shopspring/decimal.Decimal":     "database/sql.NullFloat64",
	"github.com/shopspring/decimal.NullDecimal": "database/sql.NullFloat64",
	pqPath + "NullTime":                         "database/sql.NullTime",
}

// pqArrays are lib/pq's array types and the element types they parse
// (array.go: each type's Scan parses the array's text form, element by
// element, as that Go type).
var pqArrays = map[string]string{
	"StringArray": "string", "Int64Array": "int64", "Int32Array": "int32",
	"Float64Array": "float64", "Float32Array": "float32", "BoolArray": "bool", "ByteaArray": "[]byte",
}

// goDestOf reads a destination's Go type from its description (see
// gocode.Read.Types); its kind is goOther when pgsafe does not judge it.
func goDestOf(desc string) goDest {
	text := strings.TrimLeft(desc, "*") // a pointer takes NULL; the rest is the same
	d := goDest{text: shortType(goText(text))}
	if known, ok := knownDest(text); ok {
		return known
	}
	// A slice or a map before a named type: "[]example.com/store.Status
	// (string)" is a slice of a named string type.
	if elem, ok := strings.CutPrefix(text, "[]"); ok && elem != "byte" {
		e := goDestOf(elem)
		if e.kind != goOther {
			d.kind, d.elem = goSlice, &e
		}
		return d
	}
	if strings.HasPrefix(text, "map[") {
		d.kind = goMap
		return d
	}
	if text == "struct" {
		d.kind = goStruct
		return d
	}
	if name, under, ok := strings.Cut(text, " ("); ok {
		d.text = shortType(name)
		under = strings.TrimSuffix(under, ")")
		if under == "Scanner" {
			return d // its own Scan method decides
		}
		b := goDestOf(under)
		d.kind, d.bits, d.elem, d.named = b.kind, b.bits, b.elem, true
		d.rawJSON = name == "encoding/json.RawMessage"
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
	case "[16]byte":
		d.kind = goBytes16
	case "string":
		d.kind = goString
	case "bool":
		d.kind = goBool
	case "time.Time":
		d.kind = goTime
	case "time.Duration":
		d.kind, d.bits, d.duration = goInt, 64, true
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

// knownDest reads the types of other packages that pgsafe knows by
// name: google/uuid's UUID, pgx's pgtype.UUID and arrays, lib/pq's
// arrays. Their description is the name alone when the package was not
// imported (the usual case, see gocode.Read.Types), or the name and
// "(Scanner)" or the underlying type when it was.
func knownDest(text string) (goDest, bool) {
	name, _, _ := strings.Cut(text, " (")
	d := goDest{text: shortType(name)}
	if like, ok := scannerLike[name]; ok {
		d = goDestOf(like)
		d.text, d.scanner = shortType(name), true
		d.who = d.text + "'s Scan"
		d.nullOnMismatch = name == pqPath+"NullTime"
		return d, true
	}
	switch {
	case name == "github.com/google/uuid.UUID":
		d.kind = goGoogleUUID
	case name == pgtypePath+"UUID":
		d.kind = goPgtypeUUID
	case strings.HasPrefix(name, pgtypePath) && pgtypeScalars[strings.TrimPrefix(name, pgtypePath)] > 0:
		d.kind, d.pgtype = goPgtypeScalar, strings.TrimPrefix(name, pgtypePath)
		d.bits = pgtypeScalars[d.pgtype]
	case strings.HasPrefix(name, pgtypePath+"Array[") || strings.HasPrefix(name, pgtypePath+"FlatArray["):
		_, elem, _ := strings.Cut(name, "[")
		e := goDestOf(strings.TrimSuffix(elem, "]"))
		if e.kind == goOther {
			return goDest{}, false
		}
		d.kind, d.elem = goPgtypeArray, &e
	case strings.HasPrefix(name, pqPath) && pqArrays[strings.TrimPrefix(name, pqPath)] != "":
		e := goDestOf(pqArrays[strings.TrimPrefix(name, pqPath)])
		d.kind, d.elem = goPqArray, &e
	default:
		return goDest{}, false
	}
	return d, true
}

// goText returns a destination's description as Go code writes the
// type: without what typeText adds in parentheses after a named type
// ("[]example.com/store.Status (string)" is "[]example.com/store.Status").
func goText(desc string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(desc); i++ {
		switch {
		case depth == 0 && strings.HasPrefix(desc[i:], " ("):
			depth, i = 1, i+1
		case depth > 0 && desc[i] == '(':
			depth++
		case depth > 0 && desc[i] == ')':
			depth--
		case depth == 0:
			b.WriteByte(desc[i])
		}
	}
	return b.String()
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
		word = word[strings.LastIndexByte(word, '/')+1:]
		if pkg, name, ok := strings.Cut(word, "."); ok && strings.HasPrefix(name, "v") {
			// gopkg.in/guregu/null.v4.String: the package is null.
			if version, rest, ok := strings.Cut(name, "."); ok && strings.Trim(version[1:], "0123456789") == "" && len(version) > 1 {
				word = pkg + "." + rest
			}
		}
		b.WriteString(word)
		if end < len(text) {
			b.WriteByte(text[end])
			end++
		}
		text = text[end:]
	}
	return b.String()
}

// judgeRetype says what changing a column from type oldType to newType
// (catalog names; cat has the enums and domains that they may name)
// does to its destination desc (a description from gocode.Read.Types)
// under driver ("pgx" or "database/sql"): worse is the new type's fit
// when it is worse than the old one's, fits when it is not, unknownFit
// when pgsafe cannot tell; why says, for mayFail and fails, what the
// driver does ("pgx cannot scan text into int64").
func judgeRetype(driver, oldType, newType, desc string, cat *schema.Catalog) (worse fit, why string) {
	d := goDestOf(desc)
	now, why := judge(driver, pgTypeOf(newType, cat), d)
	switch now {
	case unknownFit, fits:
		return now, ""
	default:
	}
	if before, _ := judge(driver, pgTypeOf(oldType, cat), d); before >= now {
		return fits, "" // no worse than the code meets today
	}
	return now, why
}

// judge says how the driver fills destination d from a column of type t.
func judge(driver string, t pgType, d goDest) (fit, string) {
	if d.kind == goOther || t.kind == pgOther {
		return unknownFit, ""
	}
	switch driver {
	case "pgx":
		f, why := judgePgx(t, d)
		if inText, _ := judgePgxTextFormat(t, d); inText != f && why != "" {
			// The code may set the mode where pgsafe does not see it
			// (a connection string from the environment).
			why += "; this assumes pgx's default, binary results: in the text format of QueryExecModeSimpleProtocol or QueryExecModeExec, " + inText.effect()
		}
		return f, why
	case pgxText:
		return judgePgxTextFormat(t, d)
	}
	return judgeSQL(t, d)
}

// retypedRead judges the type change ev against the destination that the
// read r has for the changed column (destinationType; today is the
// query's stars as the deployed schema resolves them; cat has the enums
// and domains that the types may name): what it does,
// and, for mayFail and fails, what the driver does, for a message.
func retypedRead(ev history.Event, r *CodeRead, today []resolve.Star, cat *schema.Catalog) (fit, string) {
	desc := destinationType(ev, r, today)
	if desc == "" {
		return unknownFit, ""
	}
	f, why := judgeRetype(r.Driver, ev.OldType, ev.Type, desc, cat)
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
