"""A token of the database's committed state: equal tokens mean that nothing was committed between.

Read-side computations that are costly and whose inputs are the whole database (the month-close
report of a month reads every line of it) may be kept under this token and reused while it is
unchanged. PostgreSQL gives it: its snapshot (`pg_current_snapshot()`: the transactions in
progress and one past the last one completed) changes as soon as any transaction commits or
aborts, in any table; the server's address, database and start time make tokens of different
servers or databases differ. One query.

There is no token (None: compute every time) on other databases, and inside a transaction
block, where this connection's own uncommitted writes would not change the snapshot. Nothing
here writes.
"""

from __future__ import annotations

from django.db import connection

_IDENTITY = "current_database(), inet_server_addr(), inet_server_port(), pg_postmaster_start_time()"
# pg_current_snapshot() exists from PostgreSQL 13; txid_current_snapshot() before (same text).
SNAPSHOT_FUNCTION_SINCE = 130000
TOKEN_QUERY = f"SELECT concat_ws(':', {_IDENTITY}, pg_current_snapshot()::text)"
TOKEN_QUERY_BEFORE_13 = f"SELECT concat_ws(':', {_IDENTITY}, txid_current_snapshot()::text)"


def database_state_token() -> str | None:
    """The committed state's token (see the module), or None when none can be had."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    connection.ensure_connection()
    query = TOKEN_QUERY if connection.pg_version >= SNAPSHOT_FUNCTION_SINCE else TOKEN_QUERY_BEFORE_13
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]
