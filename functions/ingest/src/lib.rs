//! sarafan-ingest: the ingest function's handler, hosted by Lambda and by `sarafan serve`.
