package rules

import "fmt"

// pgxText is the driver of a read by pgx in a mode that has the results
// in the text format: the simple protocol (QueryExecModeSimpleProtocol)
// or QueryExecModeExec (gocode.Read.Driver).
const pgxText = "pgx (text format)"

// This file judges pgx v5's side of a column's Go destination (see
// code_types.go): pgtype.Map.planScan picks, for the column's type and
// the destination, a scan plan: the type's codec's own (PlanScan of
// each codec in pgtype), else the destination's sql.Scanner, else the
// destination unwrapped (TryWrapScanPlanFuncs: a named type as its
// underlying type, a slice as an array, *string as a TextScanner...).
// pgx reads the types it has a codec for in the binary format and the
// others (enums, timetz) in the text format.

// judgePgx is pgx v5's type map; a sql.Scanner gets what pgx hands
// scanners (see pgxScannerValue) and is judged as database/sql judges it.
func judgePgx(t pgType, d goDest) (fit, string) {
	switch {
	case d.kind == goPgtypeScalar:
		return judgePgxPgtype(t, d, false)
	case d.scanner || d.kind == goGoogleUUID || d.kind == goPgtypeUUID || d.kind == goPqArray:
		// planScan tries the codec's plan first: pgtype.UUID is a
		// UUIDScanner, which UUIDCodec fills as its Scan would.
		return convertAssign(pgxScannerValue(t), t, d)
	case t.kind == pgJSON:
		return judgePgxJSON(t, d)
	case t.kind == pgEnum:
		return judgePgxText(t, d)
	}
	cannot := fmt.Sprintf("pgx cannot scan %s into %s", t.name, d.text)
	switch d.kind {
	case goAny:
		return fits, ""
	case goBytes:
		// TextCodec and ByteaCodec fill *[]byte; the other codecs fill
		// its wrapper (TryWrapBuiltinTypeScanPlan: byteSliceWrapper),
		// a TextScanner, with their text where they write one (numbers,
		// time), and UUIDCodec with the 16 bytes (ScanUUID); timetz,
		// read as text, fills it directly (scanPlanAnyTextToBytes). An
		// array fills it as a slice of uint8 elements
		// (TryWrapPtrSliceScanPlan).
		switch t.kind {
		case pgTimeTZ:
			if d.rawJSON {
				// Read as text, and json.RawMessage has the JSON codec
				// (Map.TypeForValue): no time is JSON.
				return fails, cannot
			}
			return fits, ""
		case pgBytea, pgText, pgUUID, pgInt, pgFloat, pgNumeric, pgTimeOfDay:
			return fits, ""
		case pgArray:
			f, why := judgePgx(*t.elem, goDest{text: "uint8", kind: goUint, bits: 8})
			if why != "" {
				why = fmt.Sprintf("pgx scans each element of %s into a byte of %s: %s", t.name, d.text, why)
			}
			return f, why
		default:
			return fails, cannot
		}
	case goString:
		// *string is a TextScanner (stringWrapper), which the codecs of
		// text, numbers, uuid and time fill; timetz, which pgx reads as
		// text, fills it directly (scanPlanString). IntervalCodec and
		// ArrayCodec fill no TextScanner.
		switch t.kind {
		case pgText, pgUUID, pgInt, pgFloat, pgNumeric, pgTimeOfDay, pgTimeTZ:
			return fits, ""
		default:
			return fails, cannot
		}
	case goInt, goUint:
		switch {
		case d.duration && t.kind == pgInterval:
			return fits, "" // durationWrapper is an IntervalScanner
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
		switch t.kind {
		case pgTime:
			return fits, ""
		case pgTimeOfDay:
			// timeWrapper.ScanTime: all but 24:00:00, which time.Time
			// cannot hold as a time of day.
			return mayFail, fmt.Sprintf("pgx fails on the %s value 24:00:00, which %s cannot hold", t.name, d.text)
		default:
			// timetz has no codec: pgx parses its text as a timestamptz.
			return fails, cannot
		}
	case goSlice, goPgtypeArray:
		// ArrayCodec scans each element into the slice's element type
		// (TryWrapPtrSliceScanPlan, or pgtype.Array's ArraySetter); it
		// plans nothing when the elements' plan fails.
		if t.kind != pgArray {
			return fails, cannot
		}
		f, why := judgePgx(*t.elem, *d.elem)
		if why != "" {
			why = fmt.Sprintf("pgx scans each element of %s into %s: %s", t.name, d.text, why)
		}
		return f, why
	case goBytes16:
		if t.kind == pgUUID {
			return fits, "" // byte16Wrapper is a UUIDScanner
		}
		return fails, cannot
	case goStruct, goMap:
		return fails, cannot
	default:
		return unknownFit, ""
	}
}

// judgePgxJSON is JSONCodec.planScan: *string and *[]byte take the JSON
// text as it is; any other destination gets json.Unmarshal, which fills
// json.RawMessage and any from every value, and the rest from JSON of
// their shape only (an object for a struct or a map, a string for a
// string type of the application's own, an array for a slice).
func judgePgxJSON(t pgType, d goDest) (fit, string) {
	switch {
	case d.kind == goAny || d.rawJSON:
		return fits, ""
	case (d.kind == goString || d.kind == goBytes) && !d.named:
		return fits, ""
	default:
		return mayFail, fmt.Sprintf("pgx unmarshals %s into %s with encoding/json, which fails on JSON of another shape", t.name, d.text)
	}
}

// judgePgxText is an enum, which pgx has no codec for and reads in the
// text format (Map.FormatCodeForOID): planScan fills *string and *[]byte
// from the label, a named string type as its underlying string; for any
// other destination it takes the codec of the destination's Go type
// (Map.TypeForValue), whose text plan parses the label: a number, a
// bool, a timestamp, an interval, an array or JSON from labels that
// spell one.
func judgePgxText(t pgType, d goDest) (fit, string) {
	if d.rawJSON {
		// The type map has json.RawMessage for JSON (Map.TypeForValue).
		return mayFail, fmt.Sprintf("pgx reads %s as text and parses its label into %s as JSON, which fails on a label that is not JSON", t.name, d.text)
	}
	switch d.kind {
	case goAny, goString, goBytes:
		return fits, ""
	case goInt, goUint, goFloat, goBool, goTime, goSlice, goPgtypeArray:
		return mayFail, fmt.Sprintf("pgx reads %s as text and parses its label into %s, which fails on a label that does not spell one", t.name, d.text)
	default:
		return fails, fmt.Sprintf("pgx cannot scan %s into %s", t.name, d.text)
	}
}

// judgePgxTextFormat is pgx v5's type map reading the text format, as
// the simple protocol (QueryExecModeSimpleProtocol) and
// QueryExecModeExec have every result. Map.planScan then plans *string
// (scanPlanString), *[]byte (scanPlanAnyTextToBytes; bytea's codec
// decodes its hex) and any TextScanner from the text of every type,
// before any codec; a named string or []byte reaches those plans as its
// underlying type (TryFindUnderlyingTypeScanPlan) unless JSON's codec
// unmarshals into it first. A sql.Scanner gets the codec's
// DecodeDatabaseSQLValue of the text: the stdlib's values, an array's
// text included (pgxTextScannerValue). For the other destinations each
// codec's text plan parses what its binary plan decodes, so they are
// judged as judgePgx judges them.
func judgePgxTextFormat(t pgType, d goDest) (fit, string) {
	var f fit
	var why string
	switch {
	case d.kind == goPgtypeScalar:
		f, why = judgePgxPgtype(t, d, true)
	case d.scanner || d.kind == goGoogleUUID || d.kind == goPgtypeUUID || d.kind == goPqArray:
		f, why = convertAssign(pgxTextScannerValue(t), t, d)
	case d.kind == goAny:
		return fits, ""
	case d.kind == goString || d.kind == goBytes:
		switch {
		case t.kind == pgJSON:
			f, why = judgePgxJSON(t, d)
		case d.rawJSON && t.kind == pgTimeTZ:
			// No codec for timetz: json.RawMessage's own (Map.TypeForValue), which reads no time as JSON.
			f, why = fails, fmt.Sprintf("pgx cannot scan %s into %s", t.name, d.text)
		case d.rawJSON && t.kind == pgEnum:
			f, why = judgePgxText(t, d)
		default:
			return fits, ""
		}
	default:
		f, why = judgePgx(t, d)
	}
	if why != "" {
		why += " (pgx reads the rows in the text format: QueryExecModeSimpleProtocol or QueryExecModeExec)"
	}
	return f, why
}

// pgxTextScannerValue is the value that pgx hands a sql.Scanner from the
// text format: what the stdlib gives (stdlibValue), arrays as their text.
func pgxTextScannerValue(t pgType) sqlValue {
	if t.kind == pgArray {
		return valString
	}
	return stdlibValue(t)
}

// judgePgxPgtype is pgx's planScan for a pgtype scalar (pgtype.Text,
// Int8, Numeric, Timestamptz...): the plan of the column's codec for the
// scalar's scanner interface (TextScanner, Int64Scanner,
// Float64Scanner, NumericScanner, BoolScanner, TimestamptzScanner,
// TimestampScanner, DateScanner, IntervalScanner) where the codec has
// one (pgtypeCodecPlan); else the scalar's Scan, a sql.Scanner, with the
// value that pgx hands scanners (pgtypeScan). In the text format,
// pgtype.Text, a TextScanner, takes the text of every type.
func judgePgxPgtype(t pgType, d goDest, textFormat bool) (fit, string) {
	if f, why, ok := pgtypeCodecPlan(t, d, textFormat); ok {
		return f, why
	}
	v := pgxScannerValue(t)
	if textFormat {
		v = pgxTextScannerValue(t)
	}
	return pgtypeScan(v, t, d)
}

// pgtypeCodecPlan is the plan that the codec of a column of type t has
// for the pgtype scalar d, and false when it has none: the codecs of
// text, numbers, uuid and times of day write text (TextScanner); the
// integer, float and numeric codecs write numbers (Int64Scanner fails on
// those that are not whole or out of range); each other scalar has its
// own type's codec. An enum is read as text and parsed by the scalar's
// codec (Map.TypeForValue). JSON's codec hands the scalars its text.
func pgtypeCodecPlan(t pgType, d goDest, textFormat bool) (fit, string, bool) {
	if t.kind == pgJSON {
		return unknownFit, "", false
	}
	if d.pgtype == "Text" && (textFormat || t.kind == pgEnum) {
		return fits, "", true
	}
	if t.kind == pgEnum {
		return mayFail, fmt.Sprintf("pgx reads %s as text and parses its label into %s, which fails on a label that does not spell one", t.name, d.text), true
	}
	switch d.pgtype {
	case "Text":
		switch t.kind {
		case pgText, pgInt, pgFloat, pgNumeric, pgUUID, pgTimeOfDay, pgTimeTZ:
			return fits, "", true
		}
	case "Int2", "Int4", "Int8":
		switch {
		case t.kind == pgInt && t.bits <= d.bits:
			return fits, "", true
		case t.kind == pgInt:
			return mayFail, fmt.Sprintf("pgx fails on %s values out of %s's range", t.name, d.text), true
		case t.kind == pgFloat || t.kind == pgNumeric:
			return mayFail, fmt.Sprintf("pgx fails on %s values that are not whole numbers", t.name), true
		}
	case "Float8":
		if t.kind == pgInt || t.kind == pgFloat || t.kind == pgNumeric {
			return fits, "", true
		}
	case "Numeric":
		switch t.kind {
		case pgInt, pgNumeric:
			return fits, "", true
		case pgFloat:
			return mayFail, fmt.Sprintf("pgx fails on %s values that are not whole numbers", t.name), true
		}
	case "Bool":
		if t.kind == pgBool {
			return fits, "", true
		}
	case "Timestamptz", "Timestamp", "Date":
		if t.kind == pgTime {
			return fits, "", true
		}
	case "Interval":
		if t.kind == pgInterval {
			return fits, "", true
		}
	}
	return unknownFit, "", false
}
