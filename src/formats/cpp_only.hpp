// Guard for the pure C++ region (src/compiler, src/formats). Every .cpp file there includes this
// header LAST, after all its other includes: if anything it includes pulled in PostgreSQL's
// headers (whose ereport() is a longjmp that would skip C++ destructors), the build fails.
// The headers of the region stay includable from the PostgreSQL glue (src/pg), which uses them
// through the one door (compiler/door.hpp). See CONTRIBUTING.md ("Two regions and one door") and doc/design.md.
#pragma once
#ifdef POSTGRES_H
#error "src/compiler and src/formats are pure C++: they must not include postgres.h"
#endif
