package schemadiff

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalise(t *testing.T) {
	dump := "--\n-- PostgreSQL database dump\n--\n\\restrict abc\n\nSET statement_timeout = 0;\n\nCREATE TABLE public.t (\n    id integer\n);\n\n\\unrestrict abc\n"
	assert.Equal(t, "SET statement_timeout = 0;\nCREATE TABLE public.t (\n    id integer\n);", Normalise(dump))
}

func TestDiff(t *testing.T) {
	assert.Empty(t, Diff("a", "x\ny", "b", "x\ny"))
	d := Diff("original", "CREATE TABLE t;\nCREATE INDEX i;", "fixed", "CREATE TABLE t;")
	assert.Contains(t, d, "--- original")
	assert.Contains(t, d, "+++ fixed")
	assert.Contains(t, d, "-CREATE INDEX i;")
}
