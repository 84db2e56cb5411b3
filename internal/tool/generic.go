package tool

// TransactionPerFile is a runner that wraps each file in one transaction
// and offers no way out: an in-house migrator that runs tx.Exec(file),
// maragudk/migrate, and the like.
var TransactionPerFile = &Tool{
	Name:  "transaction-per-file",
	About: "Any runner that wraps each file in one transaction and has no way to run a statement outside it (an in-house `tx.Exec(file)` migrator, maragudk/migrate).",
	Doc: Doc{
		Detected: "only by a setting",
		Files:    "any `.sql` file, in natural order; `*.down.sql` is a down migration",
		Downs:    "`*.down.sql` files, on their own",
		Runs:     "each file in one transaction",
		Leave:    "not possible: shown as advice",
		Refuses:  "—",
	},
	SettingOnly: true,
	Cite: []string{
		"maragudk/migrate migrate.go (each migration file runs in a transaction)",
	},
	Names: downByName,
	Run:   func(*File) Run { return Transaction },
	Exit: Exit{
		Stuck: "the runner wraps each file in one transaction, with no way out",
	},
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return ""
		}
		return "the runner wraps each file in one transaction, with no way out: run the statement outside the migrations (by hand, or a job of its own), or move to a tool that can run a file without a transaction"
	},
}

// SingleTransaction is a runner that runs every pending migration in one
// transaction.
var SingleTransaction = &Tool{
	Name:  "single-transaction",
	About: "Any runner that runs all pending migrations in one transaction (`psql --single-transaction` over a concatenation, and the like).",
	Doc: Doc{
		Detected: "only by a setting",
		Files:    "any `.sql` file, in natural order; `*.down.sql` is a down migration",
		Downs:    "`*.down.sql` files, on their own",
		Runs:     "every pending file in one transaction",
		Leave:    "not possible: shown as advice",
		Refuses:  "—",
	},
	SettingOnly: true,
	Cite: []string{
		"https://www.postgresql.org/docs/current/app-psql.html (--single-transaction)",
	},
	Names: downByName,
	Run:   func(*File) Run { return RunTransaction },
	Exit: Exit{
		Stuck: "the runner runs every pending migration in one transaction, with no way out",
	},
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return ""
		}
		return "the runner runs every pending migration in one transaction: run the statement outside the migrations (by hand, or a job of its own)"
	},
}
