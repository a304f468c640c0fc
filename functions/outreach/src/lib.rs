//! sarafan-outreach: the outreach function's handler, hosted by Lambda and by `sarafan serve`.
