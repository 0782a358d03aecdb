"""Every write path survives two sessions at once: no DuckDB conflict escapes, nothing is lost.

Two console sessions are two script threads, each with its own cursor on the process's one
connection to the workspace file; these tests start the same (or competing) writes on two
cursors at the same instant, many times over, and check the outcome a person would expect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from smscore.access import accounts, audit
from smscore.access.audit import Actor
from smscore.contacts import book
from smscore.contacts.importer import import_contacts
from smscore.store import settings, writes
from smscore.twilio.sandbox import SandboxGateway

ADMIN = Actor("cli:tests", "cli")
ROUNDS = 8


def at_once(
    con: duckdb.DuckDBPyConnection, *work: Callable[[duckdb.DuckDBPyConnection], object]
) -> list[object]:
    """Run each piece of work on its own cursor, released together; results or exceptions."""
    start = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(i: int) -> None:
        cur = con.cursor()
        start.wait()
        try:
            results[i] = work[i](cur)
        except Exception as exc:  # noqa: BLE001 - the test looks at what came out
            results[i] = exc
        finally:
            cur.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def no_errors(results: list[object]) -> list[object]:
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def test_a_raw_read_then_write_loses_updates_and_the_unit_of_work_does_not(fresh_db):
    """The failure this module exists for, shown once: two bumps of one row."""
    fresh_db.execute("CREATE TABLE counter (k INTEGER PRIMARY KEY, n INTEGER)")
    fresh_db.execute("INSERT INTO counter VALUES (1, 0)")

    def bump(cur: duckdb.DuckDBPyConnection) -> None:
        n = cur.execute("SELECT n FROM counter WHERE k = 1").fetchall()[0][0]
        cur.execute("UPDATE counter SET n = ? WHERE k = 1", [n + 1])

    first, second = fresh_db.cursor(), fresh_db.cursor()  # two sessions, interleaved by hand
    for cur in (first, second):
        cur.execute("BEGIN TRANSACTION")
        cur.execute("SELECT n FROM counter WHERE k = 1").fetchall()
    first.execute("UPDATE counter SET n = n + 1 WHERE k = 1")
    with pytest.raises(duckdb.TransactionException, match="Conflict"):
        second.execute("UPDATE counter SET n = n + 1 WHERE k = 1")
    first.execute("COMMIT")
    second.execute("ROLLBACK")
    fresh_db.execute("UPDATE counter SET n = 0")
    for _ in range(ROUNDS):
        no_errors(at_once(fresh_db, *(lambda c: writes.write(c, bump),) * 2))
    assert fresh_db.execute("SELECT n FROM counter").fetchall() == [(2 * ROUNDS,)]


def test_two_admins_saving_different_settings_at_once_both_keep_their_change(fresh_db):
    for n in range(ROUNDS):
        no_errors(
            at_once(
                fresh_db,
                lambda c, n=n: settings.update_settings(c, low_balance_threshold=Decimal(n + 1)),
                lambda c, n=n: settings.update_settings(c, sender=f"+1555000{n:04d}"),
            )
        )
        saved = settings.load_settings(fresh_db)
        assert saved.low_balance_threshold == Decimal(n + 1) and saved.sender == f"+1555000{n:04d}"


def test_the_same_category_added_from_two_sessions_exists_once(fresh_db):
    for n in range(ROUNDS):
        results = no_errors(at_once(fresh_db, *(lambda c, n=n: book.add_category(c, f"vip{n}"),) * 2))
        assert sorted(results) == [False, True]
    assert book.count_categories(fresh_db) == ROUNDS


def test_one_number_opted_out_twice_and_the_list_cleared_at_once(fresh_db):
    for n in range(ROUNDS):
        phone = f"+55119876543{n:02d}"
        no_errors(at_once(fresh_db, *(lambda c, p=phone: book.suppress(c, p),) * 2))
        assert book.is_suppressed(fresh_db, phone)
    results = no_errors(
        at_once(
            fresh_db, lambda c: book.clear_suppressions(c, ADMIN), lambda c: book.clear_suppressions(c, ADMIN)
        )
    )
    assert sorted(results) == [0, ROUNDS]
    assert sorted(audit.trail(fresh_db, action="opt-out.clear")["detail"].astype(str)) == [
        '{"removed": 0}',
        f'{{"removed": {ROUNDS}}}',
    ]


def test_a_sandbox_top_up_while_messages_are_paid_keeps_every_cent(fresh_db):
    gateway = SandboxGateway(fresh_db)
    gateway.set_balance("20")
    before = gateway.balance().amount
    sends = [lambda c: SandboxGateway(c).send("+14155552671", "hello", "+15017122661") for _ in range(3)]
    top_ups = [lambda c: SandboxGateway(c).top_up("1") for _ in range(3)]
    for _ in range(3):
        no_errors(at_once(fresh_db, *sends, *top_ups))
    paid = fresh_db.execute("SELECT sum(price) FROM sandbox_messages").fetchall()[0][0]
    assert gateway.balance().amount == before + 9 - paid and paid > 0


def test_two_imports_of_one_file_at_once_store_each_contact_once(fresh_db, tmp_path: Path):
    csv = tmp_path / "team.csv"
    csv.write_text(
        "nome;telefone;categoria\n" + "".join(f"Pessoa {n};(11) 98765-{n:04d};equipe\n" for n in range(200)),
        encoding="utf-8",
    )
    results = no_errors(
        at_once(
            fresh_db,
            lambda c: import_contacts(c, csv, default_country="BR"),
            lambda c: import_contacts(c, csv, default_country="BR"),
        )
    )
    assert sorted(r.imported for r in results) == [0, 200]
    assert fresh_db.execute("SELECT count(*), count(DISTINCT phone) FROM contacts").fetchall() == [(200, 200)]
    assert fresh_db.execute("SELECT count(*) FROM contact_categories").fetchall() == [(200,)]


def test_an_account_changed_by_two_admins_at_once_ends_in_one_of_their_states(fresh_db):
    accounts.add_user(fresh_db, "boss@example.com", "admin", "correct horse", ADMIN)
    accounts.add_user(fresh_db, "ana@example.com", "viewer", "correct horse", ADMIN)
    for _ in range(ROUNDS):
        no_errors(
            at_once(
                fresh_db,
                lambda c: accounts.set_role(c, "ana@example.com", "operator", ADMIN),
                lambda c: accounts.set_disabled(c, "ana@example.com", True, ADMIN),
                lambda c: accounts.reset_password(c, "ana@example.com", "another horse", ADMIN),
            )
        )
        user = accounts.get_user(fresh_db, "ana@example.com")
        assert user.role == "operator" and user.disabled
        accounts.set_disabled(fresh_db, "ana@example.com", False, ADMIN)
        accounts.set_role(fresh_db, "ana@example.com", "viewer", ADMIN)


@pytest.mark.parametrize("wrong", [0, 3])
def test_sign_ins_of_one_account_at_once_each_count(fresh_db, wrong):
    accounts.add_user(fresh_db, "ana@example.com", "operator", "correct horse", ADMIN)
    work = [lambda c: accounts.sign_in(c, "ana@example.com", "correct horse")] * (4 - wrong) + [
        lambda c: accounts.sign_in(c, "ana@example.com", "bad guess")
    ] * wrong
    results = at_once(fresh_db, *work)
    assert sum(isinstance(r, accounts.Principal) for r in results) == 4 - wrong
    assert all(isinstance(r, (accounts.Principal, accounts.SignInError)) for r in results)
    counts = dict(fresh_db.execute("SELECT action, count(*) FROM audit GROUP BY 1").fetchall())
    assert counts.get("sign-in", 0) == 4 - wrong and counts.get("sign-in.failure", 0) == wrong


def test_a_held_batch_approved_and_rejected_at_once_ends_in_exactly_one_decision(fresh_db):
    from test_approvals import OP, OTHER, confirm, set_limits

    from smscore.access import approvals

    set_limits(fresh_db, approval_over="0.01")
    for n in range(ROUNDS):
        batch_id, _ = confirm(fresh_db, OP, 3, body=f"Hello {n}")
        results = at_once(
            fresh_db,
            lambda c: approvals.approve(c, batch_id, OTHER),
            lambda c: approvals.reject(c, batch_id, ADMIN, "too costly"),
        )
        decided = [r for r in results if not isinstance(r, Exception)]
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(decided) == 1 and len(refused) == 1
        assert isinstance(refused[0], approvals.ApprovalError)  # "not awaiting", not a conflict
        status = fresh_db.execute("SELECT status FROM batches WHERE id = ?", [batch_id]).fetchall()[0][0]
        assert status in ("frozen", approvals.REJECTED)


def test_two_admins_saving_limits_at_once_leave_one_whole_set(fresh_db):
    from smscore.access import approvals

    for n in range(ROUNDS):
        a = approvals.Limits(per_batch=Decimal(n + 1), per_day=Decimal(10 * (n + 1)))
        b = approvals.Limits(per_batch=Decimal(100 + n), per_day=Decimal(1000 + n))
        no_errors(
            at_once(
                fresh_db,
                lambda c: approvals.save_limits(c, a, ADMIN),
                lambda c: approvals.save_limits(c, b, ADMIN),
            )
        )
        assert approvals.load_limits(fresh_db) in (a, b)  # never half of each
