package sqlparse

// WarmSQL is the warm-up text, for tests.
const WarmSQL = warmSQL
