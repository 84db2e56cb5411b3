package tool

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWrapCompound(t *testing.T) {
	body := "DO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;"
	sql := "-- a comment\nALTER TABLE t ADD COLUMN c int;\n" + body + "\nSELECT 1;"
	want := "-- a comment\nALTER TABLE t ADD COLUMN c int;\n-- +goose StatementBegin\n" + body + "\n-- +goose StatementEnd\nSELECT 1;"
	assert.Equal(t, want, gooseCompound.WrapCompound(sql))
	assert.Equal(t, want, gooseCompound.WrapCompound(want), "an enclosed statement stays as it is")
	// A semicolon inside a line, not at its end, does not cut the statement.
	one := "DO $$ BEGIN PERFORM 1; END $$;"
	assert.Equal(t, one, gooseCompound.WrapCompound(one))
	var none *Compound
	assert.Equal(t, sql, none.WrapCompound(sql))
}

func TestGooseRefusesCutStatements(t *testing.T) {
	text := "-- +goose Up\nDO $$\nBEGIN\n  PERFORM 1; -- done\nEND\n$$;\n"
	got := gooseCheck([]Input{{Path: "db/001_a.sql", Text: text}})
	if assert.Len(t, got, 1) {
		assert.Contains(t, got[0].Message, "goose cuts this statement")
		assert.Equal(t, len("-- +goose Up\n"), got[0].Offset)
	}
	enclosedText := "-- +goose Up\n-- +goose StatementBegin\nDO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;\n-- +goose StatementEnd\n"
	assert.Empty(t, gooseCheck([]Input{{Path: "db/001_a.sql", Text: enclosedText}}))
}
