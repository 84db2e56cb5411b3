package stats_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/stats"
)

func TestSnapshotRoundTrip(t *testing.T) {
	in := &stats.Snapshot{
		Format: stats.Format, TakenAt: time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC),
		ServerVersion: "15.18", ServerVersionNum: 150018, Database: "app", SampleSeconds: 5,
		Tables: []stats.Table{{Schema: "public", Name: "orders", Rows: 48_000_000, HeapBytes: 9 << 30,
			IndexBytes: 2 << 30, Indexes: []stats.Index{{Name: "orders_pkey", Bytes: 2 << 30}}, WritesPerSecond: 1200.5, ReadsPerSecond: 30}},
	}
	var buf bytes.Buffer
	require.NoError(t, in.Write(&buf))
	out, err := stats.Read(&buf, "snap.json")
	require.NoError(t, err)
	assert.Equal(t, in, out)
	require.NotNil(t, out.Lookup("", "orders"))
	assert.Equal(t, int64(11<<30), out.Lookup("public", "orders").TotalBytes())
	assert.Nil(t, out.Lookup("public", "users"))
	assert.Nil(t, out.Lookup("other", "orders"))
}

func TestReadRefusesBadSnapshots(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"syntax", "{\n  \"format\": 1,\n  \"tables\": [}\n", "snap.json:3:14: "},
		{"type", "{\n  \"format\": \"one\"\n}\n", "snap.json:2:"},
		{"unknown field", "{\"format\": 1, \"password\": \"x\"}", `unknown field "password"`},
		{"format", `{"format": 2}`, "snapshot format 2, this pgsafe reads format 1"},
		{"empty", "", "empty file"},
		{"no name", `{"format": 1, "tables": [{"schema": "public"}]}`, "tables[0] has no name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := stats.Read(strings.NewReader(c.text), "snap.json")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
