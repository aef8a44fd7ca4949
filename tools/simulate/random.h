// The simulator's one source of randomness. Every draw is in the order the district's story is
// told, so the same seed gives the same ledger: code that moves must keep its draws in order.

#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

namespace simulate::internal {

// Randomness that is the same on every run and every standard library: xoshiro256** seeded by
// splitmix64, and distributions written out here (std::uniform_int_distribution and friends are
// free to differ between library versions, which would change the bytes of the ledger).

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi], both included.
  int Int(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Real(double lo, double hi) { return lo + (hi - lo) * Real(); }
  bool Chance(double p) { return Real() < p; }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  template <class T, size_t N>
  const T& Pick(const std::array<T, N>& v) {
    return v[Below(N)];
  }
  int Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean < 30) {
      double limit = std::exp(-mean), p = 1;
      int k = 0;
      do {
        ++k;
        p *= Real();
      } while (p > limit);
      return k - 1;
    }
    double u1 = 1 - Real(), u2 = Real();
    double gaussian = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    return std::max(0, static_cast<int>(std::lround(mean + std::sqrt(mean) * gaussian)));
  }
  // An index drawn with the given weights.
  size_t Weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Real() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace simulate::internal
