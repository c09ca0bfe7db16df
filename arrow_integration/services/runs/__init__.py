"""How every period job runs: the month lock, run records, the one failure and retry rule, and
the pause of the scheduled syncs."""
