#include "compiler/door.hpp"
#include "formats/cpp_only.hpp"  // last: proves no PostgreSQL header came in

namespace prefect_filter {

namespace {
// Bounded copy that never splits a UTF-8 sequence (PostgreSQL rejects invalid UTF-8 in messages).
void CopyTruncated(char *dst, size_t cap, const char *src) noexcept {
    size_t n = src ? std::strlen(src) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && (static_cast<unsigned char>(src[n]) & 0xC0) == 0x80) --n;
    }
    if (n) std::memcpy(dst, src, n);
    dst[n] = '\0';
}
}  // namespace

void FillErrorPod(ErrorPod *pod, const char *sqlstate, const char *message, const char *detail) noexcept {
    CopyTruncated(pod->sqlstate, sizeof pod->sqlstate, sqlstate);
    CopyTruncated(pod->message, sizeof pod->message, message);
    CopyTruncated(pod->detail, sizeof pod->detail, detail);
}

}  // namespace prefect_filter
