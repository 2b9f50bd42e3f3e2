from __future__ import annotations

import pytest

from tests.conftest import database_for


def test_rows_written_in_a_failed_transaction_are_not_kept(store_env: dict[str, str]) -> None:
    db = database_for(store_env)
    try:
        with db.transaction() as conn:
            conn.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
        with db.transaction() as conn:
            conn.execute("INSERT INTO kv VALUES (:k, :v)", {"k": "a", "v": 1})
        with pytest.raises(RuntimeError), db.transaction() as conn:
            conn.execute("INSERT INTO kv VALUES (:k, :v)", {"k": "b", "v": 2})
            raise RuntimeError("crash mid-transaction")
        with db.transaction() as conn:
            rows = conn.fetchall("SELECT k, v FROM kv ORDER BY k")
        assert rows == [{"k": "a", "v": 1}]
    finally:
        db.close()
