// Package fuzz holds the fuzz tests that feed pgsafe hostile input: SQL
// from the rule fixtures and the shared corpus, mutated, through lint and
// fix (FuzzLint), and statements nested or chained far deeper than
// migrations ever are, through the parser (FuzzDeep). `go test` runs
// their seeds; a longer run looks for new failures:
//
//	go test -run '^$' -fuzz FuzzLint -fuzztime 10m ./internal/fuzz
//	go test -run '^$' -fuzz FuzzDeep -fuzztime 10m ./internal/fuzz
//
// A failing input is written under testdata/fuzz/<FuzzName>/ and then runs
// with the seeds: commit it with the fix.
package fuzz
