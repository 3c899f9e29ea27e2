// The one door between C++ and PostgreSQL (CONTRIBUTING.md). RunGuarded runs C++ code, catches
// every exception, and copies what PostgreSQL needs into a plain struct without allocating.
// The caller leaves the C++ scope (so every C++ object is destroyed) and only then raises the
// PostgreSQL ERROR from the struct. Nothing here includes postgres.h, so it is unit-tested.
#pragma once
#include "compiler/error.hpp"
#include "compiler/query.hpp"

#include <cstddef>
#include <cstring>
#include <new>

namespace prefect_filter {

struct ErrorPod {  // POD on purpose: filled inside catch blocks, read after them
    char sqlstate[6];
    char message[1024];
    char detail[512];
};

void FillErrorPod(ErrorPod *pod, const char *sqlstate, const char *message, const char *detail) noexcept;

template <class Fn>
bool RunGuarded(ErrorPod *err, Fn &&fn) noexcept {
    try {
        fn();
        return true;
    } catch (const FilterError &e) {
        FillErrorPod(err, e.SqlState(), e.what(), e.Detail().c_str());
    } catch (const CompileInterrupted &e) {
        FillErrorPod(err, sqlstate::kQueryCanceled, e.what(), "");
    } catch (const std::bad_alloc &) {
        FillErrorPod(err, sqlstate::kOutOfMemory, "out of memory in prefect_filter", "");
    } catch (const std::exception &e) {
        FillErrorPod(err, sqlstate::kInternalError, e.what(), "");
    } catch (...) {
        FillErrorPod(err, sqlstate::kInternalError, "unknown C++ exception in prefect_filter", "");
    }
    return false;
}

}  // namespace prefect_filter
