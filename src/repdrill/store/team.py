"""Team mode on PostgreSQL: who may do what, enforced by the database itself.

``repdrill team setup`` (run by the owner of the tables) creates four group
roles for this database and the grants and row-level security policies that
keep each person in their lane (``sql/team-setup.sql``). Each person then
logs in as their own role:

- a **rep** reads and writes her own reviews and states, and reads decks;
- a **manager** reads what a report needs about the reps of the teams they
  manage (the roster, loaded from ``teams.yaml``), typed answers excepted,
  and writes nothing; an **importer** is a manager who may also import the
  logs of those reps;
- an **author** loads and retires decks and reads deck health: every rep's
  reviews, without names and without typed answers;
- the **owner** of the tables does everything, as in a single-user database.

In team mode the rep is the connection's role (:class:`Identity`). A
database where setup never ran, and every SQLite file, is a single-user
database as before. Every function takes a connection in a transaction the
caller owns (and rolls back for ``--dry-run``).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Date, Integer, MetaData, String, Table, Text, text

from repdrill._text import one_line
from repdrill.config import rep_name_problem
from repdrill.errors import ConfigError, NotFound, PermissionDenied, TeamError
from repdrill.store import tables as t
from repdrill.store.engine import Database

if TYPE_CHECKING:
    from repdrill.decks.roster import Roster

#: What a login may be in a team database, and the suffix of each group role.
KINDS = ("rep", "manager", "importer", "author")
#: PostgreSQL cuts longer identifiers (with only a notice): a login longer
#: than this would never equal its rep's name.
MAX_NAME_BYTES = 63
#: Set on every login repdrill creates; only those are changed or dropped.
LOGIN_COMMENT = "repdrill login"
_RESERVED = {"public", "none", "current_user", "session_user", "current_role", "all"}
_DATABASE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


# -- groups and identity -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Groups:
    """The four group roles of one team database.

    Role names are shared by every database on a server, privileges are not:
    the groups carry the database's name (``repdrill_rep`` for a database
    named ``repdrill``, ``repdrill_sales_rep`` for ``sales``), so that a rep
    or author of one repdrill database is nothing in another.
    """

    rep: str
    manager: str
    importer: str
    author: str

    @classmethod
    def for_database(cls, database: str) -> Groups:
        if not _DATABASE_NAME.match(database):
            raise TeamError(
                f"team mode needs a database name of letters, digits, '_', '-' or '.' "
                f"(its group roles are named after it), not '{database}'"
            )
        prefix = database if database.lower().startswith("repdrill") else f"repdrill_{database}"
        groups = cls(*(f"{prefix}_{kind}" for kind in KINDS))
        if len(groups.importer.encode()) > MAX_NAME_BYTES:
            raise TeamError(
                f"the database name '{database}' is too long for its group role names "
                f"({groups.importer} is over {MAX_NAME_BYTES} bytes)"
            )
        return groups

    def of(self, kind: str) -> str:
        name: str = getattr(self, kind)
        return name

    def items(self) -> Iterator[tuple[str, str]]:
        for kind in KINDS:
            yield kind, self.of(kind)

    def kind_of(self, role: str) -> str | None:
        return next((kind for kind, name in self.items() if name == role), None)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a connection is, and what team mode lets it do.

    ``owner`` is true for the owner of the tables (or a member of that role,
    or a superuser), and always in a single-user database. ``kinds`` are the
    groups the login belongs to in this database (an importer is a manager too).
    """

    role: str | None
    team_mode: bool = False
    owner: bool = True
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def restricted(self) -> bool:
        """True when the database, not repdrill, decides what this login sees."""
        return self.team_mode and not self.owner

    def describe(self) -> str:
        return describe_roles(self.kinds)


def describe_roles(kinds: Iterable[str]) -> str:
    """``a rep``, ``a manager and an author``, ``an importer``: for messages."""
    present = set(kinds)
    if "importer" in present:
        present.discard("manager")
    words = [f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}" for kind in KINDS if kind in present]
    return " and ".join(words) or "no repdrill role"


#: Every SQLite file, and a PostgreSQL database where team setup never ran.
SINGLE_USER = Identity(role=None)


def identity(db: Database) -> Identity:
    """Who this connection is: one query on PostgreSQL, none on SQLite."""
    if db.dialect != "postgresql":
        return SINGLE_USER
    with db.transaction() as conn:
        role, team_mode, owner = conn.execute(
            text(
                "SELECT current_user::text,"
                " to_regprocedure('public.repdrill_groups()') IS NOT NULL,"
                " COALESCE((SELECT pg_has_role(current_user, c.relowner, 'USAGE')"
                "   FROM pg_class c WHERE c.oid = to_regclass('public.reviews')), true)"
            )
        ).one()
        if not team_mode:
            return Identity(role=role)
        kinds = conn.scalars(
            text(
                "SELECT g.kind FROM public.repdrill_groups() g"
                " JOIN pg_roles r ON r.rolname = g.role_name"
                " WHERE pg_has_role(current_user, r.oid, 'USAGE')"
            )
        )
        return Identity(role=role, team_mode=True, owner=bool(owner), kinds=frozenset(kinds))


def team_groups(conn: Connection) -> Groups | None:
    """The groups ``team setup`` made for this database, or ``None`` when it never ran."""
    if conn.dialect.name != "postgresql":
        return None
    if not conn.scalar(text("SELECT to_regprocedure('public.repdrill_groups()') IS NOT NULL")):
        return None
    rows = conn.execute(text("SELECT kind, role_name FROM public.repdrill_groups()"))
    names: dict[str, str] = {str(kind): str(role) for kind, role in rows}
    return Groups(*(names[kind] for kind in KINDS))


def _postgresql(conn: Connection, command: str) -> None:
    if conn.dialect.name != "postgresql":
        raise ConfigError(
            f"{command} needs PostgreSQL: SQLite has no roles, so a SQLite file is one "
            "person's database (point --db at postgresql+psycopg://...)"
        )


def _require_owner(conn: Connection, command: str) -> Groups:
    """This database's groups, when the connection may administer its team."""
    _postgresql(conn, command)
    groups = team_groups(conn)
    if groups is None:
        raise TeamError("this database is not in team mode yet: run 'repdrill team setup' first")
    if not _is_owner(conn):
        raise PermissionDenied(
            f"{command} is for the owner of the repdrill tables; "
            f"{conn.scalar(text('SELECT current_user'))} is not"
        )
    return groups


def _is_owner(conn: Connection) -> bool:
    return bool(
        conn.scalar(
            text(
                "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class"
                " WHERE oid = 'public.reviews'::regclass"
            )
        )
    )


# -- running SQL through the driver ---------------------------------------------------


def _driver(conn: Connection) -> Any:
    """The psycopg connection under ``conn``, in the same transaction."""
    return conn.connection.driver_connection


def _execute(conn: Connection, query: Any, params: Any = None) -> Any:
    """Run DDL (which takes no bind parameters) through psycopg, with one-line errors."""
    import psycopg

    try:
        return _driver(conn).execute(query, params)
    except psycopg.errors.InsufficientPrivilege as error:
        raise PermissionDenied(_hint(_first_line(error))) from None
    except psycopg.Error as error:
        raise TeamError(_first_line(error)) from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _hint(message: str) -> str:
    if "create role" in message or "admin option" in message or "CREATEROLE" in message:
        return (
            f"{message}: adding and removing logins needs CREATEROLE; a superuser runs "
            "ALTER ROLE <owner> CREATEROLE (read the PostgreSQL 15 caveat in docs/team-mode.md)"
        )
    return message


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- team setup -------------------------------------------------------------------------


def _sql(name: str) -> str:
    return files("repdrill.store").joinpath("sql", name).read_text(encoding="utf-8")


def setup_sql(groups: Groups) -> str:
    """``sql/team-setup.sql`` with this database's group roles filled in."""
    values: dict[str, str] = {}
    for kind, role in groups.items():
        values[kind] = _ident(role)
        values[f"{kind}_text"] = _literal(role)
    return _sql("team-setup.sql").format(**values)


def harden_sql() -> str:
    """``sql/team-harden.sql``: the superuser's part, the same for every database."""
    return _sql("team-harden.sql")


def setup_groups(conn: Connection) -> Groups:
    """The groups a setup of this database uses: the ones it has, else new ones."""
    _postgresql(conn, "team setup")
    existing = team_groups(conn)
    if existing is not None:
        return existing
    return Groups.for_database(str(conn.scalar(text("SELECT current_database()"))))


@dataclass(frozen=True, slots=True)
class TeamSetup:
    """What ``team setup`` did: the groups of this database, and what it had to create."""

    database: str
    groups: Groups
    created_roles: tuple[str, ...]
    warnings: tuple[str, ...]
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "database": self.database,
            **{f"{kind}_group": role for kind, role in self.groups.items()},
            "created_roles": list(self.created_roles),
            "warnings": list(self.warnings),
            "dry_run": self.dry_run,
        }


def setup(conn: Connection, *, dry_run: bool = False) -> TeamSetup:
    """Create or refresh this database's groups, grants, functions and policies."""
    groups = setup_groups(conn)
    names = [role for _, role in groups.items()]
    existing = set(
        conn.scalars(
            text("SELECT rolname::text FROM pg_roles WHERE rolname = ANY(:names)"), {"names": names}
        )
    )
    warnings: list[str] = []

    def notice(diagnostic: Any) -> None:
        if diagnostic.severity_nonlocalized == "WARNING" and diagnostic.message_primary:
            warnings.append(diagnostic.message_primary)

    driver = _driver(conn)
    driver.add_notice_handler(notice)
    try:
        # No parameters: psycopg sends the whole script as one simple query.
        _execute(conn, setup_sql(groups))
    finally:
        driver.remove_notice_handler(notice)
    return TeamSetup(
        database=str(conn.scalar(text("SELECT current_database()"))),
        groups=groups,
        created_roles=tuple(n for n in names if n not in existing),
        warnings=tuple(warnings),
        dry_run=dry_run,
    )


def refresh_after_upgrade(db: Database) -> None:
    """Grant the tables and columns a migration added: run setup again (team mode only)."""
    with db.transaction(write=True) as conn:
        if team_groups(conn) is not None:
            setup(conn)


@dataclass(frozen=True, slots=True)
class Hardened:
    """``team harden`` ran: only a superuser can now undo the log's protection."""

    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {"hardened": True, "dry_run": self.dry_run}


def harden(conn: Connection, *, dry_run: bool = False) -> Hardened:
    _postgresql(conn, "team harden")
    if not conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        raise PermissionDenied(
            "team harden needs a superuser connection (--db with a superuser), or a "
            "superuser runs: repdrill team harden --sql | psql -1 -v ON_ERROR_STOP=1 -d DB -f -"
        )
    _execute(conn, harden_sql())
    return Hardened(dry_run)


def is_hardened(conn: Connection) -> bool:
    return bool(
        conn.scalar(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_event_trigger"
                " WHERE evtname = 'repdrill_guard_log' AND evtenabled <> 'D')"
            )
        )
    )


# -- people -------------------------------------------------------------------------------


def check_login_name(name: str) -> str:
    """Refuse names PostgreSQL would change or reserve, or that no rep could use.

    A login is a rep's name in team mode, so the rule for rep names comes first.
    """
    problem = rep_name_problem(name)
    if problem:
        raise TeamError(f"{one_line(repr(name))} is not a usable login name: {problem}")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise TeamError(
            f"'{name}' is longer than {MAX_NAME_BYTES} bytes: PostgreSQL would cut the "
            "login name short and it would no longer match the rep"
        )
    if name.startswith("pg_") or name.lower() in _RESERVED or name.startswith("repdrill_"):
        raise TeamError(f"'{name}' is a reserved role name; choose another login name")
    return name


@dataclass(frozen=True, slots=True)
class _Role:
    name: str
    ours: bool
    plain: bool
    member_of: tuple[str, ...]


def _role(conn: Connection, name: str) -> _Role | None:
    row = conn.execute(
        text(
            "SELECT r.rolname::text, shobj_description(r.oid, 'pg_authid'),"
            " r.rolcanlogin AND NOT (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole"
            "   OR r.rolcreatedb OR r.rolreplication),"
            " ARRAY(SELECT g.rolname::text FROM pg_auth_members m"
            "   JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1)"
            " FROM pg_roles r WHERE r.rolname = :name"
        ),
        {"name": name},
    ).first()
    if row is None:
        return None
    return _Role(row[0], row[1] == LOGIN_COMMENT, bool(row[2]), tuple(row[3]))


def _kinds(groups: Groups, member_of: Iterable[str]) -> set[str]:
    kinds = {kind for role in member_of if (kind := groups.kind_of(role))}
    if "importer" in kinds:
        kinds.add("manager")
    return kinds


def _ordered(kinds: Iterable[str]) -> tuple[str, ...]:
    present = set(kinds)
    return tuple(kind for kind in KINDS if kind in present)


@dataclass(frozen=True, slots=True)
class LoginAdded:
    """What ``team add-rep``, ``add-manager`` or ``add-author`` did."""

    login: str
    roles: tuple[str, ...]
    login_created: bool
    password: str | None
    team: str | None
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "login": self.login,
            "roles": list(self.roles),
            "login_created": self.login_created,
            "password": self.password,
            "team": self.team,
            "dry_run": self.dry_run,
        }


def add_person(
    conn: Connection,
    name: str,
    kind: str,
    *,
    now: dt.datetime,
    team: str | None = None,
    can_import: bool = False,
    password: str | None = None,
    dry_run: bool = False,
) -> LoginAdded:
    """Create (or reuse) a login and give it one role in this database.

    A new login gets ``password``, else a generated one that is returned once.
    Only the SCRAM verifier, computed here, reaches the server and its logs.
    """
    groups = _require_owner(conn, f"team add-{kind}")
    check_login_name(name)
    if (
        team is not None
        and conn.scalar(text("SELECT count(*) FROM teams WHERE name = :team"), {"team": team}) == 0
    ):
        raise NotFound(
            f"no team '{team}' in this database's roster; "
            "load it first: repdrill team load teams.yaml"
        )
    role = _role(conn, name)
    if role is not None and (not role.ours or not role.plain):
        raise PermissionDenied(
            f"a role named '{name}' exists and was not created by repdrill; refusing to change it"
        )
    before = _kinds(groups, role.member_of) if role else set()
    conflict = before - {"rep"} if kind == "rep" else before & {"rep"}
    if conflict:
        raise TeamError(
            f"'{name}' is already {describe_roles(conflict)} in this database, and a "
            "rep's login cannot also manage or author: the database grants columns per login, "
            "not per row, so it would read other reps' typed answers; give the second role "
            f"its own login (for example {name}.lead)"
        )
    generated = None
    if role is None:
        if password is None:
            password = generated = secrets.token_urlsafe(18)
        _execute(
            conn,
            f"CREATE ROLE {_ident(name)} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE "
            f"NOREPLICATION NOBYPASSRLS PASSWORD {_literal(_verifier(conn, name, password))}",
        )
        _execute(conn, f"COMMENT ON ROLE {_ident(name)} IS {_literal(LOGIN_COMMENT)}")
    elif password is not None:
        _execute(
            conn, f"ALTER ROLE {_ident(name)} PASSWORD {_literal(_verifier(conn, name, password))}"
        )
    group = groups.importer if kind == "manager" and can_import else groups.of(kind)
    if group not in (role.member_of if role else ()):
        _execute(conn, f"GRANT {_ident(group)} TO {_ident(name)}")
    if kind == "rep":
        conn.execute(
            text(
                "INSERT INTO reps (name, created_at) VALUES (:name, :now)"
                " ON CONFLICT (name) DO NOTHING"
            ),
            {"name": name, "now": now},
        )
    if kind == "manager" and team is not None:
        conn.execute(
            text(
                "INSERT INTO team_managers (team, manager) VALUES (:team, :name)"
                " ON CONFLICT DO NOTHING"
            ),
            {"team": team, "name": name},
        )
    after = _kinds(groups, [*(role.member_of if role else ()), group])
    return LoginAdded(
        login=name,
        roles=_ordered(after),
        login_created=role is None,
        password=None if dry_run else generated,
        team=team,
        dry_run=dry_run,
    )


def _verifier(conn: Connection, name: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed by libpq on this side."""
    if not password or "\n" in password:
        raise TeamError("a password must be one non-empty line")
    verifier: bytes = _driver(conn).pgconn.encrypt_password(
        password.encode(), name.encode(), b"scram-sha-256"
    )
    return verifier.decode()


@dataclass(frozen=True, slots=True)
class LoginRemoved:
    """What ``team remove`` did. The rep's history and the roster stay."""

    login: str
    roles: tuple[str, ...]
    dropped: bool
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "login": self.login,
            "roles": list(self.roles),
            "dropped": self.dropped,
            "dry_run": self.dry_run,
        }


def remove_person(conn: Connection, name: str, *, dry_run: bool = False) -> LoginRemoved:
    """Take a login's roles in this database away, and drop it if it has no other.

    A session the person still has open is refused at its next statement.
    The rep's reviews, states and roster entries stay; a manager's rows in
    the roster go. A login that is also in another repdrill database keeps
    that role and its password.
    """
    groups = _require_owner(conn, "team remove")
    role = _role(conn, name)
    if role is None:
        raise NotFound(f"no login '{name}' on this server")
    if not role.ours:
        raise PermissionDenied(f"'{name}' was not created by repdrill; refusing to remove it")
    ours = [g for g in role.member_of if groups.kind_of(g)]
    if not ours:
        raise NotFound(f"'{name}' has no role in this database")
    conn.execute(text("DELETE FROM team_managers WHERE manager = :name"), {"name": name})
    for group in ours:
        _execute(conn, f"REVOKE {_ident(group)} FROM {_ident(name)}")
    dropped = len(ours) == len(role.member_of)
    if dropped:
        _execute(conn, f"DROP ROLE {_ident(name)}")
    return LoginRemoved(name, _ordered(_kinds(groups, ours)), dropped, dry_run)


@dataclass(frozen=True, slots=True)
class Person:
    login: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"login": self.login, "roles": list(self.roles), "teams": list(self.teams)}


@dataclass(frozen=True, slots=True)
class RosterTeam:
    team: str
    members: tuple[str, ...]
    managers: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"team": self.team, "members": list(self.members), "managers": list(self.managers)}


@dataclass(frozen=True, slots=True)
class TeamList:
    """``team list``: every login with a role in this database, and the roster."""

    groups: Groups
    people: tuple[Person, ...]
    roster: tuple[RosterTeam, ...]

    def to_json(self) -> dict[str, object]:
        return {
            **{f"{kind}_group": role for kind, role in self.groups.items()},
            "people": [p.to_json() for p in self.people],
            "roster": [t.to_json() for t in self.roster],
        }


def team_list(conn: Connection) -> TeamList:
    """Who has which role here, and the teams they are on or manage (as the role may see)."""
    _postgresql(conn, "team list")
    groups = team_groups(conn)
    if groups is None:
        raise TeamError("this database is not in team mode yet: run 'repdrill team setup' first")
    memberships: dict[str, set[str]] = defaultdict(set)
    for login, group in conn.execute(
        text(
            "SELECT m.rolname::text, g.rolname::text FROM pg_auth_members a"
            " JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member"
            " WHERE m.rolcanlogin AND g.rolname = ANY(:groups)"
        ),
        {"groups": [role for _, role in groups.items()]},
    ):
        memberships[login].add(group)
    members: dict[str, list[str]] = defaultdict(list)
    managers: dict[str, list[str]] = defaultdict(list)
    teams_of: dict[str, set[str]] = defaultdict(set)
    names = list(conn.scalars(text("SELECT name FROM teams ORDER BY name")))
    for team, rep in conn.execute(text("SELECT team, rep FROM team_reps ORDER BY team, rep")):
        members[team].append(rep)
        teams_of[rep].add(team)
    for team, manager in conn.execute(
        text("SELECT team, manager FROM team_managers ORDER BY team, manager")
    ):
        managers[team].append(manager)
        teams_of[manager].add(team)
    people = tuple(
        Person(login, _ordered(_kinds(groups, grouped)), tuple(sorted(teams_of[login])))
        for login, grouped in sorted(memberships.items())
    )
    roster = tuple(RosterTeam(n, tuple(members[n]), tuple(managers[n])) for n in names)
    return TeamList(groups, people, roster)


# -- the roster -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterChange:
    team: str
    action: str
    name: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"team": self.team, "action": self.action, "name": self.name}

    def __str__(self) -> str:
        verb, what = self.action.split("_", 1)
        done = "added" if verb == "add" else "removed"
        if self.name is None:
            return f"{done} team {self.team}"
        return f"{done} {what} {self.name} {'to' if verb == 'add' else 'from'} {self.team}"


@dataclass(frozen=True, slots=True)
class RosterLoad:
    """What ``team load`` changed in the database's roster."""

    path: str
    teams: tuple[str, ...]
    changes: tuple[RosterChange, ...]
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "teams": list(self.teams),
            "changes": [c.to_json() for c in self.changes],
            "dry_run": self.dry_run,
        }


def load_roster(conn: Connection, roster: Roster, *, dry_run: bool = False) -> RosterLoad:
    """Make the database's teams and their reps equal the roster file.

    A team whose entry names a ``manager`` gets exactly that manager; the
    managers of a team without one (added with ``team add-manager``) stay.
    A team no longer in the file goes, with its reps and managers.
    """
    _require_owner(conn, "team load")
    for team in roster.teams:
        for name in (*team.reps, *([team.manager] if team.manager else [])):
            if len(name.encode()) > MAX_NAME_BYTES:
                raise TeamError(
                    f"{roster.path}: team '{team.name}': '{name}' is longer than "
                    f"{MAX_NAME_BYTES} bytes, so no login could match it"
                )
    changes: list[RosterChange] = []
    have = set(conn.scalars(text("SELECT name FROM teams")))
    wanted = {team.name: team for team in roster.teams}
    for gone in sorted(have - set(wanted)):
        conn.execute(text("DELETE FROM teams WHERE name = :team"), {"team": gone})
        changes.append(RosterChange(gone, "remove_team"))
    for name, team in wanted.items():
        if name not in have:
            conn.execute(text("INSERT INTO teams (name) VALUES (:team)"), {"team": name})
            changes.append(RosterChange(name, "add_team"))
        changes += _sync(conn, "team_reps", "rep", name, set(team.reps), "rep")
        if team.manager is not None:
            changes += _sync(conn, "team_managers", "manager", name, {team.manager}, "manager")
    return RosterLoad(roster.path, tuple(wanted), tuple(changes), dry_run)


def _sync(
    conn: Connection, table: str, column: str, team: str, wanted: set[str], what: str
) -> list[RosterChange]:
    have = set(
        conn.scalars(text(f"SELECT {column} FROM {table} WHERE team = :team"), {"team": team})
    )
    changes = []
    for name in sorted(have - wanted):
        conn.execute(
            text(f"DELETE FROM {table} WHERE team = :team AND {column} = :name"),
            {"team": team, "name": name},
        )
        changes.append(RosterChange(team, f"remove_{what}", name))
    for name in sorted(wanted - have):
        conn.execute(
            text(f"INSERT INTO {table} (team, {column}) VALUES (:team, :name)"),
            {"team": team, "name": name},
        )
        changes.append(RosterChange(team, f"add_{what}", name))
    return changes


def roster_team(conn: Connection, team: str) -> tuple[str, ...]:
    """The reps of one team in the database's roster (as this role may see it)."""
    if not conn.scalar(text("SELECT count(*) FROM teams WHERE name = :team"), {"team": team}):
        known = ", ".join(conn.scalars(text("SELECT name FROM teams ORDER BY name"))) or "none"
        raise NotFound(f"no team '{team}' in this database's roster; teams: {known}")
    return tuple(
        conn.scalars(
            text("SELECT rep FROM team_reps WHERE team = :team ORDER BY rep"), {"team": team}
        )
    )


def managed_teams(conn: Connection) -> dict[str, tuple[str, ...]]:
    """The teams the connected login manages, with their reps, from the database's roster."""
    teams: dict[str, list[str]] = {}
    for team, rep in conn.execute(
        text(
            "SELECT tm.team, tr.rep FROM team_managers tm"
            " LEFT JOIN team_reps tr ON tr.team = tm.team"
            " WHERE tm.manager = current_user ORDER BY tm.team, tr.rep"
        )
    ):
        teams.setdefault(team, [])
        if rep is not None:
            teams[team].append(rep)
    return {team: tuple(reps) for team, reps in teams.items()}


# -- deck health --------------------------------------------------------------------------------

#: ``sql/team-setup.sql``'s view of the choices picked on multiple-choice cards:
#: the columns of ``reviews`` that deck health reads, for logins that may not
#: read the typed answers in ``reviews.answer`` (a picked choice is stored there).
picked_choices = Table(
    "repdrill_picked_choices",
    MetaData(),
    Column("review_id", Integer),
    Column("rep_id", Integer),
    Column("card_id", Integer),
    Column("card_hash", String(64)),
    Column("review_date", Date),
    Column("answer", Text),
)


def choice_answers(conn: Connection) -> Table:
    """Where to read the choices picked: ``reviews``, or for a restricted login the view."""
    if team_groups(conn) is None or _is_owner(conn):
        return t.reviews
    return picked_choices


# -- log import ------------------------------------------------------------------------------


def writable_reps(conn: Connection, names: Iterable[str]) -> set[str] | None:
    """Of ``names``, the reps whose log this login may write; ``None`` outside team mode.

    Asked before inserting: a row that row-level security refuses would abort
    the whole insert, not just skip that row.
    """
    if conn.dialect.name != "postgresql":
        return None
    if not conn.scalar(
        text("SELECT to_regprocedure('public.repdrill_may_write(text)') IS NOT NULL")
    ):
        return None
    return set(
        conn.scalars(
            text(
                "SELECT n FROM unnest(CAST(:names AS text[])) AS n"
                " WHERE public.repdrill_may_write(n)"
            ),
            {"names": sorted(set(names))},
        )
    )
