-- reader: one paginate call checked in itself (READ COMMITTED)
\set f random(1, 6)
\set s random(1, 4)
\set lim random(0, 60)
\set page random(1, 5)
SELECT robust.check_paginate(robust.body(:f, :s, :lim, :page));
