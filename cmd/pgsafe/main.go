// Command pgsafe finds lock hazards in PostgreSQL migrations and rewrites
// them into lock-safe equivalents.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
