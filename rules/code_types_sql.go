package rules

import (
	"fmt"
	"strings"
)

// This file judges database/sql's side of a column's Go destination
// (see code_types.go): the driver turns each column into a driver.Value,
// and convertAssignRows (database/sql's convert.go) turns that value
// into the destination, or a sql.Scanner's Scan does. The two drivers
// that Go code uses with PostgreSQL give different values for some
// types (a time of day is a time.Time with lib/pq and a string with
// pgx's stdlib): where the destination takes one and not the other,
// the read may fail, depending on the driver.

// sqlValue is the kind of driver.Value that a driver gives for a column.
type sqlValue int

const (
	valInt    sqlValue = iota // int64
	valFloat                  // float64
	valBool                   // bool
	valTime                   // time.Time
	valRaw                    // []byte that is not text: bytea's bytes, pgx's binary arrays
	valString                 // text as a string
	valText                   // text as a []byte
)

func (v sqlValue) String() string {
	switch v {
	case valInt:
		return "an int64"
	case valFloat:
		return "a float64"
	case valBool:
		return "a bool"
	case valTime:
		return "a time.Time"
	case valString:
		return "a string"
	default:
		return "a []byte"
	}
}

// pqValue is the value lib/pq gives for a column of type t: its
// textDecode (encode.go) decodes text, varchar and "char" into a
// string, bytea into its bytes, date, timestamp, timestamptz, time and
// timetz into a time.Time, bool, the integers into an int64, the floats
// into a float64, and leaves every other type's text as a []byte.
func pqValue(t pgType) sqlValue {
	switch t.kind {
	case pgInt:
		return valInt
	case pgFloat:
		return valFloat
	case pgBool:
		return valBool
	case pgTime, pgTimeOfDay, pgTimeTZ:
		return valTime
	case pgBytea:
		return valRaw
	case pgText:
		if t.wire == "text" || t.wire == "varchar" || t.wire == "char" {
			return valString
		}
		return valText
	default:
		return valText
	}
}

// stdlibValue is the value pgx's stdlib gives for a column of type t:
// its Rows.initValueFuncs (stdlib/sql.go) gives bool, bytea's bytes, an
// int64 for the integers, a float64 for the floats, a time.Time for
// date, timestamp and timestamptz, a []byte for json and jsonb, and a
// string for every other type (time, timetz, interval, uuid, numeric,
// enums, arrays: all read in the text format, databaseSQLResultFormats).
func stdlibValue(t pgType) sqlValue {
	switch t.kind {
	case pgInt:
		return valInt
	case pgFloat:
		return valFloat
	case pgBool:
		return valBool
	case pgTime:
		return valTime
	case pgBytea:
		return valRaw
	case pgJSON:
		return valText
	default:
		return valString
	}
}

// pgxScannerValue is the value pgx's own interface hands a sql.Scanner
// (scanPlanCodecSQLScanner: the codec's DecodeDatabaseSQLValue): the
// stdlib's values, but for arrays, which pgx reads in the binary format
// and hands over as those bytes (ArrayCodec.DecodeDatabaseSQLValue).
func pgxScannerValue(t pgType) sqlValue {
	if t.kind == pgArray {
		return valRaw
	}
	return stdlibValue(t)
}

// judgeSQL is database/sql with either driver: the same fit when both
// drivers' values give it; else mayFail, naming what each does.
func judgeSQL(t pgType, d goDest) (fit, string) {
	pq, std := pqValue(t), stdlibValue(t)
	a, whyA := convertAssign(pq, t, d)
	b, whyB := convertAssign(std, t, d)
	switch {
	case a == b:
		return a, whyA
	case a == unknownFit || b == unknownFit:
		return unknownFit, ""
	case a == fits:
		return mayFail, fmt.Sprintf("%s with pgx's stdlib, which gives %s (lib/pq gives %s, which it takes)", whyB, std, pq)
	case b == fits:
		return mayFail, fmt.Sprintf("%s with lib/pq, which gives %s (pgx's stdlib gives %s, which it takes)", whyA, pq, std)
	default:
		return mayFail, fmt.Sprintf("%s with lib/pq; %s with pgx's stdlib", whyA, whyB)
	}
}

// convertAssign says whether database/sql's convertAssignRows fills d
// from the value v that a driver gives for a column of type t: strings,
// bytes and any take every value; a named string type takes only a
// string or a []byte (its reflect.String case) and a named []byte only a
// []byte (assigned as it is); numbers and bools parse the value's text (asString, then
// strconv, and driver.Bool for a bool); time.Time takes only a
// time.Time; a slice, an array, a map or a struct that is no
// sql.Scanner takes nothing. The sql.Scanners that pgsafe knows parse
// text: google/uuid's UUID (sql.go: a string or []byte, parsed, 16
// bytes copied), pgx's pgtype.UUID (uuid.go: a string only), lib/pq's
// arrays (array.go: a string or []byte in an array's text form).
func convertAssign(v sqlValue, t pgType, d goDest) (fit, string) {
	f, why := convertAssignBy(v, t, d)
	if d.who != "" {
		// Another package's Scan that takes what database/sql's
		// conversion takes (scannerLike) is what decides.
		why = strings.Replace(why, "database/sql", d.who, 1)
	}
	return f, why
}

func convertAssignBy(v sqlValue, t pgType, d goDest) (fit, string) {
	cannot := fmt.Sprintf("database/sql cannot convert %s into %s", t.name, d.text)
	// Bytes that may be text: bytea's may spell anything; an array's
	// binary form (from pgx, see pgxScannerValue) never parses as text.
	text := v == valString || v == valText || v == valRaw && t.kind != pgArray
	switch d.kind {
	case goAny:
		return fits, ""
	case goBytes:
		if d.named && v != valText && v != valRaw {
			return fails, fmt.Sprintf("database/sql sets %s only from a []byte, not from %s's %s", d.text, t.name, v)
		}
		return fits, ""
	case goString:
		if d.named && v != valString && v != valText && v != valRaw {
			return fails, fmt.Sprintf("database/sql converts only text into %s, not %s", d.text, t.name)
		}
		return fits, ""
	case goInt, goUint:
		switch {
		case v == valBool || v == valTime:
			return fails, cannot
		case t.kind == pgInt && d.kind == goInt && t.bits <= d.bits:
			return fits, ""
		case t.kind == pgInt:
			return mayFail, fmt.Sprintf("database/sql fails on %s values out of %s's range", t.name, d.text)
		case mayBeNumber(t):
			return mayFail, fmt.Sprintf("database/sql parses %s values into %s, which fails on one that is not a whole number", t.name, d.text)
		default:
			return fails, fmt.Sprintf("database/sql parses %s values into %s, which fails on every one: none is a number", t.name, d.text)
		}
	case goFloat:
		switch {
		case v == valBool || v == valTime:
			return fails, cannot
		case t.kind == pgFloat && t.bits > d.bits:
			return mayFail, fmt.Sprintf("database/sql fails on %s values out of %s's range", t.name, d.text)
		case t.kind == pgInt || t.kind == pgFloat || t.kind == pgNumeric:
			return fits, ""
		case mayBeNumber(t):
			return mayFail, fmt.Sprintf("database/sql parses %s values into %s, which fails on one that is not a number", t.name, d.text)
		default:
			return fails, fmt.Sprintf("database/sql parses %s values into %s, which fails on every one: none is a number", t.name, d.text)
		}
	case goBool:
		switch {
		case v == valBool || t.kind == pgBool:
			return fits, ""
		case v == valInt:
			return mayFail, fmt.Sprintf("database/sql takes only 0 and 1 from %s into %s", t.name, d.text)
		case text && mayBeNumber(t):
			return mayFail, fmt.Sprintf("database/sql parses %s values into %s, which fails on one other than true, false, t, f, 1 or 0", t.name, d.text)
		default:
			return fails, cannot
		}
	case goTime:
		if v == valTime {
			return fits, ""
		}
		if d.nullOnMismatch {
			return fails, fmt.Sprintf("%s takes only a time.Time and reads %s's %s as NULL, without an error", d.who, t.name, v)
		}
		return fails, cannot
	case goStruct, goMap, goSlice, goBytes16, goPgtypeArray:
		return fails, fmt.Sprintf("database/sql has no conversion into %s, which is no sql.Scanner", d.text)
	case goGoogleUUID:
		return parsedUUID(t, d, text, d.text+"'s Scan")
	case goPgtypeUUID:
		if v != valString {
			return fails, fmt.Sprintf("pgtype.UUID's Scan takes only a string, not %s's %s", t.name, v)
		}
		return parsedUUID(t, d, true, "pgtype.UUID's Scan")
	case goPgtypeScalar:
		return pgtypeScan(v, t, d)
	case goPqArray:
		switch {
		case v == valRaw && t.kind == pgArray:
			return fails, fmt.Sprintf("%s's Scan parses only an array's text, and gets %s's binary form", d.text, t.name)
		case !text:
			return fails, fmt.Sprintf("%s's Scan takes only an array's text, not %s's %s", d.text, t.name, v)
		case t.kind == pgArray:
			// Each element's text, parsed as the type's element type
			// (strconv, as convertAssign parses it).
			f, why := convertAssign(valText, *t.elem, *d.elem)
			if why != "" {
				why = fmt.Sprintf("%s's Scan parses each element of %s: %s", d.text, t.name, why)
			}
			return f, why
		case mayBeAnyText(t):
			return mayFail, fmt.Sprintf("%s's Scan parses %s values as an array, which fails on one that is not", d.text, t.name)
		default:
			return fails, fmt.Sprintf("%s's Scan cannot parse %s values as an array", d.text, t.name)
		}
	default:
		return unknownFit, ""
	}
}

// parsedUUID judges a Scan method (who) that parses text values of t
// into a UUID; text is whether the value is text or bytes at all.
func parsedUUID(t pgType, d goDest, text bool, who string) (fit, string) {
	switch {
	case !text:
		return fails, fmt.Sprintf("%s takes only text, not %s's values", who, t.name)
	case t.kind == pgUUID:
		return fits, ""
	case mayBeAnyText(t) || t.kind == pgNumeric:
		return mayFail, fmt.Sprintf("%s parses %s values into %s, which fails on one that is not a UUID", who, t.name, d.text)
	case d.kind == goGoogleUUID && t.kind == pgArray && t.elem.kind == pgUUID:
		// uuid.Parse takes a UUID in braces: a uuid[] of one element.
		return mayFail, fmt.Sprintf("%s parses %s values into %s, which fails on one that is not one UUID", who, t.name, d.text)
	default:
		return fails, fmt.Sprintf("%s cannot parse %s values into %s", who, t.name, d.text)
	}
}

// mayBeNumber reports whether the text of some values of t is a number
// (or a bool's 0 or 1): never for a UUID, a time of day, an interval or
// an array.
func mayBeNumber(t pgType) bool {
	return t.kind == pgInt || t.kind == pgFloat || t.kind == pgNumeric || mayBeAnyText(t)
}

// mayBeAnyText reports whether a value of t may be any text: text,
// bytea, a JSON string or an enum's label.
func mayBeAnyText(t pgType) bool {
	return t.kind == pgText || t.kind == pgBytea || t.kind == pgJSON || t.kind == pgEnum
}

// pgtypeScan is the Scan method of pgx's pgtype scalar d (Text, Int2,
// Int4, Int8, Float8, Bool, Numeric, Timestamptz, Timestamp, Date,
// Interval; pgtype's source) given the value v of a column of type t:
// Text takes a string or a []byte as it is; Int2, Int4 and Int8 an
// int64, and parse a string or a []byte (strconv.ParseInt); Float8 a
// float64, and parses a string; Bool a bool, and parses a string or a
// []byte (strconv.ParseBool); Timestamptz, Timestamp and Date a
// time.Time, and parse a string as PostgreSQL writes the type; Numeric
// and Interval parse a string only. Anything else fails.
func pgtypeScan(v sqlValue, t pgType, d goDest) (fit, string) {
	who := d.text + "'s Scan"
	str := v == valString
	bytes := v == valText || v == valRaw
	refuse := func() (fit, string) {
		return fails, fmt.Sprintf("%s does not take %s's %s", who, t.name, v)
	}
	// parsed judges a Scan that parses the value's text as a kind of
	// value: fits when every value of t spells one, may fail when some
	// may.
	parsed := func(spells func(pgType) fit, what string) (fit, string) {
		if v == valRaw && t.kind == pgArray {
			return fails, fmt.Sprintf("%s parses text, and gets %s's binary form", who, t.name)
		}
		switch spells(t) {
		case fits:
			return fits, ""
		case mayFail:
			return mayFail, fmt.Sprintf("%s parses %s values as %s, which fails on one that is not", who, t.name, what)
		default:
			return fails, fmt.Sprintf("%s parses %s values as %s, and none is", who, t.name, what)
		}
	}
	text := func(t pgType) fit {
		if mayBeAnyText(t) {
			return mayFail
		}
		return fails
	}
	switch d.pgtype {
	case "Text":
		if str || bytes {
			return fits, ""
		}
		return refuse()
	case "Int2", "Int4", "Int8":
		switch {
		case v == valInt && t.bits <= d.bits:
			return fits, ""
		case v == valInt:
			return mayFail, fmt.Sprintf("%s fails on %s values out of %s's range", who, t.name, d.text)
		case str || bytes:
			return parsed(func(t pgType) fit {
				if t.kind == pgInt && t.bits <= d.bits {
					return fits
				}
				if mayBeNumber(t) {
					return mayFail
				}
				return fails
			}, "a whole number")
		}
		return refuse()
	case "Float8":
		switch {
		case v == valFloat:
			return fits, ""
		case str:
			return parsed(func(t pgType) fit {
				if t.kind == pgInt || t.kind == pgFloat || t.kind == pgNumeric {
					return fits
				}
				return text(t)
			}, "a number")
		}
		return refuse()
	case "Numeric":
		if !str {
			return refuse()
		}
		return parsed(func(t pgType) fit {
			if t.kind == pgInt || t.kind == pgFloat || t.kind == pgNumeric {
				return fits
			}
			return text(t)
		}, "a number")
	case "Bool":
		switch {
		case v == valBool:
			return fits, ""
		case str || bytes:
			return parsed(func(t pgType) fit {
				if mayBeNumber(t) {
					return mayFail
				}
				return fails
			}, "a bool")
		}
		return refuse()
	case "Timestamptz", "Timestamp", "Date":
		switch {
		case v == valTime:
			return fits, ""
		case str:
			return parsed(text, "a "+strings.ToLower(d.pgtype))
		}
		return refuse()
	case "Interval":
		if !str {
			return refuse()
		}
		return parsed(func(t pgType) fit {
			if t.kind == pgInterval || t.kind == pgTimeOfDay {
				return fits // a time of day is an interval's text too
			}
			return text(t)
		}, "an interval")
	default:
		return unknownFit, ""
	}
}
