"""Team mode (repdrill.store.team, sql/team-setup.sql): each role's allowed and refused
operations on a real PostgreSQL, through the CLI and through raw SQL as that login.

The ``staffed`` database (tests/conftest.py) has reps ana and ben on team west and
erin on east, each with two reviews and typed answers; maria manages west; priya
writes decks; the tables belong to a non-superuser owner.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import psycopg
import pytest

import repdrill
from conftest import DECKS, TEAM_OWNER, TEAM_ROSTER, TODAY, TeamDB
from repdrill.store.team import Groups

pytestmark = pytest.mark.postgres

REFUSED = r"permission denied|row-level security|violates row-level security"


def rows(conn: Any, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    found = conn.execute(query, params).fetchall()
    conn.rollback()
    return list(found)


def changed(conn: Any, statement: str, params: Any = None) -> int:
    count = int(conn.execute(statement, params).rowcount)
    conn.rollback()
    return count


def refused(conn: Any, query: str, params: Any = None, match: str = REFUSED) -> str:
    with pytest.raises(psycopg.Error, match=match) as caught:
        conn.execute(query, params)
    conn.rollback()
    return str(caught.value)


def ids(team: TeamDB) -> dict[str, int]:
    with team.superuser() as su:
        return dict(su.execute("SELECT name, id FROM reps").fetchall())


def review_row(rep_id: int, card_id: int = 1, answer: str = "typed") -> list[Any]:
    now = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    return [str(uuid.uuid4()), rep_id, card_id, "h", "review", 4, None, answer, TODAY, now]


INSERT_REVIEW = (
    "INSERT INTO reviews (uuid, rep_id, card_id, card_hash, kind, grade, suggested_grade,"
    " answer, review_date, reviewed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# -- a rep -----------------------------------------------------------------------------


def test_a_rep_reads_and_writes_her_own_rows_only_in_raw_sql(staffed: TeamDB) -> None:
    rep = ids(staffed)
    with staffed.connect("ana") as ana:
        assert {r[0] for r in rows(ana, "SELECT rep_id FROM reviews")} == {rep["ana"]}
        assert len(rows(ana, "SELECT * FROM reviews")) == 2
        assert rows(ana, "SELECT name FROM reps") == [("ana",)]
        for table in ("card_states", "state_changes"):
            assert {r[0] for r in rows(ana, f"SELECT rep_id FROM {table}")} == {rep["ana"]}
        points = (
            "SELECT DISTINCT r.rep_id FROM review_points p JOIN reviews r ON r.id = p.review_id"
        )
        assert rows(ana, points) == [(rep["ana"],)]
        # ben's review is invisible, even by id
        with staffed.superuser() as su:
            (bens,) = su.execute(
                "SELECT id FROM reviews WHERE rep_id = %s LIMIT 1", [rep["ben"]]
            ).fetchone()
        assert rows(ana, "SELECT * FROM reviews WHERE id = %s", [bens]) == []
        assert rows(ana, "SELECT count(*) FROM review_points WHERE review_id = %s", [bens]) == [
            (0,)
        ]
        # a review as someone else fails at the database
        refused(ana, INSERT_REVIEW, review_row(rep["ben"]), "row-level security")
        ana.execute(INSERT_REVIEW, review_row(rep["ana"]))
        ana.commit()
        refused(ana, "INSERT INTO review_points VALUES (%s, 9, true)", [bens], "row-level security")
        refused(
            ana,
            "INSERT INTO state_changes VALUES (%s, %s, 1, %s, 4, 1, 250, 1, NULL)",
            [bens, rep["ana"], TODAY],
            "row-level security",
        )
        refused(ana, "INSERT INTO reps (name, created_at) VALUES ('zed', now())")
        refused(ana, "UPDATE card_states SET rep_id = %s", [rep["ben"]])
        assert (
            changed(ana, "UPDATE card_states SET lapses = 9 WHERE rep_id = %s", [rep["ben"]]) == 0
        )
        assert changed(ana, "UPDATE card_states SET lapses = 9") == 2
        # the log is append-only, and ids are the database's to choose
        refused(ana, "UPDATE reviews SET grade = 5")
        refused(ana, "DELETE FROM reviews")
        refused(ana, "TRUNCATE reviews CASCADE")
        refused(ana, "UPDATE reps SET name = 'ben2'")
        refused(
            ana,
            "INSERT INTO reviews (id, uuid, rep_id, card_id, card_hash, kind, review_date,"
            " reviewed_at) VALUES (99999, 'x', %s, 1, 'h', 'review', %s, now())",
            [rep["ana"], TODAY],
        )
        # decks and the roster of others are not hers
        refused(ana, "UPDATE decks SET title = 'x'")
        refused(ana, "INSERT INTO card_tags VALUES (1, 'x')")
        assert rows(ana, "SELECT team, rep FROM team_reps") == [("west", "ana")]
        assert rows(ana, "SELECT * FROM team_managers") == []
        # her own row locks (grades serialise); another rep's row does not
        assert rows(ana, "SELECT id FROM reps WHERE id = %s FOR UPDATE", [rep["ana"]]) == [
            (rep["ana"],)
        ]
        assert rows(ana, "SELECT id FROM reps WHERE id = %s FOR UPDATE", [rep["ben"]]) == []
        refused(ana, "UPDATE reps SET created_at = now()", match="row-level security")


def test_temp_tables_cannot_fool_the_policies(staffed: TeamDB) -> None:
    rep = ids(staffed)
    with staffed.connect("ana") as ana:
        # TEMP is not granted at all; even were it, the helpers resolve names at creation.
        refused(ana, "CREATE TEMP TABLE reps (id int, name text)")
        refused(ana, "CREATE TABLE public.reps_shadow (id int)")
        assert rows(ana, "SELECT count(*) FROM reviews WHERE rep_id = %s", [rep["ben"]]) == [(0,)]


def test_a_rep_drills_through_the_cli_as_herself(staffed: TeamDB) -> None:
    ana = staffed.cli("ana")
    recorded = ana("review", "bad-timing-next-quarter", "--grade", "4", "--json")
    assert recorded.exit_code == 0, recorded.output
    shown = json.loads(ana("card", "show", "price-too-high", "--json").stdout)
    assert shown["rep"] == "ana"
    assert [h["typed_answer"] for h in shown["history"]] == [
        "ana's secret: total cost of ownership"
    ]
    status = json.loads(ana("status", "--json").stdout)
    assert status["rep"] == "ana"
    exported = ana("log", "export").stdout.splitlines()
    assert len(exported) == 3 and all(json.loads(line)["rep"] == "ana" for line in exported)
    drilled = ana("drill", "--limit", "1", input="\n5\n")
    assert drilled.exit_code == 0, drilled.output


def test_user_naming_someone_else_is_refused_in_one_line(staffed: TeamDB) -> None:
    ana = staffed.cli("ana")
    line = one_line_error(ana("review", "no-budget", "--grade", "5", REPDRILL_USER="ben"))
    assert "--user ben is refused" in line and "'ana'" in line
    assert one_line_error(ana("--user", "ben", "status"))
    assert ana("--user", "ana", "status").exit_code == 0
    # the library refuses it too, before anything is written
    with (
        pytest.raises(repdrill.PermissionDenied, match="--user ben"),
        staffed.open("ana", user="ben") as rd,
    ):
        rd.review("no-budget", 5)
    with staffed.superuser() as su:
        assert su.execute("SELECT count(*) FROM reviews").fetchone() == (6,)


def test_the_database_refuses_a_write_as_someone_else_even_past_repdrill(
    staffed: TeamDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were repdrill's own check gone, the database would still refuse: one line, no write."""
    from repdrill.store import team

    monkeypatch.setattr(team, "identity", lambda db: team.SINGLE_USER)
    line = one_line_error(staffed.cli("ana")("--user", "ben", "review", "no-budget", "-g", "5"))
    assert "refuses this to ana" in line and ("row-level security" in line or "denied" in line)
    with staffed.superuser() as su:
        assert su.execute("SELECT count(*) FROM reviews").fetchone() == (6,)


def test_a_rep_cannot_load_decks_or_administer(staffed: TeamDB, write_deck: Any) -> None:
    ana = staffed.cli("ana")
    line = one_line_error(ana("load", str(write_deck("extra", ["x"]))))
    assert "refuses this to ana" in line and "permission denied" in line
    assert "owner" in one_line_error(ana("team", "add-rep", "zed"))
    assert one_line_error(ana("team", "setup"))


# -- a manager ----------------------------------------------------------------------------


def test_a_manager_reads_the_reps_of_their_teams_without_typed_answers(staffed: TeamDB) -> None:
    rep = ids(staffed)
    west = {rep["ana"], rep["ben"]}
    with staffed.connect("maria") as maria:
        assert {r[0] for r in rows(maria, "SELECT rep_id FROM reviews")} == west
        assert sorted(rows(maria, "SELECT name FROM reps")) == [("ana",), ("ben",)]
        for table in ("card_states", "state_changes"):
            assert {r[0] for r in rows(maria, f"SELECT rep_id FROM {table}")} == west
        refused(maria, "SELECT answer FROM reviews")
        refused(maria, "SELECT * FROM reviews")
        refused(maria, "SELECT count(*) FROM reviews WHERE answer LIKE 'ana%%'")
        refused(maria, INSERT_REVIEW, review_row(rep["ana"]))
        refused(maria, "UPDATE card_states SET lapses = 0")
        refused(maria, "DELETE FROM state_changes")
        refused(maria, "INSERT INTO reps (name, created_at) VALUES ('erin2', now())")
        refused(maria, "SELECT id FROM reps FOR UPDATE")
        refused(maria, "INSERT INTO card_tags VALUES (1, 'x')")
        assert rows(maria, "SELECT DISTINCT team FROM team_reps") == [("west",)]
        assert rows(maria, "SELECT public.repdrill_may_write('ana')") == [(False,)]


def test_a_managers_report_covers_their_teams_and_says_so(staffed: TeamDB) -> None:
    maria = staffed.cli("maria")
    result = maria("report", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["rep"] for r in report["reps"]] == ["ana", "ben"]
    assert report["scope"]["teams"] == ["west"]
    assert report["scope"]["rep_filter"] == ["ana", "ben"]
    text = maria("report").stdout
    assert "team west" in text.splitlines()[0] and "erin" not in text
    assert "team west" in maria("report", "--format", "md").stdout.splitlines()[2]
    assert "does not manage team 'east'" in one_line_error(maria("report", "--team", "east"))
    assert "not on the teams" in one_line_error(maria("report", "--rep", "erin"))
    assert "not a rep" in one_line_error(maria("review", "no-budget", "--grade", "4"))
    roster = staffed.roster(TEAM_ROSTER.replace("[erin]", "[erin, ana]"))
    assert "--roster is not read" in one_line_error(maria("report", "--roster", str(roster)))
    assert "permission denied" in one_line_error(maria("log", "export"))  # typed answers
    # the owner's --team reads the database's roster too
    east = json.loads(staffed.cli()("report", "--team", "east", "--format", "json").stdout)
    assert [r["rep"] for r in east["reps"]] == ["erin"] and east["scope"]["teams"] == ["east"]
    # health reads the team's reviews, no typed text
    assert maria("deck", "health", "--json").exit_code == 0


def test_a_manager_of_two_teams_and_one_of_none(staffed: TeamDB) -> None:
    with staffed.open() as owner:
        owner.add_manager("maria", team="east")
        owner.add_manager("nobody.yet", team="east", password="x")
        with staffed.superuser() as su:
            su.execute("DELETE FROM team_managers WHERE manager = 'nobody.yet'")
    report = json.loads(staffed.cli("maria")("report", "--format", "json").stdout)
    assert report["scope"]["teams"] == ["east", "west"]
    assert [r["rep"] for r in report["reps"]] == ["ana", "ben", "erin"]
    assert "teams east, west" in staffed.cli("maria")("report").stdout.splitlines()[0]
    assert "manages no team" in one_line_error(staffed.cli("nobody.yet")("report"))


def test_an_importer_writes_only_the_logs_of_their_teams(staffed: TeamDB) -> None:
    rep = ids(staffed)
    with staffed.open() as owner:
        owner.team_load(staffed.roster(TEAM_ROSTER.replace("[ana, ben]", "[ana, ben, carla]")))
        owner.add_manager("imp", team="west", can_import=True, password="x")
    with staffed.connect("imp") as imp:
        # a roster rep who never drilled gets her rep row from the import
        assert changed(imp, "INSERT INTO reps (name, created_at) VALUES ('carla', now())") == 1
        refused(imp, "INSERT INTO reps (name, created_at) VALUES ('zed', now())")
        assert rows(imp, "SELECT id FROM reps WHERE name = 'ana' FOR UPDATE") == [(rep["ana"],)]
        assert rows(
            imp,
            "SELECT public.repdrill_may_write('ana'), public.repdrill_may_write('erin')",
        ) == [(True, False)]
        imp.execute(INSERT_REVIEW, review_row(rep["ben"]))
        imp.rollback()
        refused(imp, INSERT_REVIEW, review_row(rep["erin"]), "row-level security")
        refused(imp, "UPDATE reviews SET grade = 1")
        refused(imp, "SELECT answer FROM reviews")


# -- an author ------------------------------------------------------------------------------


def test_an_author_loads_decks_and_reads_health_but_no_names_or_answers(
    staffed: TeamDB, write_deck: Any
) -> None:
    priya = staffed.cli("priya")
    loaded = priya("load", str(write_deck("discovery", ["one", "two"])), "--json")
    assert loaded.exit_code == 0, loaded.output
    assert priya("deck", "retire", "discovery").exit_code == 0
    health = json.loads(priya("deck", "health", "--deck", "objection-handling", "--json").stdout)
    assert health[0]["reviewed_cards"] == 2
    assert "permission denied for table reps" in one_line_error(priya("report"))
    assert "not a rep" in one_line_error(priya("review", "no-budget", "--grade", "4"))
    with staffed.connect("priya") as author:
        refused(author, "SELECT answer FROM reviews")
        refused(author, "SELECT * FROM reviews")
        assert rows(author, "SELECT count(*), count(DISTINCT rep_id) FROM reviews") == [(6, 3)]
        for table in ("review_points", "card_states", "state_changes"):
            assert rows(author, f"SELECT count(*) > 0 FROM {table}") == [(True,)]
        refused(author, "SELECT * FROM reps")
        refused(author, "DELETE FROM cards")
        refused(author, "UPDATE card_versions SET answer = 'x'")
        refused(author, "INSERT INTO review_points VALUES (1, 9, true)")
        refused(
            author,
            "INSERT INTO decks (id, slug, title, min_interval_days, new_per_day, loaded_at)"
            " VALUES (77, 'x', 'x', 1, 1, now())",
        )


PLANS = """\
id: plans
title: Plans
cards:
  - id: sso-plan
    type: fact
    prompt: Which plan is the first to include SSO?
    answer: Growth.
    choices: [Starter, Growth, Enterprise, Free]
    correct: Growth
"""


def test_deck_health_shows_picked_choices_but_never_typed_text(
    staffed: TeamDB, write_deck: Any
) -> None:
    from repdrill.choices import lettered

    plans = write_deck("plans", raw=PLANS)
    assert staffed.cli("priya")("load", str(plans)).exit_code == 0
    for rep, choice in (("ana", "Starter"), ("ben", "Starter"), ("erin", "Enterprise")):
        with staffed.open(rep) as rd:
            card = rd.card("sso-plan").card
            letter = next(x for x, i in lettered(card, rep) if card.choices[i] == choice)
            rd.review("sso-plan", 1, answer=letter)
    with staffed.superuser() as su:  # free text on a choice card, as an odd import could leave
        su.execute(
            "INSERT INTO reviews (uuid, rep_id, card_id, card_hash, kind, grade, answer,"
            " review_date, reviewed_at) SELECT gen_random_uuid()::text, r.rep_id, r.card_id,"
            " r.card_hash, 'redrill', 1, 'erin private words', r.review_date, now()"
            " FROM reviews r JOIN reps p ON p.id = r.rep_id"
            " WHERE p.name = 'erin' AND r.answer = 'Enterprise'"
        )

    def wrong(login: str) -> list[tuple[str, int, int]]:
        result = staffed.cli(login)("deck", "health", "--deck", "plans", "--json")
        assert result.exit_code == 0, result.output
        return [
            (w["choice"], w["rep_count"], w["answering_rep_count"])
            for w in json.loads(result.stdout)[0]["wrong_choices"]
        ]

    assert wrong("priya") == [("Starter", 2, 3), ("Enterprise", 1, 3)]
    assert wrong("maria") == [("Starter", 2, 2)]
    assert wrong(TEAM_OWNER)[0] == ("Starter", 2, 3)
    with staffed.connect("priya") as author:
        picked = {r[0] for r in rows(author, "SELECT answer FROM repdrill_picked_choices")}
        assert picked == {"Starter", "Enterprise"}
    with staffed.connect("maria") as manager:
        assert rows(manager, "SELECT count(*) FROM repdrill_picked_choices") == [(2,)]
    assert "permission denied" in one_line_error(staffed.cli("priya")("deck", "wordings"))


def test_a_reps_pace_and_time_off_are_hers(staffed: TeamDB) -> None:
    rep = ids(staffed)
    ana = staffed.cli("ana")
    assert ana("hold", "--until", "2026-03-09").exit_code == 0
    assert ana("config", "set", "minutes", "15").exit_code == 0
    assert staffed.cli("erin")("hold", "--until", "2026-03-05").exit_code == 0
    with staffed.connect("ana") as conn:
        assert rows(conn, "SELECT rep_id FROM holds") == [(rep["ana"],)]
        assert rows(conn, "SELECT rep_id, daily_minutes FROM rep_settings") == [(rep["ana"], 15)]
        refused(
            conn,
            "INSERT INTO holds (rep_id, starts_on, ends_on, created_at) VALUES (%s, %s, %s, now())",
            [rep["ben"], TODAY, TODAY],
            "row-level security",
        )
        refused(conn, "INSERT INTO rep_settings VALUES (%s, 1, 0, now())", [rep["ben"]])
    with staffed.connect("maria") as conn:
        assert rows(conn, "SELECT rep_id FROM holds") == [(rep["ana"],)]  # west only
        refused(conn, "SELECT * FROM rep_settings")
        refused(conn, "DELETE FROM holds")
    assert "not a rep" in one_line_error(staffed.cli("maria")("hold", "--until", "2026-03-09"))


# -- the owner, and everyone else -------------------------------------------------------------


def test_the_log_is_append_only_for_the_owner_too(staffed: TeamDB) -> None:
    with staffed.connect(TEAM_OWNER) as owner:
        assert rows(owner, "SELECT count(DISTINCT rep_id) FROM reviews") == [(3,)]
        for statement in (
            "UPDATE reviews SET grade = 0",
            "DELETE FROM reviews",
            "TRUNCATE reviews CASCADE",
            "UPDATE review_points SET hit = true",
            "DELETE FROM review_points",
            "TRUNCATE review_points",
        ):
            refused(owner, statement, match="append-only")
        refused(owner, "SET session_replication_role = replica", match="permission denied")
    # the owner still picks the rep, as in a single-user database
    result = staffed.cli()("--user", "ben", "review", "bad-timing-next-quarter", "-g", "3")
    assert result.exit_code == 0, result.output


def test_logins_outside_this_databases_groups_cannot_connect(staffed: TeamDB) -> None:
    with staffed.superuser() as su:
        su.execute("CREATE ROLE outsider LOGIN")
    with pytest.raises(psycopg.OperationalError, match="CONNECT"):
        staffed.connect("outsider").close()
    line = one_line_error(staffed.cli("outsider")("status"))
    assert "cannot open the database" in line and "secret" not in line


def test_a_second_team_database_keeps_its_people_apart(
    staffed: TeamDB, pg_server: Any, team_template: str, tmp_path: Any
) -> None:
    other = TeamDB(pg_server, f"{staffed.name}_b", tmp_path)
    with psycopg.connect(pg_server.dsn(), autocommit=True) as su:
        su.execute(f'CREATE DATABASE "{other.name}" TEMPLATE {team_template} OWNER {TEAM_OWNER}')
    try:
        with other.open() as owner:
            setup = owner.team_setup()
            assert setup.groups == Groups.for_database(other.name)
            assert setup.groups.rep != Groups.for_database(staffed.name).rep
            owner.add_rep("erin")  # the same login, a rep in both
        with pytest.raises(psycopg.OperationalError, match="CONNECT"):
            other.connect("priya").close()  # an author here is nothing there
        with other.connect("erin") as erin:
            assert rows(erin, "SELECT count(*) FROM reviews") == [(0,)]
        with other.open() as owner:
            removed = owner.team_remove("erin")
        assert not removed.dropped  # still a rep in the first database
        with staffed.connect("erin") as erin:
            assert rows(erin, "SELECT count(*) FROM reviews") == [(2,)]
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as su:
            su.execute(f'DROP DATABASE "{other.name}" WITH (FORCE)')


# -- administration ----------------------------------------------------------------------------


def _grants(team: TeamDB) -> tuple[Any, ...]:
    with team.superuser() as su:
        return tuple(
            su.execute(query).fetchall()
            for query in (
                "SELECT tablename, policyname, cmd, roles::text, qual, with_check FROM pg_policies"
                " ORDER BY 1, 2",
                "SELECT relname, relacl::text FROM pg_class"
                " WHERE relnamespace = 'public'::regnamespace ORDER BY 1",
                "SELECT attrelid::regclass::text, attname, attacl::text FROM pg_attribute"
                " WHERE attacl IS NOT NULL ORDER BY 1, 2",
                "SELECT datacl::text FROM pg_database WHERE datname = current_database()",
            )
        )


def test_setup_is_idempotent_and_only_for_the_owner(staffed: TeamDB) -> None:
    before = _grants(staffed)
    again = staffed.cli()("team", "setup", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["created_roles"] == []
    assert _grants(staffed) == before
    assert len(before[0]) > 20
    assert "owner of the repdrill tables" in one_line_error(staffed.cli("maria")("team", "setup"))
    sql = staffed.cli()("team", "setup", "--sql").stdout
    groups = Groups.for_database(staffed.name)
    assert f'TO "{groups.rep}"' in sql and "{rep}" not in sql


def test_setup_names_every_table_of_the_schema() -> None:
    from repdrill.store import tables as t
    from repdrill.store.team import setup_sql

    sql = setup_sql(Groups.for_database("repdrill"))
    for table in t.metadata.tables:
        assert f"public.{table}" in sql, f"{table} gets no grant in team setup"


def test_dry_run_writes_nothing(team_db: TeamDB) -> None:
    owner = team_db.cli()
    result = owner("team", "setup", "--dry-run")
    assert result.exit_code == 0 and "Dry run" in result.stderr
    assert "not in team mode" in one_line_error(owner("team", "list"))
    assert owner("team", "setup").exit_code == 0
    added = json.loads(owner("team", "add-rep", "zoe", "--dry-run", "--json").stdout)
    assert added["dry_run"] and added["password"] is None
    with team_db.superuser() as su:
        assert su.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'zoe'").fetchone() == (0,)


def test_add_people_passwords_and_names(team_db: TeamDB) -> None:
    owner = team_db.cli()
    assert owner("team", "setup").exit_code == 0
    created = owner("team", "add-rep", "carla.ruiz@example.com")
    assert created.exit_code == 0, created.output
    password = created.stdout.split("Password (shown only now): ")[1].strip()
    assert len(password) >= 20
    given = owner("team", "add-author", "dan-o", "--password-stdin", "--json", input="s3cret!\n")
    assert json.loads(given.stdout)["password"] is None
    with team_db.superuser() as su:
        stored = dict(
            su.execute(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s)",
                [["carla.ruiz@example.com", "dan-o"]],
            ).fetchall()
        )
        assert all(v.startswith("SCRAM-SHA-256$") for v in stored.values())
        assert password not in stored["carla.ruiz@example.com"]
        su.execute("CREATE ROLE dba LOGIN")
    with team_db.connect("carla.ruiz@example.com") as carla:
        assert rows(carla, "SELECT current_user, public.repdrill_my_rep_id() IS NOT NULL") == [
            ("carla.ruiz@example.com", True)
        ]
    for name, message in [
        ("x" * 60 + "@éé", "longer than 63 bytes"),
        ("pg_evil", "reserved"),
        ("repdrill_rep", "reserved"),
        ("two words", "no spaces"),
        ("ana\u200b", "ZERO WIDTH SPACE"),
        (TEAM_OWNER, "not created by repdrill"),
        ("postgres", "not created by repdrill"),
        ("dba", "not created by repdrill"),
    ]:
        assert message in one_line_error(owner("team", "add-rep", name)), name
    assert "no team 'north'" in one_line_error(owner("team", "add-manager", "m", "--team", "north"))


def test_a_reps_login_never_also_manages_or_authors(staffed: TeamDB) -> None:
    owner = staffed.cli()
    assert "own login" in one_line_error(owner("team", "add-manager", "ana", "--team", "west"))
    assert "own login" in one_line_error(owner("team", "add-author", "ana"))
    assert "own login" in one_line_error(owner("team", "add-rep", "maria"))
    # a manager who also writes decks is fine: neither reads typed answers
    assert owner("team", "add-author", "maria").exit_code == 0


def test_remove_ends_access_at_once_and_keeps_history(staffed: TeamDB) -> None:
    with staffed.connect("ben") as ben:
        assert rows(ben, "SELECT count(*) FROM reviews") == [(2,)]
        removed = json.loads(staffed.cli()("team", "remove", "ben", "--json").stdout)
        assert removed == {"login": "ben", "roles": ["rep"], "dropped": True, "dry_run": False}
        refused(ben, "SELECT count(*) FROM reviews")
    with pytest.raises(psycopg.OperationalError):
        staffed.connect("ben").close()
    report = json.loads(staffed.cli("maria")("report", "--format", "json").stdout)
    assert {r["rep"]: r["reviews"] for r in report["reps"]}["ben"] == 2
    assert staffed.cli()("team", "remove", "maria").exit_code == 0
    with staffed.superuser() as su:
        assert su.execute("SELECT count(*) FROM team_managers").fetchone() == (0,)
    assert "no login" in one_line_error(staffed.cli()("team", "remove", "ben"))
    assert "not created by repdrill" in one_line_error(staffed.cli()("team", "remove", TEAM_OWNER))


def test_team_list_and_roster_load(staffed: TeamDB) -> None:
    owner = staffed.cli()
    listing = json.loads(owner("team", "list", "--json").stdout)
    people = {p["login"]: (p["roles"], p["teams"]) for p in listing["people"]}
    assert people == {
        "ana": (["rep"], ["west"]),
        "ben": (["rep"], ["west"]),
        "erin": (["rep"], ["east"]),
        "maria": (["manager"], ["west"]),
        "priya": (["author"], []),
    }
    text = owner("team", "list").stdout
    assert "maria" in text and "west" in text
    changed = staffed.roster(
        """\
        teams:
          - name: west
            manager: maria
            reps: [ana, carla]
        """
    )
    preview = json.loads(owner("team", "load", str(changed), "--dry-run", "--json").stdout)
    assert preview["dry_run"] and {(c["action"], c["name"]) for c in preview["changes"]} == {
        ("remove_team", None),
        ("remove_rep", "ben"),
        ("add_rep", "carla"),
    }
    assert json.loads(owner("team", "list", "--json").stdout) == listing
    assert owner("team", "load", str(changed)).exit_code == 0
    report = json.loads(staffed.cli("maria")("report", "--format", "json").stdout)
    assert [r["rep"] for r in report["reps"]] == ["ana", "carla"]
    assert "owner" in one_line_error(staffed.cli("maria")("team", "load", str(changed)))


def test_log_import_writes_only_what_the_login_may_write(staffed: TeamDB, tmp_path: Any) -> None:
    everyone = staffed.cli()("log", "export").stdout
    assert len(everyone.splitlines()) == 6
    with staffed.superuser() as su:
        su.execute("ALTER TABLE reviews DISABLE TRIGGER reviews_no_delete")
        su.execute("ALTER TABLE review_points DISABLE TRIGGER review_points_no_delete")
        su.execute("DELETE FROM state_changes; DELETE FROM card_states;")
        su.execute("DELETE FROM review_points; DELETE FROM reviews;")
        su.execute("ALTER TABLE reviews ENABLE TRIGGER reviews_no_delete")
        su.execute("ALTER TABLE review_points ENABLE TRIGGER review_points_no_delete")
    log = tmp_path / "everyone.jsonl"
    log.write_text(everyone)
    as_ana = staffed.cli("ana")("log", "import", str(log), "--json")
    assert as_ana.exit_code == 1
    result = json.loads(as_ana.stdout)
    assert (result["imported"], result["refused"], result["refused_reps"]) == (
        2,
        4,
        ["ben", "erin"],
    )
    assert (
        "Skipped 4 review(s) of ben, erin" in staffed.cli("ana")("log", "import", str(log)).stderr
    )
    strict = json.loads(staffed.cli("ben")("log", "import", "--strict", str(log), "--json").stdout)
    assert not strict["written"] and strict["imported"] == 0
    with staffed.open() as owner:
        owner.add_manager("imp", team="west", can_import=True, password="x")
    as_importer = json.loads(staffed.cli("imp")("log", "import", str(log), "--json").stdout)
    assert (as_importer["imported"], as_importer["duplicates"], as_importer["refused_reps"]) == (
        2,
        2,
        ["erin"],
    )
    as_owner = json.loads(staffed.cli()("log", "import", str(log), "--json").stdout)
    assert (as_owner["imported"], as_owner["refused"]) == (2, 0)
    check = json.loads(staffed.cli()("db", "check", "--json").stdout)
    assert check["ok"] and check["states_checked"] == 6


def test_harden_lets_only_a_superuser_undo_the_protection(staffed: TeamDB) -> None:
    assert "superuser" in one_line_error(staffed.cli()("team", "harden"))
    sql = staffed.cli()("team", "harden", "--sql")
    assert "CREATE EVENT TRIGGER repdrill_guard_log" in sql.stdout
    superuser = repdrill.open(staffed.server.url(staffed.name), today=TODAY)
    with superuser:
        assert superuser.team_harden().to_json() == {"hardened": True, "dry_run": False}
    with staffed.connect(TEAM_OWNER) as owner:
        for statement in (
            "DROP TRIGGER reviews_no_update ON reviews",
            "ALTER TABLE reviews DISABLE TRIGGER reviews_no_delete",
            "ALTER TABLE reviews ALTER COLUMN session TYPE text USING ''",
            "DROP TABLE review_points CASCADE",
        ):
            refused(owner, statement, match="append-only")
        refused(
            owner,
            "CREATE OR REPLACE FUNCTION repdrill_append_only() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            match="must be owner",
        )
        owner.execute("ALTER TABLE decks ADD COLUMN note text")  # other DDL still works
        owner.rollback()
    assert staffed.cli()("team", "setup").exit_code == 0  # setup still runs again
    check = json.loads(staffed.cli()("db", "check", "--json").stdout)
    assert check["hardened"] and check["ok"]


def test_a_superuser_may_run_the_team_commands_for_an_owner_without_createrole(
    team_db: TeamDB,
) -> None:
    with team_db.superuser() as su:
        su.execute(f"ALTER ROLE {TEAM_OWNER} NOCREATEROLE")
    try:
        owner = team_db.cli()
        assert "CREATEROLE" in one_line_error(owner("team", "setup"))
        superuser = TeamDB(team_db.server, team_db.name, team_db.tmp_path)
        as_postgres = superuser.cli(team_db.server.user)
        assert as_postgres("team", "setup").exit_code == 0
        assert as_postgres("team", "add-rep", "ana").exit_code == 0
        assert "CREATEROLE" in one_line_error(owner("team", "add-rep", "ben"))
        assert owner("team", "setup").exit_code == 0  # the owner keeps it up to date
        with team_db.connect("ana") as ana:
            assert rows(ana, "SELECT name FROM reps") == [("ana",)]
    finally:
        with team_db.superuser() as su:
            su.execute(f"ALTER ROLE {TEAM_OWNER} CREATEROLE")


def test_createrole_on_postgresql_15_is_nearly_superuser(team_db: TeamDB) -> None:
    """The caveat docs/team-mode.md gives: a CREATEROLE owner can grant itself server programs."""
    with team_db.connect(TEAM_OWNER) as owner:
        owner.execute(f"GRANT pg_execute_server_program TO {TEAM_OWNER}")
        owner.rollback()


@pytest.mark.slow
def test_the_policies_use_the_rep_id_index(staffed: TeamDB) -> None:
    rep = ids(staffed)
    with staffed.superuser() as su:
        su.execute(
            "INSERT INTO reviews (uuid, rep_id, card_id, card_hash, kind, grade, review_date,"
            " reviewed_at) SELECT gen_random_uuid()::text, %s, 1, 'h', 'cram', 3,"
            " DATE '2025-01-01' + (g %% 365), now() FROM generate_series(1, 20000) g",
            [rep["ben"]],
        )
        su.execute("ANALYZE")
    query = "EXPLAIN (COSTS OFF) SELECT id, rep_id FROM reviews WHERE review_date >= '2026-01-01'"
    plans = {}
    for login in ("ana", "maria"):
        with staffed.connect(login) as conn:
            plans[login] = "\n".join(r[0] for r in rows(conn, query))
    # once per statement (an InitPlan), never once per row (a SubPlan)
    assert all("InitPlan" in plan and "SubPlan" not in plan for plan in plans.values()), plans
    assert "Index Cond: ((rep_id = $0)" in plans["ana"], plans["ana"]


def test_team_commands_need_postgresql(plain_cli: Any) -> None:
    for command in (["team", "setup"], ["team", "add-rep", "ana"], ["team", "list"]):
        assert "needs PostgreSQL" in one_line_error(plain_cli(*command))


def test_only_the_owner_upgrades_a_team_database_and_then_grants_again(
    staffed: TeamDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from repdrill.store import team
    from repdrill.store.engine import Database
    from repdrill.store.migrations import head_revision

    with staffed.superuser() as su:
        su.execute("UPDATE alembic_version SET version_num = '0003'")
        su.execute(f'REVOKE SELECT ON teams FROM "{Groups.for_database(staffed.name).rep}"')
    line = one_line_error(staffed.cli("ana")("status"))
    assert "revision 0003" in line and "owner" in line

    head = head_revision()

    def migrate(db: Database) -> None:  # stands in for a future migration
        with db.transaction(write=True) as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})

    refreshed: list[bool] = []
    real = team.refresh_after_upgrade
    monkeypatch.setattr(Database, "migrate", migrate)
    monkeypatch.setattr(
        team, "refresh_after_upgrade", lambda db: refreshed.append(True) or real(db)
    )
    assert staffed.cli()("status").exit_code == 0
    assert refreshed == [True]
    with staffed.connect("ana") as ana:
        assert rows(ana, "SELECT name FROM teams") == [("west",)]  # granted again


def test_downgrading_below_the_roster_ends_team_mode(staffed: TeamDB) -> None:
    from sqlalchemy import create_engine

    from repdrill.store.migrations import downgrade, upgrade

    engine = create_engine(staffed.url())
    downgrade(engine, "0003")  # below the roster
    with staffed.connect("ana") as ana:
        refused(ana, "SELECT count(*) FROM reviews")
    upgrade(engine, "head")
    engine.dispose()
    with staffed.open() as owner:
        assert not owner.identity.team_mode
        owner.team_setup()
    with staffed.connect("ana") as ana:
        assert rows(ana, "SELECT count(*) FROM reviews") == [(2,)]


def test_the_documented_walkthrough_roster_is_the_fixtures(staffed: TeamDB) -> None:
    doc = (DECKS.parent / "docs" / "team-mode.md").read_text()
    for line in TEAM_ROSTER.splitlines():
        assert line.strip() in doc
