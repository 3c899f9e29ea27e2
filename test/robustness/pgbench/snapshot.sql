-- reader: count, paginate and the whole filter agree in one REPEATABLE READ snapshot
\set f random(1, 6)
\set s random(1, 4)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT robust.check_snapshot(robust.body(:f, :s, 200, 1));
COMMIT;
