package estimate_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/stats"
	"github.com/pgsafe/pgsafe/rules"
)

func TestStatementClass(t *testing.T) {
	for sql, want := range map[string]estimate.Class{
		"CREATE INDEX i ON t (a)":                                          estimate.IndexBuild,
		"CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)":                      estimate.IndexBuild,
		"REINDEX TABLE t":                                                  estimate.IndexBuild,
		"ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)":                        estimate.IndexBuild,
		"ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i":              estimate.Instant,
		"ALTER TABLE t ADD PRIMARY KEY (id)":                               estimate.IndexBuild,
		"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)":                     estimate.Scan,
		"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID":           estimate.Instant,
		"ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u":                   estimate.ForeignKeyCheck,
		"ALTER TABLE t ALTER COLUMN a SET NOT NULL":                        estimate.Scan,
		"ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1)":               estimate.Scan,
		"ALTER TABLE t VALIDATE CONSTRAINT c":                              estimate.Validation,
		"ALTER TABLE t ALTER COLUMN a TYPE bigint":                         estimate.Rewrite,
		"ALTER TABLE t ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY": estimate.Rewrite,
		"ALTER TABLE t ADD COLUMN b int":                                   estimate.Instant,
		"ALTER TABLE t ADD COLUMN b int, ALTER COLUMN a TYPE bigint":       estimate.Rewrite,
		"ALTER TABLE t SET LOGGED":                                         estimate.Rewrite,
		"VACUUM FULL t":                                                    estimate.Rewrite,
		"VACUUM t":                                                         estimate.Unknown,
		"CLUSTER t USING i":                                                estimate.Rewrite,
		"ALTER TABLE t RENAME TO u":                                        estimate.Instant,
		"DROP TABLE t":                                                     estimate.Instant,
		"UPDATE t SET a = 1":                                               estimate.Unknown, // the rule says whether it writes every row: PS034
		"DELETE FROM t":                                                    estimate.Unknown,
		"REFRESH MATERIALIZED VIEW v":                                      estimate.Rewrite,
		"REFRESH MATERIALIZED VIEW CONCURRENTLY v":                         estimate.Unknown,
	} {
		r := sqlparse.Parse(sql)
		require.Nil(t, r.Err, sql)
		assert.Equal(t, want, estimate.StatementClass(r.Statements[0].Node), sql)
	}
}

func TestRuleClasses(t *testing.T) {
	c, ok := estimate.RuleClass("PS020")
	assert.True(t, ok)
	assert.Equal(t, estimate.Rewrite, c, "a volatile default rewrites, which the statement alone does not show")
	c, _ = estimate.RuleClass("PS034")
	assert.Equal(t, estimate.RowUpdates, c, "whole-table-update-or-delete writes every row (a DELETE deletes them: see TestApplyWholeTableUpdate)")
	_, ok = estimate.RuleClass("PS040")
	assert.False(t, ok, "missing-lock-timeout reports on any statement")
}

func TestRuleClassesNameRules(t *testing.T) {
	for _, r := range rules.All() {
		if c, ok := estimate.RuleClass(r.Code); ok {
			assert.NotEqual(t, estimate.Unknown, c, r.Code)
		}
	}
	for _, code := range []string{"PS001", "PS002", "PS004", "PS005", "PS006", "PS007", "PS008", "PS009", "PS011", "PS012", "PS014", "PS020", "PS021", "PS022", "PS024", "PS030", "PS032", "PS033", "PS034", "PS043"} {
		assert.NotNil(t, rules.Lookup(rules.All(), code), "%s is a rule", code)
		_, ok := estimate.RuleClass(code)
		assert.True(t, ok, code)
	}
}

func TestCost(t *testing.T) {
	c := estimate.Cost{Seconds: 0.5, SecondsPerHeapGB: 2, SecondsPerMillionRows: 1, SecondsPerIndexGB: 4}
	assert.Equal(t, 8500*time.Millisecond, c.Of(estimate.Size{Rows: 2_000_000, HeapBytes: 2 << 30, IndexBytes: 1 << 29}))
}

func TestFitRecoversCoefficients(t *testing.T) {
	truth := map[estimate.Class]estimate.Cost{
		estimate.Instant:         {Seconds: 0.001},
		estimate.Validation:      {Seconds: 0.001, SecondsPerHeapGB: 0.3, SecondsPerMillionRows: 0.02},
		estimate.Scan:            {Seconds: 0.001, SecondsPerHeapGB: 0.5, SecondsPerMillionRows: 0.05},
		estimate.ForeignKeyCheck: {Seconds: 0.002, SecondsPerHeapGB: 0.4, SecondsPerMillionRows: 0.5, SecondsPerMillionReferencedRows: 3, SecondsPerMillionSpilledRows: 0.25},
		estimate.IndexBuild:      {Seconds: 0.002, SecondsPerHeapGB: 1, SecondsPerMillionRows: 0.9},
		estimate.Rewrite:         {Seconds: 0.003, SecondsPerHeapGB: 3, SecondsPerMillionRows: 1.5, SecondsPerIndexGB: 6},
		estimate.RowDeletes:      {Seconds: 0.001, SecondsPerHeapGB: 0.5, SecondsPerMillionRows: 0.3},
		estimate.RowUpdates:      {Seconds: 0.002, SecondsPerHeapGB: 2, SecondsPerMillionRows: 2.5},
	}
	m := &estimate.Model{Format: estimate.ModelFormat, Costs: truth}
	var points []estimate.Point
	for _, c := range estimate.Classes {
		for _, rows := range []int64{10_000, 100_000, 1_000_000, 10_000_000} {
			for _, width := range []int64{60, 330} {
				size := estimate.Size{Rows: rows, HeapBytes: rows * width, IndexBytes: rows * 22}
				sizes := []estimate.Size{size}
				if c == estimate.ForeignKeyCheck {
					// As the calibration checks them, against each parent.
					sizes = nil
					for _, p := range estimate.Parents {
						sized := size
						sized.ReferencedRows = p.Rows(size)
						sizes = append(sizes, sized)
					}
				}
				for _, size := range sizes {
					took, _ := m.Estimate(c, size)
					points = append(points, estimate.Point{Class: c, Size: size, Seconds: took.Seconds()})
				}
			}
		}
	}
	costs, err := estimate.Fit(points)
	require.NoError(t, err)
	fitted := &estimate.Model{Format: estimate.ModelFormat, Costs: costs}
	for i, r := range estimate.Residuals(fitted, points) {
		assert.InDelta(t, 1, r, 0.01, "point %d (%+v)", i, points[i])
	}
}

// TestSpilled counts the rows of both tables once the referenced rows a
// foreign key check reads no longer fit in one hash, and none before.
func TestSpilled(t *testing.T) {
	for _, c := range []struct {
		rows, referenced, want int64
	}{
		{1_000_000, 1000, 0},
		{100_000, 100_000, 0},
		{1_000_000, 1_000_000, 2_000_000},
		{10_000, 2_000_000, 0}, // reads no more than the table has
		{48_000_000, 2_000_000, 50_000_000},
	} {
		s := estimate.Size{Rows: c.rows, ReferencedRows: c.referenced}
		assert.Equal(t, c.want, s.Spilled(), "%d rows against %d", c.rows, c.referenced)
	}
	cost := estimate.Cost{SecondsPerMillionSpilledRows: 0.5}
	assert.Equal(t, time.Second, cost.Of(estimate.Size{Rows: 1_000_000, ReferencedRows: 1_000_000}))
}

func TestDefaultModel(t *testing.T) {
	m := estimate.Default()
	assert.NotEmpty(t, m.Calibration.Machine)
	assert.False(t, m.Calibration.At.IsZero())
	assert.NotEmpty(t, m.Points)
	for _, c := range estimate.Classes {
		big, ok := m.Estimate(c, estimate.Size{Rows: 10_000_000, HeapBytes: 2 << 30, IndexBytes: 1 << 28})
		require.True(t, ok, c)
		small, _ := m.Estimate(c, estimate.Size{Rows: 1000, HeapBytes: 100 << 10})
		assert.GreaterOrEqual(t, big, small, c)
	}
}

func TestReadModelRefusesBadModels(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"syntax", `{"format": 1,`, "m.json: not a cost model"},
		{"format", `{"format": 2}`, "cost model format 2"},
		{"missing class", `{"format": 1, "costs": {"instant": {"seconds": 0.001}}}`, `no cost for "validation"`},
		{"negative", `{"format": 1, "costs": {"instant": {"seconds": -1}, "validation": {}, "scan": {}, "index-build": {}, "rewrite": {}}}`, "negative"},
		{"unknown class", `{"format": 1, "costs": {"instant": {}, "validation": {}, "scan": {}, "index-build": {}, "rewrite": {}, "row-deletes": {}, "row-updates": {}, "copy": {}}}`, `unknown operation class "copy"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := estimate.ReadModel([]byte(c.text), "m.json")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestReadModelOfAnEarlierPgsafe reads a model calibrated before the
// row classes existed: it prices the classes it has, and not the others.
func TestReadModelOfAnEarlierPgsafe(t *testing.T) {
	m, err := estimate.ReadModel([]byte(`{"format": 1, "costs": {"instant": {"seconds": 0.001}, "validation": {}, "scan": {}, "index-build": {"seconds_per_million_rows": 1}, "rewrite": {}}}`), "m.json")
	require.NoError(t, err)
	assert.True(t, m.Has(estimate.IndexBuild))
	assert.False(t, m.Has(estimate.RowDeletes))
	assert.False(t, m.Has(estimate.RowUpdates))
	_, ok := m.Estimate(estimate.RowUpdates, estimate.Size{Rows: 1000})
	assert.False(t, ok)
	took, ok := m.Estimate(estimate.IndexBuild, estimate.Size{Rows: 2_000_000})
	assert.True(t, ok)
	assert.Equal(t, 2*time.Second, took)
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{estimate.Duration(400 * time.Microsecond), "1 ms"},
		{estimate.Duration(40 * time.Millisecond), "40 ms"},
		{estimate.Duration(1500 * time.Millisecond), "2 seconds"},
		{estimate.Duration(183 * time.Second), "3 minutes"},
		{estimate.Duration(90 * time.Minute), "1.5 hours"},
		{estimate.Duration(2 * time.Hour), "2 hours"},
		{estimate.Duration(30 * time.Hour), "30 hours"},
		{estimate.ShortDuration(40 * time.Millisecond), "40 ms"},
		{estimate.ShortDuration(58 * time.Second), "58 s"},
		{estimate.ShortDuration(183 * time.Second), "3 min"},
		{estimate.ShortDuration(90 * time.Minute), "1.5 h"},
		{estimate.ShortDuration(time.Hour), "1 h"},
		{estimate.Rows(1), "1 row"},
		{estimate.Rows(10_000), "10,000 rows"},
		{estimate.Rows(1_500_000), "1.5M rows"},
		{estimate.Rows(48_000_000), "48M rows"},
		{estimate.Rows(2_100_000_000), "2.1B rows"},
		{estimate.Bytes(512), "512 bytes"},
		{estimate.Bytes(49152), "48 kB"},
		{estimate.Bytes(9771000000), "9.1 GB"},
		{estimate.Writes(0), "no writes"},
		{estimate.Writes(stats.Unknown), "writes/s unknown"},
		{estimate.Writes(0.46), "~0.5 writes/s"},
		{estimate.Writes(1204.6), "~1,205 writes/s"},
		{estimate.Threshold(time.Second), "1s"},
		{estimate.Threshold(500 * time.Millisecond), "500ms"},
		{estimate.Threshold(2 * time.Minute), "2min"},
	} {
		assert.Equal(t, c.want, c.got)
	}
}
