//! sarafan-reports: the reports function's handler, hosted by Lambda and by `sarafan serve`.
