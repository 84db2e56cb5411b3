package tool

// Psql is psql --file, and anything that sends a file's statements one at
// a time without a transaction of its own: the assumption for SQL files
// that show no tool at all.
var Psql = &Tool{
	Name:  "psql",
	About: "`psql --file` and other runners that send statements one at a time, each committing on its own.",
	Doc: Doc{
		Detected: "the assumption (a guess) when nothing shows a tool",
		Files:    "any `.sql` file, in natural order; `*.down.sql` is a down migration",
		Downs:    "`*.down.sql` files, on their own",
		Runs:     "statement by statement; the file's own `BEGIN` ... `COMMIT` are transactions",
		Leave:    "in place: split around the file's own `COMMIT`, or as is outside a transaction",
		Refuses:  "—",
	},
	Cite: []string{
		"https://www.postgresql.org/docs/current/app-psql.html (without --single-transaction, each statement commits on its own)",
	},
	Run:   func(*File) Run { return Autocommit },
	Names: downByName,
	Exit: Exit{
		Stuck: "",
	},
}

// downByName reads any file named *.down.sql as a down migration, with no
// version and no partner.
func downByName(path string) (Name, bool) {
	base := baseName(path)
	if title, ok := cutSuffixFold(base, ".down.sql"); ok {
		return Name{Title: title, Direction: Down}, true
	}
	return Name{}, false
}
