package report

import (
	"strconv"

	"github.com/pgsafe/pgsafe/rules"
)

// The figures of an impact, zero for none.
func impactRows(im *rules.Impact) int64 {
	if im == nil {
		return 0
	}
	return im.Rows
}

func impactBytes(im *rules.Impact) int64 {
	if im == nil {
		return 0
	}
	return im.Bytes
}

func impactWrites(im *rules.Impact) float64 {
	if im == nil {
		return 0
	}
	return im.WritesPerSecond
}

// impactBlockMS is the estimated block in whole milliseconds.
func impactBlockMS(im *rules.Impact) int64 {
	if im == nil {
		return 0
	}
	return im.Block.Milliseconds()
}

// messageWithEstimate returns d's message followed by what its lock would
// cost on production, when lint had a snapshot.
func messageWithEstimate(d rules.Diagnostic) string {
	if d.Impact == nil || d.Impact.Note == "" {
		return d.Message
	}
	return d.Message + " (production: " + d.Impact.Note + ")"
}

// impactProperties are the SARIF properties of an impact: the table's
// figures and the estimate, those known.
func impactProperties(im *rules.Impact) map[string]string {
	if im == nil {
		return nil
	}
	out := map[string]string{}
	if im.Known || im.New {
		if im.Rows >= 0 {
			out["table_rows"] = strconv.FormatInt(im.Rows, 10)
		}
		out["table_bytes"] = strconv.FormatInt(im.Bytes, 10)
		if im.WritesPerSecond >= 0 {
			out["writes_per_second"] = strconv.FormatFloat(im.WritesPerSecond, 'f', -1, 64)
		}
	}
	if im.Estimated {
		out["estimated_block_ms"] = strconv.FormatInt(im.Block.Milliseconds(), 10)
	}
	if im.Lowered != 0 {
		out["severity_before_estimate"] = im.Lowered.String()
	}
	return out
}
