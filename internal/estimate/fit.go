package estimate

import (
	"fmt"
	"math"
	"sort"
)

// Fit returns the cost of each class that best explains the points: for
// every class, the non-negative coefficients that minimise the sum of the
// squared relative errors (a point of 200 ms counts as much as one of 20
// s, since the model must hold within a factor on small tables and large
// ones alike), where errors on points under relativeFloor count as
// absolute errors at that floor: timings of a millisecond are mostly
// noise, and a model that chased them would miss on large tables. Instant work is a fixed cost, the median of its points;
// only rewrites rebuild indexes, so only they get a cost per index GB, and
// only foreign key checks read a second table, so only they get a cost
// per million referenced rows read (Size.ReferencedRead) and per million
// rows spilled to temporary files (Size.Spilled).
func Fit(points []Point) (map[Class]Cost, error) {
	costs := map[Class]Cost{}
	for _, c := range Classes {
		var ps []Point
		for _, p := range points {
			if p.Class == c {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return nil, fmt.Errorf("no measurements of %s", c)
		}
		if c == Instant {
			costs[c] = Cost{Seconds: median(ps)}
			continue
		}
		features := func(p Point) []float64 {
			f := []float64{1, float64(p.HeapBytes) / gb, float64(p.Rows) / 1e6}
			switch c {
			case Rewrite:
				f = append(f, float64(p.IndexBytes)/gb)
			case ForeignKeyCheck:
				f = append(f, float64(p.ReferencedRead())/1e6, float64(p.Spilled())/1e6)
			default:
			}
			return f
		}
		x := make([][]float64, len(ps))
		y := make([]float64, len(ps))
		for i, p := range ps {
			x[i], y[i] = features(p), p.Seconds
		}
		beta := relativeNNLS(x, y)
		cost := Cost{Seconds: beta[0], SecondsPerHeapGB: beta[1], SecondsPerMillionRows: beta[2]}
		switch c {
		case Rewrite:
			cost.SecondsPerIndexGB = beta[3]
		case ForeignKeyCheck:
			cost.SecondsPerMillionReferencedRows, cost.SecondsPerMillionSpilledRows = beta[3], beta[4]
		default:
		}
		costs[c] = cost
	}
	return costs, nil
}

// relativeFloor is the time below which a point's error is weighed as
// an absolute error, in seconds.
const relativeFloor = 0.02

// relativeNNLS solves min Σ w(y_i)·(x_i·β - y_i)² subject to β ≥ 0 by
// trying every set of free coefficients (the others held at zero) and
// keeping the best whose solution is non-negative: with at most five
// coefficients that is 31 small solves.
func relativeNNLS(x [][]float64, y []float64) []float64 {
	n := len(x[0])
	best, bestErr := make([]float64, n), math.Inf(1)
	for mask := 1; mask < 1<<n; mask++ {
		var free []int
		for j := range n {
			if mask&(1<<j) != 0 {
				free = append(free, j)
			}
		}
		// The normal equations of the weighted problem on the free
		// coefficients.
		a := make([][]float64, len(free))
		b := make([]float64, len(free))
		for r := range free {
			a[r] = make([]float64, len(free))
		}
		for i := range x {
			w := weight(y[i])
			for r, jr := range free {
				b[r] += w * x[i][jr] * y[i]
				for c, jc := range free {
					a[r][c] += w * x[i][jr] * x[i][jc]
				}
			}
		}
		sol, ok := solve(a, b)
		if !ok {
			continue
		}
		beta := make([]float64, n)
		negative := false
		for r, j := range free {
			if sol[r] < 0 {
				negative = true
			}
			beta[j] = sol[r]
		}
		if negative {
			continue
		}
		var e float64
		for i := range x {
			var pred float64
			for j := range n {
				pred += x[i][j] * beta[j]
			}
			e += weight(y[i]) * (pred - y[i]) * (pred - y[i])
		}
		if e < bestErr {
			best, bestErr = beta, e
		}
	}
	return best
}

// weight is the weight of a point of y seconds in the fit.
func weight(y float64) float64 {
	y = math.Max(y, relativeFloor)
	return 1 / (y * y)
}

// solve solves a·s = b by Gaussian elimination with partial pivoting, and
// returns false when a is singular.
func solve(a [][]float64, b []float64) ([]float64, bool) {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64{}, a[i]...), b[i])
	}
	for col := range n {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[p][col]) {
				p = r
			}
		}
		if math.Abs(m[p][col]) < 1e-12 {
			return nil, false
		}
		m[col], m[p] = m[p], m[col]
		for r := range n {
			if r == col {
				continue
			}
			f := m[r][col] / m[col][col]
			for c := col; c <= n; c++ {
				m[r][c] -= f * m[col][c]
			}
		}
	}
	s := make([]float64, n)
	for i := range n {
		s[i] = m[i][n] / m[i][i]
	}
	return s, true
}

// median returns the median of the points' seconds.
func median(ps []Point) float64 {
	v := make([]float64, len(ps))
	for i, p := range ps {
		v[i] = p.Seconds
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

// Residuals returns, for each point, the model's estimate divided by the
// measured time.
func Residuals(m *Model, points []Point) []float64 {
	out := make([]float64, len(points))
	for i, p := range points {
		est, _ := m.Estimate(p.Class, p.Size)
		out[i] = est.Seconds() / p.Seconds
	}
	return out
}
