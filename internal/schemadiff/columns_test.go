package schemadiff_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/schemadiff"
)

func TestColumnOrder(t *testing.T) {
	dump := func(cols ...string) string {
		s := "SET lock_timeout = 0;\nCREATE TABLE public.accounts (\n"
		for i, c := range cols {
			s += "    " + c
			if i < len(cols)-1 {
				s += ","
			}
			s += "\n"
		}
		return s + "    CONSTRAINT accounts_balance_check CHECK ((balance > 0))\n);\nCREATE TABLE public.other (\n    id integer\n);"
	}
	orig := dump("id bigint NOT NULL", "balance bigint", `"Email" text`)
	moved := dump("id bigint NOT NULL", `"Email" text`, "balance bigint")
	got, ok := schemadiff.ColumnOrder(orig, moved)
	assert.True(t, ok)
	assert.Equal(t, []string{`public.accounts: (id, balance, "Email") → (id, "Email", balance)`}, got)

	// Another type is more than an order.
	_, ok = schemadiff.ColumnOrder(orig, dump("id bigint NOT NULL", `"Email" text`, "balance integer"))
	assert.False(t, ok)
	// So is a difference outside the columns.
	_, ok = schemadiff.ColumnOrder(orig, "SET lock_timeout = 1;"+moved[len("SET lock_timeout = 0;"):])
	assert.False(t, ok)

	// Snapshots say the position of each column.
	snapA := "column public.accounts 1 id bigint NOT NULL\ncolumn public.accounts 2 balance bigint\ncolumn public.accounts 3 email text\nrelation r public.accounts"
	snapB := "column public.accounts 1 id bigint NOT NULL\ncolumn public.accounts 2 email text\ncolumn public.accounts 3 balance bigint\nrelation r public.accounts"
	got, ok = schemadiff.ColumnOrder(snapA, snapB)
	assert.True(t, ok)
	assert.Equal(t, []string{"public.accounts: (id, balance, email) → (id, email, balance)"}, got)
	_, ok = schemadiff.ColumnOrder(snapA, snapB+"\nrelation r public.more")
	assert.False(t, ok)
}
