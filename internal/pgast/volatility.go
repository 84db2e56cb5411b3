package pgast

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// FirstVolatileCall returns the first function call in expr, depth first,
// that may be VOLATILE: one that NonVolatileFunction does not list. known
// reports whether the function is documented as VOLATILE
// (KnownVolatileFunction); when it is false the function is one pgsafe
// does not know, which PostgreSQL makes VOLATILE unless its CREATE FUNCTION
// says otherwise. It returns nil when every call in expr is known to be
// IMMUTABLE or STABLE. SQL value functions such as CURRENT_TIMESTAMP are
// STABLE and never returned.
func FirstVolatileCall(expr *pg.Node) (fc *pg.FuncCall, known bool) {
	Walk(expr, func(n *pg.Node) bool {
		if fc != nil {
			return false
		}
		if c := n.GetFuncCall(); c != nil && !NonVolatileFunction(FuncName(c)) {
			fc = c
			return false
		}
		return true
	})
	if fc == nil {
		return nil, false
	}
	return fc, KnownVolatileFunction(FuncName(fc))
}

// KnownVolatileFunction reports whether name (as from FuncName, schema
// qualified or not) is a built-in or common extension function that
// PostgreSQL marks VOLATILE and that migrations use in defaults.
func KnownVolatileFunction(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "random", "random_normal", "setseed", "clock_timestamp", "timeofday",
		"gen_random_uuid", "uuidv4", "uuidv7",
		"uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
		"gen_random_bytes", "gen_salt",
		"nextval", "setval", "currval", "lastval", "pg_sleep":
		return true
	default:
		return false
	}
}

// NonVolatileFunction reports whether name (as from FuncName) is a
// built-in function that PostgreSQL marks IMMUTABLE or STABLE. Only
// unqualified and pg_catalog names qualify: a function in another schema
// is a user or extension function whose volatility pgsafe cannot see.
func NonVolatileFunction(name string) bool {
	switch name {
	// Date and time: STABLE within a transaction, or IMMUTABLE.
	case "now", "transaction_timestamp", "statement_timestamp",
		"date_trunc", "date_part", "extract", "date_bin", "timezone", "age",
		"make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval",
		"justify_days", "justify_hours", "justify_interval",
		"to_timestamp", "to_date", "to_char", "to_number",
		"isfinite":
		return true
	// Strings.
	case "lower", "upper", "initcap", "btrim", "ltrim", "rtrim", "trim",
		"length", "char_length", "character_length", "octet_length", "bit_length",
		"concat", "concat_ws", "format", "replace", "translate", "repeat", "reverse",
		"substr", "substring", "left", "right", "lpad", "rpad", "split_part", "strpos",
		"position", "overlay", "quote_ident", "quote_literal", "quote_nullable",
		"regexp_replace", "md5", "sha224", "sha256", "sha384", "sha512",
		"encode", "decode", "convert_to", "convert_from", "chr", "ascii", "starts_with",
		"to_hex", "normalize", "unistr":
		return true
	// Numbers.
	case "abs", "round", "trunc", "floor", "ceil", "ceiling", "mod", "power", "pow",
		"sqrt", "exp", "ln", "log", "sign", "div", "greatest", "least", "pi":
		return true
	// JSON and arrays.
	case "to_json", "to_jsonb", "row_to_json", "array_to_json",
		"json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array",
		"json_object", "jsonb_object", "jsonb_set", "jsonb_insert", "jsonb_strip_nulls",
		"json_strip_nulls", "jsonb_typeof", "json_typeof",
		"array_append", "array_prepend", "array_cat", "array_fill", "array_length",
		"array_to_string", "string_to_array", "cardinality", "array_remove", "array_replace":
		return true
	// Casts written as calls, and other common STABLE or IMMUTABLE functions.
	case "int2", "int4", "int8", "float4", "float8", "numeric", "text", "bool",
		"varchar", "bpchar", "date", "time", "timetz", "timestamp", "timestamptz",
		"interval", "json", "jsonb", "uuid", "inet", "cidr", "macaddr",
		"to_tsvector", "to_tsquery", "plainto_tsquery", "setweight",
		"uuid_nil", "uuid_ns_dns", "uuid_ns_url", "uuid_ns_oid", "uuid_ns_x500",
		"uuid_generate_v3", "uuid_generate_v5",
		"current_setting", "current_database", "current_schema", "current_schemas",
		"current_user", "session_user", "current_role", "version",
		"inet_client_addr", "inet_server_addr", "pg_backend_pid", "pg_postmaster_start_time",
		"txid_current", "pg_current_xact_id", "crypt", "digest", "hmac":
		return true
	default:
		return false
	}
}
