//! Statements through each connection's cache of prepared statements.

use super::*;

/// Statements through the connection's cache of prepared statements: most run on every
/// delivery, and parsing and planning one costs more than running it.
pub(super) trait Cached {
    /// `Connection::execute`, prepared once.
    fn run<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `Connection::query_row`, prepared once.
    fn one<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn one<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Room in each connection's statement cache for every statement the store runs.
pub(super) const STATEMENT_CACHE: usize = 128;
