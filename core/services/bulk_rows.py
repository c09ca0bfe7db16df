"""Bulk INSERT and UPDATE for the paths that write 100 000 rows (imports, reconciliations).

`rows_insert` writes many rows of one model from dicts of field values without building model
instances. Django's `bulk_create` spends about 100 µs a row on a 15-column table (model
``__init__``, then every value through the SQL compiler); here every value still goes through its
field's own `get_db_prep_save` (the conversion the ORM applies, so stored values are identical),
fields whose value needs no conversion are passed through, and rows go out in one COPY on
PostgreSQL, in multi-row INSERT statements sized to the backend's parameter limit elsewhere.

Omitted fields take the model's default (callable defaults are called per row), `auto_now` and
`auto_now_add` fields one timestamp per call. No signals are sent and `save()` is not called:
use it only for models without save logic, inside the caller's transaction. `rows_update` sets
chosen fields of many rows, `objects_update` writes them back from saved instances (both the fast
form of `bulk_update`). None checks business rules; the services that own a table call them
(e.g. `core.services.invoices`).
"""

from __future__ import annotations

import datetime
import operator
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

# Rows per statement on backends without a parameter limit (PostgreSQL): bounds statement size.
MAX_ROWS_PER_STATEMENT = 1000
# Field types whose Python value is what the database driver receives (no conversion needed).
PASS_THROUGH_FIELDS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)


def _is_pass_through(field: models.Field) -> bool:
    if field.is_relation:
        return isinstance(field.target_field, models.AutoField | models.BigAutoField | models.IntegerField)
    return isinstance(field, PASS_THROUGH_FIELDS) and not field.choices


def _primary_key(value, connection) -> Any:
    return None if value is None else value.pk


def _adapter(field: models.Field, connection) -> Callable[[Any, Any], Any] | None:
    """How a value of ``field`` becomes what the driver receives (None: unchanged)."""
    if _is_pass_through(field):
        return None
    prepare = field.get_db_prep_save
    if isinstance(field, models.DecimalField) and (
        type(connection.ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    ):
        # The ORM hands a finite Decimal to such a backend as it is (to_python copies it unchanged).
        return lambda value, conn: value if type(value) is Decimal and value.is_finite() else prepare(value, conn)
    if isinstance(field, models.DateTimeField | models.DateField):
        return _remember_last(prepare)
    return prepare


def _remember_last(prepare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``prepare`` that reuses its last result for the same (immutable) value object.

    Timestamps and month bounds repeat on every row of a batch; converting them once is enough.
    """
    last: list = [None, None, False]

    def prepare_once(value, connection):
        if last[2] and value is last[0]:
            return last[1]
        result = prepare(value, connection)
        last[:] = [value, result, isinstance(value, datetime.date)]
        return result

    return prepare_once


def _default_provider(field: models.Field, now, connection) -> Callable[[], Any]:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.default is uuid.uuid4 and not connection.features.has_native_uuid_field:
        return _random_uuid_hex
    if field.has_default() and callable(field.default):
        return field.default
    value = field.get_default()
    return lambda: value


def _random_uuid_hex() -> str:
    """``uuid.uuid4().hex`` (how a backend without a UUID type stores it), without the UUID object."""
    data = bytearray(os.urandom(16))
    data[6] = (data[6] & 0x0F) | 0x40  # version 4
    data[8] = (data[8] & 0x3F) | 0x80  # RFC 4122 variant
    return data.hex()


def _tuple_getter(keys: list[str]) -> Callable[[dict], tuple]:
    if len(keys) > 1:
        return operator.itemgetter(*keys)
    return lambda row: tuple(row[key] for key in keys)


def rows_insert(model: type[models.Model], rows: Sequence[dict[str, Any]], *,
                return_ids: bool = False) -> list[int]:
    """INSERT ``rows`` (dicts keyed by field name or attname) into ``model``'s table.

    Returns the new primary keys in the order of ``rows`` when ``return_ids`` (the backend must
    support INSERT … RETURNING, as PostgreSQL and SQLite ≥ 3.35 do), else an empty list.
    Raises the database's `IntegrityError` like the ORM would; the caller's transaction decides
    what is rolled back.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    first = rows[0]
    direct: list[tuple[models.Field, str]] = []  # values taken from the rows as they are
    computed: list[tuple[models.Field, str | None, Callable, Callable | None]] = []
    for field in fields:
        if field.attname in first:
            key, adapt = field.attname, _adapter(field, connection)
        elif field.name in first:  # a related object instead of its id
            key, adapt = field.name, _primary_key
        else:
            key, adapt = None, _adapter(field, connection)
        if key is not None and adapt is None:
            direct.append((field, key))
        else:
            default = _default_provider(field, now, connection)
            if key is None and isinstance(field, models.UUIDField) and default is _random_uuid_hex:
                adapt = None  # already the stored form
            computed.append((field, key, default, adapt))
    # Direct values first, all read by one itemgetter: most columns of a row cost no Python work.
    fields = [field for field, _key in direct] + [column[0] for column in computed]
    take = _tuple_getter([key for _field, key in direct])

    def values() -> Iterator[list]:
        for row in rows:
            yield [
                *take(row),
                *[(default() if key is None else row[key]) if adapt is None
                  else adapt(default() if key is None else row[key], connection)
                  for _field, key, default, adapt in computed],
            ]

    if connection.vendor == "postgresql":
        return _copy_postgresql(connection, meta, fields, values(), len(rows), return_ids)
    if connection.vendor == "sqlite":
        return _insert_sqlite(connection, meta, fields, list(values()), return_ids)
    return _insert(connection, meta, fields, list(values()), return_ids)


def _insert(connection, meta, fields, values: list[list], return_ids: bool) -> list[int]:
    quote = connection.ops.quote_name
    batch = max(1, min(connection.ops.bulk_batch_size(fields, values), MAX_ROWS_PER_STATEMENT))
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) VALUES "  # noqa: S608 - names from model meta, values as parameters
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    tail = f" RETURNING {quote(meta.pk.column)}" if return_ids else ""
    ids: list[int] = []
    statements: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(values), batch):
            chunk = values[start:start + batch]
            sql = statements.get(len(chunk))
            if sql is None:
                sql = statements[len(chunk)] = head + ", ".join([row_sql] * len(chunk)) + tail
            cursor.execute(sql, [value for row in chunk for value in row])
            if return_ids:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _insert_sqlite(connection, meta, fields, values: list[list], return_ids: bool) -> list[int]:
    """SQLite: one prepared single-row INSERT run for every row (``executemany``), a third cheaper
    than multi-row statements. The ids follow from the last one: within a write transaction
    nobody else inserts and AUTOINCREMENT gives each row the next id (a count over the id range
    checks it). Outside a transaction every row would commit on its own: multi-row statements then.
    """
    if not connection.in_atomic_block:
        return _insert(connection, meta, fields, values, return_ids)
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = (f"INSERT INTO {table} ({', '.join(quote(field.column) for field in fields)}) "  # noqa: S608 - names from model meta, values as parameters
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
        if not return_ids:
            return []
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        first = last - len(values) + 1
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {pk} BETWEEN %s AND %s", [first, last])  # noqa: S608 - names from model meta, values as parameters
        if cursor.fetchone()[0] != len(values):  # pragma: no cover - AUTOINCREMENT ids are consecutive
            raise RuntimeError(f"{len(values)} rows inserted into {meta.db_table}, but ids {first}..{last} "
                               "are not all theirs")
    return list(range(first, last + 1))


def _copy_postgresql(connection, meta, fields, values: Iterator[list], count: int, return_ids: bool) -> list[int]:
    """PostgreSQL: one COPY for all rows (a multi-row INSERT spends most of its time in the driver
    parsing placeholders); ids, when wanted, are drawn from the table's sequence beforehand.
    Rows are converted while COPY streams, so the server stores some while this builds others."""
    quote = connection.ops.quote_name
    table, columns = quote(meta.db_table), [quote(field.column) for field in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if return_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns.insert(0, quote(meta.pk.column))
            values = ([pk, *row] for pk, row in zip(ids, values, strict=True))
        # The raw COPY bypasses Django's cursor wrapper: map driver errors (a unique violation
        # from a concurrent writer) to Django's, as every other statement gets them.
        with connection.wrap_database_errors, cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in values:
                copy.write_row(row)
    return ids


def rows_update(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Set ``fields`` of many rows: each of ``rows`` holds the values in ``fields`` order, then the
    primary key. PostgreSQL gets one UPDATE from a COPY-filled temporary table, other databases a
    parameterized UPDATE per row sent with ``executemany`` (`bulk_update` builds a CASE per field
    and row, at ten times the cost for 100 000 rows). Values are converted like in `rows_insert`;
    foreign keys are given as ids. Call it inside a transaction. Returns the number of rows sent.
    """
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    adapters = [_adapter(field, connection) for field in columns]
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(field.column)} = %s' for field in columns)} "  # noqa: S608 - names from model meta, values as parameters
           f"WHERE {quote(meta.pk.column)} = %s")
    params = [
        [value if adapt is None else adapt(value, connection) for value, adapt in zip(row[:-1], adapters, strict=True)]
        + [row[-1]]
        for row in rows
    ]
    if connection.vendor == "postgresql":
        _update_postgresql(connection, meta, columns, params)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)


def objects_update(model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """`rows_update` of ``fields`` (field names; relations by their id) read from saved ``objects``."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    return rows_update(model, fields, [[*(getattr(obj, name) for name in attnames), obj.pk] for obj in objects])


def _update_postgresql(connection, meta, columns, params: list[list]) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE … FROM it (100 000
    single-row UPDATEs cost the server ten times as much)."""
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    names = [quote(field.column) for field in columns]
    scratch = quote(f"bulk_update_{meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch} AS SELECT {', '.join(names)}, {pk} FROM {table} "  # noqa: S608 - names from model meta, values as parameters
                       "WITH NO DATA")
        try:
            with cursor.cursor.copy(f"COPY {scratch} ({', '.join(names)}, {pk}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            assignments = ", ".join(f"{name} = {scratch}.{name}" for name in names)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {scratch} WHERE {table}.{pk} = {scratch}.{pk}")  # noqa: S608 - names from model meta, values as parameters
        finally:
            cursor.execute(f"DROP TABLE {scratch}")


def tables_analyze(*models_to_analyze: type[models.Model]) -> None:
    """PostgreSQL: refresh the planner's statistics of the models' tables after a bulk load.

    Until autovacuum gets to it, the planner believes a table still has the size it had before
    the load, and a join over 100 000 fresh rows planned for a handful can run for minutes.
    Elsewhere a no-op.
    """
    connection = connections[router.db_for_write(models_to_analyze[0])]
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(model._meta.db_table) for model in models_to_analyze)}")

