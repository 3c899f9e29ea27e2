// Bytes and time of every compression level on one answer (bench/http/compression.sh): what the
// defaults of compression.hpp are chosen from. Prints a Markdown table, one row per encoding and
// level: compressed bytes, ratio, median milliseconds of `rounds` runs, MB/s of input.
#include "http/compression.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE [ROUNDS]\n", argv[0]);
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
    std::printf("input: %zu bytes, %d rounds per level (median)\n\n", data.size(), rounds);
    std::printf("| encoding | level | bytes | ratio | ms | MB/s |\n|---|---|---|---|---|---|\n");
    for (const pf_http::EncodingSpec &spec : pf_http::kEncodings) {
        for (int level = spec.min_level; level <= spec.max_level; ++level) {
            std::vector<double> ms;
            size_t bytes = 0;
            for (int r = 0; r < rounds; ++r) {
                auto t0 = std::chrono::steady_clock::now();
                std::optional<std::string> packed = pf_http::Compress(spec.encoding, data, level);
                auto t1 = std::chrono::steady_clock::now();
                if (!packed) return 1;
                bytes = packed->size();
                ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            }
            std::sort(ms.begin(), ms.end());
            const double median = ms[ms.size() / 2];
            std::printf("| %s | %d%s | %zu | %.3f | %.3f | %.0f |\n", spec.token, level,
                        level == spec.default_level ? " (default)" : "", bytes,
                        static_cast<double>(bytes) / static_cast<double>(data.size()), median,
                        static_cast<double>(data.size()) / 1e3 / median);
        }
    }
    return 0;
}
