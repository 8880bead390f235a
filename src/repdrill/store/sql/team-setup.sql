-- repdrill team setup: group roles, grants, helper functions and row-level
-- security policies for one repdrill database on PostgreSQL.
--
-- `repdrill team setup` renders this file (the group role names are filled in
-- for this database) and runs it as one transaction; `repdrill team setup
-- --sql` prints the rendered script, to read or to run with
-- `psql -1 -v ON_ERROR_STOP=1 -f`.
--
-- Run by the owner of the repdrill tables (the role that ran the migrations).
-- It needs CREATEROLE the first time, to create the group roles. Every run
-- converges to exactly this state: privileges are revoked and granted again,
-- and the repdrill_* policies are dropped and created again. repdrill runs it
-- again by itself after upgrading the schema of a database in team mode, so
-- new tables and columns get their grants.
--
-- The owner is not subject to any of it: row-level security is enabled but
-- not forced, and a table's owner bypasses row-level security that is not
-- forced. The append-only triggers still refuse UPDATE, DELETE and TRUNCATE
-- of the review log to the owner too. A database where this never ran keeps
-- working for its owner as a single-user database.
--
-- Every table of the schema is named below (a test checks it): a table that
-- is not named gets no grant, and no rep, manager or author can read it.

-- 0. Preconditions -----------------------------------------------------------
DO $$
BEGIN
    IF to_regclass('public.reviews') IS NULL OR to_regclass('public.team_reps') IS NULL THEN
        RAISE EXCEPTION 'no repdrill schema here: run any repdrill command as the owner first';
    END IF;
    IF NOT pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = 'public.reviews'::regclass),
                       'USAGE') THEN
        RAISE EXCEPTION 'team setup must be run by the owner of the repdrill tables, not %',
            current_user;
    END IF;
END $$;

-- 1. Group roles -------------------------------------------------------------
-- Role names are cluster-wide, privileges are per database: the groups carry
-- this database's name, so that a rep or an author of one repdrill database
-- is nothing in another one on the same server.
DO $$
DECLARE
    g text;
    r pg_roles%ROWTYPE;
BEGIN
    FOREACH g IN ARRAY ARRAY[{rep_text}, {manager_text}, {importer_text}, {author_text}] LOOP
        SELECT * INTO r FROM pg_roles WHERE rolname = g;
        IF NOT FOUND THEN
            IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                RAISE EXCEPTION 'the group role % does not exist and % cannot create it: '
                    'a superuser runs ALTER ROLE % CREATEROLE (see docs/team-mode.md)',
                    g, current_user, current_user;
            END IF;
            EXECUTE format('CREATE ROLE %I NOLOGIN', g);
            EXECUTE format('COMMENT ON ROLE %I IS %L', g,
                           'repdrill group role of database ' || current_database());
        ELSIF r.rolcanlogin OR r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb
              OR r.rolreplication THEN
            RAISE EXCEPTION 'role % exists but is not a plain NOLOGIN group role; refusing', g;
        END IF;
    END LOOP;
END $$;

-- The group names, for repdrill and for people: `SELECT * FROM repdrill_groups()`.
-- Its presence is what makes a database a team database.
CREATE OR REPLACE FUNCTION public.repdrill_groups() RETURNS TABLE (kind text, role_name text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT g.kind, g.role_name
      FROM (VALUES ('rep', {rep_text}), ('manager', {manager_text}),
                   ('importer', {importer_text}), ('author', {author_text})) AS g (kind, role_name);
END;
COMMENT ON FUNCTION public.repdrill_groups() IS
    'repdrill: the group roles of this team database, by kind';

-- An importer is a manager who may also write the log of the reps on the
-- teams they manage (log import for others). The manager group itself writes
-- nothing. Logins inherit (INHERIT) along the chain login -> importer ->
-- manager, which is the default.
DO $$
BEGIN
    IF NOT pg_has_role({importer_text}, {manager_text}, 'MEMBER') THEN
        GRANT {manager} TO {importer};
    END IF;
END $$;

-- 2. Database and schema -----------------------------------------------------
-- PUBLIC may connect to a new database and create temporary tables in it:
-- any login of the server could connect. Only this database's groups may.
DO $$
BEGIN
    IF pg_has_role(current_user,
                   (SELECT datdba FROM pg_database WHERE datname = current_database()),
                   'USAGE') THEN
        EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC',
                       current_database());
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I, %I, %I', current_database(),
                       {rep_text}, {manager_text}, {importer_text}, {author_text});
    ELSE
        RAISE WARNING 'every login of this server may connect to %: only its owner can '
                      'REVOKE CONNECT ON DATABASE % FROM PUBLIC', current_database(),
                      current_database();
    END IF;
    -- PostgreSQL 15 no longer lets PUBLIC create in schema public, but a
    -- database that came from an older version still does. Nobody but the
    -- owner may create objects where the owner's search_path looks.
    IF pg_has_role(current_user,
                   (SELECT nspowner FROM pg_namespace WHERE nspname = 'public'), 'USAGE') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    ELSIF has_schema_privilege('public', 'public', 'CREATE') THEN
        RAISE WARNING 'PUBLIC may CREATE in schema public and only its owner can revoke that: '
                      'REVOKE CREATE ON SCHEMA public FROM PUBLIC';
    END IF;
END $$;
GRANT USAGE ON SCHEMA public TO {rep}, {manager}, {importer}, {author};

-- 3. Helper functions the policies call ----------------------------------------
-- SQL-standard bodies (BEGIN ATOMIC) are parsed once, here, with every name
-- resolved: a role that creates pg_temp.reps cannot make them read its own
-- table. All are SECURITY INVOKER: the caller's privileges and row-level
-- security apply inside, and current_user is the caller. Policies call them
-- as `(SELECT f())` and `= ANY (ARRAY(SELECT f()))`: evaluated once per
-- statement, and the value drives an index scan on rep_id.

CREATE OR REPLACE FUNCTION public.repdrill_my_rep_id() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r.id FROM public.reps r WHERE r.name = CURRENT_USER::text;
END;
COMMENT ON FUNCTION public.repdrill_my_rep_id() IS
    'repdrill: reps.id of the connected rep (reps.name = current_user), NULL if none';

CREATE OR REPLACE FUNCTION public.repdrill_team_rep_names() RETURNS SETOF text
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT tr.rep::text
      FROM public.team_reps tr
      JOIN public.team_managers tm ON tm.team = tr.team
     WHERE tm.manager = CURRENT_USER::text;
END;
COMMENT ON FUNCTION public.repdrill_team_rep_names() IS
    'repdrill: the reps on the teams current_user manages (from the roster)';

CREATE OR REPLACE FUNCTION public.repdrill_team_rep_ids() RETURNS SETOF integer
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r.id FROM public.reps r
     WHERE r.name = ANY (ARRAY(SELECT public.repdrill_team_rep_names()));
END;
COMMENT ON FUNCTION public.repdrill_team_rep_ids() IS
    'repdrill: reps.id of the reps on the teams current_user manages';

-- What log import asks before writing a rep's reviews: an INSERT that
-- row-level security refuses aborts the whole statement (even with ON
-- CONFLICT DO NOTHING), so the incoming log is filtered with this first.
CREATE OR REPLACE FUNCTION public.repdrill_may_write(rep_name text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_has_role(CURRENT_USER,
                       (SELECT c.relowner FROM pg_catalog.pg_class c
                         WHERE c.oid = 'public.reviews'::regclass), 'USAGE')
        OR (rep_name = CURRENT_USER::text AND pg_has_role(CURRENT_USER, {rep_text}, 'USAGE'))
        OR (pg_has_role(CURRENT_USER, {importer_text}, 'USAGE')
            AND rep_name = ANY (ARRAY(SELECT public.repdrill_team_rep_names())));
END;
COMMENT ON FUNCTION public.repdrill_may_write(text) IS
    'repdrill: may the current role write review-log rows for this rep?';

-- The functions belong to the tables' owner even when a superuser runs this,
-- so that the owner can run it again (repdrill does, after an upgrade).
DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['public.repdrill_groups()', 'public.repdrill_my_rep_id()',
                             'public.repdrill_team_rep_names()', 'public.repdrill_team_rep_ids()',
                             'public.repdrill_may_write(text)'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %s', f,
                       (SELECT relowner::regrole::text FROM pg_class
                         WHERE oid = 'public.reviews'::regclass));
    END LOOP;
END $$;

-- 4. Table and sequence privileges: revoke everything, then grant --------------
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {rep}, {manager}, {importer}, {author};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {rep}, {manager}, {importer}, {author};

-- Decks and the schema version: everybody reads. Card revisions too: every
-- replay of a rep's log reads them (a revision restarts what came before it).
GRANT SELECT ON public.alembic_version, public.decks, public.cards, public.card_versions,
                public.card_tags, public.card_revisions
    TO {rep}, {manager}, {author};

-- The roster: a rep sees the teams she is on, a manager the teams he manages
-- (policies below). The owner writes it (`repdrill team load`).
GRANT SELECT ON public.teams, public.team_reps, public.team_managers TO {rep}, {manager};

-- Rep: drill. Her own rows only (policies below), typed answers included.
GRANT SELECT ON public.reps, public.reviews, public.review_points, public.card_states,
                public.state_changes
    TO {rep};
GRANT INSERT ON public.review_points TO {rep};
GRANT INSERT, UPDATE, DELETE ON public.card_states, public.state_changes TO {rep};
-- Her pace and her time off: her own rows only. Holds can be moved or
-- cleared; they are not the log.
GRANT SELECT, INSERT, UPDATE ON public.rep_settings TO {rep};
GRANT SELECT, UPDATE, DELETE ON public.holds TO {rep};
GRANT SELECT, INSERT ON public.achievements TO {rep};

-- Manager: read what a report needs for the reps of their teams; write nothing.
-- The typed answers are not part of it (the reviews grant below leaves out
-- the answer column).
GRANT SELECT ON public.reps, public.review_points, public.card_states, public.state_changes,
                public.holds
    TO {manager};

-- Importer (also a manager): write the log and the states of their teams' reps.
GRANT INSERT ON public.review_points TO {importer};
GRANT INSERT, UPDATE, DELETE ON public.card_states, public.state_changes TO {importer};

-- Author: load and retire decks, and read deck health over every rep's
-- reviews: no names (no reps), no typed answers (no answer column).
GRANT INSERT, DELETE ON public.card_tags TO {author};
GRANT SELECT ON public.review_points, public.card_states, public.state_changes TO {author};
-- A load that raises a card's revision restarts every rep who reviewed it:
-- repetitions 0, interval one day, a new due date, and the span of the state
-- held until then ended. The author may make exactly that change, tied to a
-- recorded revision, and no other (policies below): take mastery away, never
-- grant it.
GRANT UPDATE (repetitions, interval_days, due) ON public.card_states TO {author};
GRANT UPDATE (valid_until) ON public.state_changes TO {author};

-- Column privileges, computed from the catalogue so that new columns follow
-- on the next run:
--  * INSERT on every column but the serial id: a role that chose ids could
--    take the next ones and make someone else's insert fail.
--  * UPDATE (created_at) on reps, only so that `SELECT ... FOR UPDATE` (the
--    lock that serialises one rep's grades) is allowed; the UPDATE policies'
--    WITH CHECK (false) refuses every real change.
--  * SELECT on reviews without the typed answer, for managers and authors.
DO $$
DECLARE
    g record;
    cols text;
BEGIN
    FOR g IN SELECT * FROM (VALUES
            ('INSERT', 'reps',          ARRAY['id'],         ARRAY[{rep_text}, {importer_text}]),
            ('UPDATE', 'reps',          ARRAY['id', 'name'], ARRAY[{rep_text}, {importer_text}]),
            ('INSERT', 'reviews',       ARRAY['id'],         ARRAY[{rep_text}, {importer_text}]),
            ('INSERT', 'holds',         ARRAY['id'],         ARRAY[{rep_text}]),
            ('SELECT', 'reviews',       ARRAY['answer'],     ARRAY[{manager_text}, {author_text}]),
            ('INSERT', 'decks',         ARRAY['id'],         ARRAY[{author_text}]),
            ('UPDATE', 'decks',         ARRAY['id'],         ARRAY[{author_text}]),
            ('INSERT', 'cards',         ARRAY['id'],         ARRAY[{author_text}]),
            ('UPDATE', 'cards',         ARRAY['id'],         ARRAY[{author_text}]),
            ('INSERT', 'card_versions', ARRAY['id'],         ARRAY[{author_text}]),
            ('INSERT', 'card_revisions', ARRAY['id'],        ARRAY[{author_text}])
        ) AS v (priv, tbl, excluded, grantees)
    LOOP
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute
         WHERE attrelid = ('public.' || g.tbl)::regclass AND attnum > 0 AND NOT attisdropped
           AND attname <> ALL (g.excluded);
        EXECUTE format('GRANT %s (%s) ON public.%I TO %s', g.priv, cols, g.tbl,
                       array_to_string(ARRAY(SELECT quote_ident(x) FROM unnest(g.grantees) x),
                                       ', '));
    END LOOP;

    -- nextval() in a serial default runs with the inserting role's privileges.
    EXECUTE format('GRANT USAGE ON SEQUENCE %s, %s TO %I, %I',
                   pg_get_serial_sequence('public.reps', 'id'),
                   pg_get_serial_sequence('public.reviews', 'id'), {rep_text}, {importer_text});
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I',
                   pg_get_serial_sequence('public.holds', 'id'), {rep_text});
    EXECUTE format('GRANT USAGE ON SEQUENCE %s, %s, %s, %s TO %I',
                   pg_get_serial_sequence('public.decks', 'id'),
                   pg_get_serial_sequence('public.cards', 'id'),
                   pg_get_serial_sequence('public.card_versions', 'id'),
                   pg_get_serial_sequence('public.card_revisions', 'id'), {author_text});
END $$;

-- The choices reps picked on multiple-choice cards, for deck health. A picked
-- choice is stored in the answer column, which managers and authors may not
-- read; a choice is the author's own text, not a typed answer. The view reads
-- with its owner's rights, so it names the rows itself: an author's all, a
-- manager's teams', a rep's own, and only answers that are one of the card's
-- choices (never free text typed on such a card).
CREATE OR REPLACE VIEW public.repdrill_picked_choices WITH (security_barrier) AS
    SELECT r.id AS review_id, r.rep_id, r.card_id, r.card_hash, r.review_date, r.answer
      FROM public.reviews r
      JOIN public.card_versions v ON v.card_id = r.card_id AND v.content_hash = r.card_hash
     WHERE v.choices IS NOT NULL AND r.answer IS NOT NULL
       AND jsonb_path_exists(v.choices::jsonb, '$[*] ? (@.text == $answer)',
                             jsonb_build_object('answer', r.answer))
       AND (pg_has_role(CURRENT_USER, {author_text}, 'USAGE')
            OR r.rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids()))
            OR r.rep_id = (SELECT public.repdrill_my_rep_id()));
COMMENT ON VIEW public.repdrill_picked_choices IS
    'repdrill: the choices picked on multiple-choice cards, for deck health in team mode';
DO $$
BEGIN
    -- Its owner's rights are the tables' owner's, even when a superuser runs this.
    EXECUTE format('ALTER VIEW public.repdrill_picked_choices OWNER TO %s',
                   (SELECT relowner::regrole::text FROM pg_class
                     WHERE oid = 'public.reviews'::regclass));
END $$;
GRANT SELECT ON public.repdrill_picked_choices TO {rep}, {manager}, {author};

-- 5. Row-level security ------------------------------------------------------
-- Enabled only where it is not yet: after `repdrill team harden`, ALTER TABLE
-- on the log tables needs a superuser, and setup must still run again.
DO $$
DECLARE
    t text;
    p record;
BEGIN
    FOREACH t IN ARRAY ARRAY['reps', 'reviews', 'review_points', 'card_states',
                             'state_changes', 'rep_settings', 'holds', 'achievements',
                             'teams', 'team_reps', 'team_managers'] LOOP
        IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = ('public.' || t)::regclass) THEN
            EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        END IF;
    END LOOP;
    FOR p IN SELECT policyname, tablename FROM pg_policies
              WHERE schemaname = 'public' AND policyname LIKE 'repdrill\_%' LOOP
        EXECUTE format('DROP POLICY %I ON public.%I', p.policyname, p.tablename);
    END LOOP;
END $$;

-- Policies are permissive: a login sees the union of the policies of its
-- groups. A login that is a rep is never also a manager or an author
-- (`repdrill team add-*` refuses it): privileges on columns are per login,
-- not per row, so a rep who also saw other reps' rows would read their
-- typed answers.

-- reps
CREATE POLICY repdrill_rep_select ON public.reps FOR SELECT TO {rep}
    USING (name = CURRENT_USER::text);
CREATE POLICY repdrill_rep_insert ON public.reps FOR INSERT TO {rep}
    WITH CHECK (name = CURRENT_USER::text);
-- SELECT ... FOR UPDATE applies the UPDATE policies' USING and never their
-- WITH CHECK: lock your own row, change nothing.
CREATE POLICY repdrill_rep_lock ON public.reps FOR UPDATE TO {rep}
    USING (name = CURRENT_USER::text) WITH CHECK (false);
CREATE POLICY repdrill_manager_select ON public.reps FOR SELECT TO {manager}
    USING (name = ANY (ARRAY(SELECT public.repdrill_team_rep_names())));
CREATE POLICY repdrill_importer_insert ON public.reps FOR INSERT TO {importer}
    WITH CHECK (name = ANY (ARRAY(SELECT public.repdrill_team_rep_names())));
CREATE POLICY repdrill_importer_lock ON public.reps FOR UPDATE TO {importer}
    USING (name = ANY (ARRAY(SELECT public.repdrill_team_rep_names()))) WITH CHECK (false);

-- reviews: no UPDATE or DELETE privilege for anyone, and the triggers
CREATE POLICY repdrill_rep_select ON public.reviews FOR SELECT TO {rep}
    USING (rep_id = (SELECT public.repdrill_my_rep_id()));
CREATE POLICY repdrill_rep_insert ON public.reviews FOR INSERT TO {rep}
    WITH CHECK (rep_id = (SELECT public.repdrill_my_rep_id()));
CREATE POLICY repdrill_manager_select ON public.reviews FOR SELECT TO {manager}
    USING (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())));
CREATE POLICY repdrill_importer_insert ON public.reviews FOR INSERT TO {importer}
    WITH CHECK (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())));
CREATE POLICY repdrill_author_select ON public.reviews FOR SELECT TO {author}
    USING (true);

-- review_points has no rep_id: a row belongs to whoever owns its review. The
-- SELECT policy defers to the reviews policies (its subquery runs under the
-- caller's own row-level security). Foreign-key checks bypass row-level
-- security, so the INSERT checks name the review's rep explicitly; else a rep
-- could attach points to someone else's review.
CREATE POLICY repdrill_select ON public.review_points FOR SELECT TO {rep}, {manager}
    USING (EXISTS (SELECT 1 FROM public.reviews r WHERE r.id = review_points.review_id));
CREATE POLICY repdrill_author_select ON public.review_points FOR SELECT TO {author}
    USING (true);
CREATE POLICY repdrill_rep_insert ON public.review_points FOR INSERT TO {rep}
    WITH CHECK (EXISTS (SELECT 1 FROM public.reviews r
                         WHERE r.id = review_points.review_id
                           AND r.rep_id = (SELECT public.repdrill_my_rep_id())));
CREATE POLICY repdrill_importer_insert ON public.review_points FOR INSERT TO {importer}
    WITH CHECK (EXISTS (SELECT 1 FROM public.reviews r
                         WHERE r.id = review_points.review_id
                           AND r.rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids()))));

-- card_states: derived from the log; drills and imports rewrite them.
CREATE POLICY repdrill_rep_all ON public.card_states FOR ALL TO {rep}
    USING (rep_id = (SELECT public.repdrill_my_rep_id()))
    WITH CHECK (rep_id = (SELECT public.repdrill_my_rep_id()));
CREATE POLICY repdrill_manager_select ON public.card_states FOR SELECT TO {manager}
    USING (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())));
CREATE POLICY repdrill_importer_all ON public.card_states FOR ALL TO {importer}
    USING (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())))
    WITH CHECK (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())));
CREATE POLICY repdrill_author_select ON public.card_states FOR SELECT TO {author}
    USING (true);
-- A restart is tied to a recorded revision of the card: due the day after it.
CREATE POLICY repdrill_author_relearn ON public.card_states FOR UPDATE TO {author}
    USING (true)
    WITH CHECK (repetitions = 0 AND interval_days = 1
                AND EXISTS (SELECT 1 FROM public.card_revisions v
                             WHERE v.card_id = card_states.card_id
                               AND v.revised_on + 1 = card_states.due));

-- state_changes: derived; rebuilt, and valid_until updated. WITH CHECK also
-- ties review_id to a review of the same rep (foreign-key checks bypass
-- row-level security, see review_points).
CREATE POLICY repdrill_rep_all ON public.state_changes FOR ALL TO {rep}
    USING (rep_id = (SELECT public.repdrill_my_rep_id()))
    WITH CHECK (rep_id = (SELECT public.repdrill_my_rep_id())
                AND EXISTS (SELECT 1 FROM public.reviews r
                             WHERE r.id = state_changes.review_id
                               AND r.rep_id = state_changes.rep_id));
CREATE POLICY repdrill_manager_select ON public.state_changes FOR SELECT TO {manager}
    USING (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())));
CREATE POLICY repdrill_importer_all ON public.state_changes FOR ALL TO {importer}
    USING (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())))
    WITH CHECK (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids()))
                AND EXISTS (SELECT 1 FROM public.reviews r
                             WHERE r.id = state_changes.review_id
                               AND r.rep_id = state_changes.rep_id));
CREATE POLICY repdrill_author_select ON public.state_changes FOR SELECT TO {author}
    USING (true);
-- Only an open span is ended, on the day of a recorded revision of the card.
CREATE POLICY repdrill_author_relearn ON public.state_changes FOR UPDATE TO {author}
    USING (valid_until IS NULL)
    WITH CHECK (EXISTS (SELECT 1 FROM public.card_revisions v
                         WHERE v.card_id = state_changes.card_id
                           AND v.revised_on = state_changes.valid_until));

-- A rep's settings, holds and achievements: hers. A manager sees the holds
-- of their teams' reps (a report shows who is on time off).
CREATE POLICY repdrill_rep_all ON public.rep_settings FOR ALL TO {rep}
    USING (rep_id = (SELECT public.repdrill_my_rep_id()))
    WITH CHECK (rep_id = (SELECT public.repdrill_my_rep_id()));
CREATE POLICY repdrill_rep_all ON public.holds FOR ALL TO {rep}
    USING (rep_id = (SELECT public.repdrill_my_rep_id()))
    WITH CHECK (rep_id = (SELECT public.repdrill_my_rep_id()));
CREATE POLICY repdrill_manager_select ON public.holds FOR SELECT TO {manager}
    USING (rep_id = ANY (ARRAY(SELECT public.repdrill_team_rep_ids())));
CREATE POLICY repdrill_rep_all ON public.achievements FOR ALL TO {rep}
    USING (rep_id = (SELECT public.repdrill_my_rep_id()))
    WITH CHECK (rep_id = (SELECT public.repdrill_my_rep_id()));

-- The roster: a manager sees the teams they manage, a rep the teams she is on.
CREATE POLICY repdrill_select ON public.team_managers FOR SELECT TO {rep}, {manager}
    USING (manager = CURRENT_USER::text);
CREATE POLICY repdrill_select ON public.team_reps FOR SELECT TO {rep}, {manager}
    USING (rep = CURRENT_USER::text
           OR team IN (SELECT tm.team FROM public.team_managers tm
                        WHERE tm.manager = CURRENT_USER::text));
CREATE POLICY repdrill_select ON public.teams FOR SELECT TO {rep}, {manager}
    USING (name IN (SELECT tm.team FROM public.team_managers tm
                     WHERE tm.manager = CURRENT_USER::text)
           OR name IN (SELECT tr.team FROM public.team_reps tr
                        WHERE tr.rep = CURRENT_USER::text));
