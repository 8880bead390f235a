-- repdrill team harden: make the review log's protection something only a
-- superuser can undo. Optional; run by a superuser in the repdrill database,
-- after the migrations (`repdrill team harden`, or `repdrill team harden
-- --sql | psql -1 -v ON_ERROR_STOP=1 -d repdrill -f -`).
--
-- The triggers refuse UPDATE, DELETE and TRUNCATE of the log for every role,
-- the owner included. But the owner of a table can also change it: DROP
-- TRIGGER, ALTER TABLE ... DISABLE TRIGGER, ALTER COLUMN ... TYPE ... USING
-- (rewrites every row without firing row triggers), DROP TABLE, or replace
-- repdrill_append_only() with a function that does nothing. After this
-- script:
--  * the trigger function belongs to the superuser who ran it, so the owner
--    can no longer replace or drop it;
--  * an event trigger (only a superuser can create or disable one) refuses,
--    to everyone but superusers, any ALTER TABLE on the log's tables and any
--    DDL after which a protection trigger is missing or disabled.
-- The cost: a later migration that alters reviews or review_points must be
-- run by a superuser. On PostgreSQL 15 an owner with CREATEROLE can make
-- itself nearly a superuser (see docs/team-mode.md), which this cannot stop.

ALTER FUNCTION public.repdrill_append_only() OWNER TO CURRENT_USER;

CREATE OR REPLACE FUNCTION public.repdrill_guard_log() RETURNS event_trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    t text;
    suffix text;
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN;
    END IF;
    FOR c IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        IF c.command_tag = 'ALTER TABLE' AND c.classid = 'pg_class'::regclass
           AND c.objid IN (SELECT x FROM unnest(ARRAY[to_regclass('public.reviews'),
                                                      to_regclass('public.review_points')]) x) THEN
            RAISE EXCEPTION 'the review log is append-only: ALTER TABLE % needs a superuser',
                c.object_identity;
        END IF;
    END LOOP;
    FOREACH t IN ARRAY ARRAY['reviews', 'review_points'] LOOP
        IF to_regclass('public.' || t) IS NULL THEN
            RAISE EXCEPTION 'the review log is append-only: public.% must stay', t;
        END IF;
        FOREACH suffix IN ARRAY ARRAY['_no_update', '_no_delete', '_no_truncate'] LOOP
            IF NOT EXISTS (
                SELECT FROM pg_trigger tg
                 WHERE tg.tgrelid = ('public.' || t)::regclass
                   AND tg.tgname = t || suffix
                   AND tg.tgenabled IN ('O', 'A')
                   AND tg.tgfoid = to_regprocedure('public.repdrill_append_only()')) THEN
                RAISE EXCEPTION 'the review log is append-only: trigger % on % must stay enabled',
                    t || suffix, t;
            END IF;
        END LOOP;
    END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS repdrill_guard_log;
CREATE EVENT TRIGGER repdrill_guard_log ON ddl_command_end
    EXECUTE FUNCTION public.repdrill_guard_log();
