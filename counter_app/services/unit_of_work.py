"""A unit of work: one database transaction that rolls back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine


class UnitOfWork:
    """`with UnitOfWork(engine, write=True) as uow: ...; uow.commit()`.

    Leaving the block without commit() rolls everything back. Write units take the SQLite
    write lock at BEGIN so they cannot fail half-way on a busy database.
    """

    def __init__(self, engine: Engine, *, write: bool = False) -> None:
        self._engine = engine
        self._write = write
        self._conn: Connection | None = None
        self.committed = False

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        conn = self._engine.connect()
        if self._write:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        conn.begin()
        self._conn = conn
        return self

    def commit(self) -> None:
        self.conn.commit()
        self.committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.conn
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._conn = None
