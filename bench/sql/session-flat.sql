-- bench/sql/session-flat.sql: a candidate first query for /api/init, for
-- `bench/run --cells floorB,floorB_session,floorB_alt --alt-sql bench/sql/session-flat.sql`.
-- The user's row, the cc cursor and whether the user has any membership at all:
-- for a user without one, this is the whole answer; with one, the full session
-- query (src/db_session.c) would follow.  $1 = the user's gid.
SELECT 0, gid::text, username, email, name, avatar, status, language, timezone,
       token_epoch::text, id::text, (SELECT last_value FROM cc_cursor)::text,
       EXISTS (SELECT 1 FROM project_members pm
               WHERE pm.user_id = u.id AND pm.status IN ('active', 'invited'))
FROM users u WHERE gid = $1::uuid
