# PGXS build of the prefect_filter extension (make, make install, make installcheck).
# CMakeLists.txt builds the same src/compiler sources for the server-less unit tests.
EXTENSION  = prefect_filter
MODULE_big = prefect_filter
DATA       = $(wildcard prefect_filter--*.sql)
PGFILEDESC = "prefect_filter - Prefect deployments filter API in PostgreSQL"

SRCS = $(wildcard src/compiler/*.cpp) $(wildcard src/formats/*.cpp) $(wildcard src/pg/*.cpp)
OBJS = $(SRCS:.cpp=.o)

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=pg_trgm --load-extension=prefect_filter
# Isolation tests (specs/*.spec): concurrent sessions, e.g. the render cache under updates.
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=pg_trgm --load-extension=prefect_filter

PG_CONFIG ?= pg_config
# Warnings are errors in the test command and CI (scripts/test.sh exports PF_WERROR=-Werror), not
# in a user's build, where a newer compiler's new warning must not stop an install.
PF_WERROR ?=
PG_CXXFLAGS += -std=c++17 -Wall -Wextra $(PF_WERROR) -Wno-unused-parameter -Wno-register -Isrc -fno-omit-frame-pointer
SHLIB_LINK += -lstdc++
# Header dependencies (Debian's PGXS has autodepend off): the compiler writes each object's .d
# file, so changing a header rebuilds every object that includes it.
PG_CXXFLAGS += -MMD -MP
EXTRA_CLEAN += $(OBJS:.o=.d)

# No LLVM bitcode: JIT-inlining our entry points buys nothing, and it would need clang on
# every build machine.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)
