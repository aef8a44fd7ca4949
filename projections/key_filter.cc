#include "projections/key_filter.h"

#include <functional>

namespace projections {

namespace {

constexpr size_t kWordsPerBlock = 8;  // 512 bits: one cache line

// The key's hash, mixed (splitmix64's finaliser), so that its high and low halves are
// independent enough to pick a block and the bits in it.
uint64_t HashOf(std::string_view key) {
  uint64_t h = std::hash<std::string_view>{}(key);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

size_t BlockOf(uint64_t hash, size_t blocks) {
  // The high half, scaled to the number of blocks without a division.
  return static_cast<size_t>(((hash >> 32) * static_cast<uint64_t>(blocks)) >> 32);
}

}  // namespace

void KeyFilter::Set(Part& part, uint64_t hash) {
  uint64_t* block = &part.words[BlockOf(hash, part.words.size() / kWordsPerBlock) * kWordsPerBlock];
  uint32_t h = static_cast<uint32_t>(hash);
  const uint32_t delta = (h >> 17) | (h << 15);
  for (int i = 0; i < kProbes; ++i) {
    uint32_t bit = h & 511;
    block[bit >> 6] |= uint64_t{1} << (bit & 63);
    h += delta;
  }
}

bool KeyFilter::Test(const Part& part, uint64_t hash) {
  const uint64_t* block =
      &part.words[BlockOf(hash, part.words.size() / kWordsPerBlock) * kWordsPerBlock];
  uint32_t h = static_cast<uint32_t>(hash);
  const uint32_t delta = (h >> 17) | (h << 15);
  for (int i = 0; i < kProbes; ++i) {
    uint32_t bit = h & 511;
    if ((block[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0) return false;
    h += delta;
  }
  return true;
}

void KeyFilter::Add(std::string_view key) {
  if (parts_.empty() || parts_.back().added >= parts_.back().capacity) {
    Part part;
    part.capacity = parts_.empty() ? kFirstCapacity : 2 * parts_.back().capacity;
    size_t blocks = (part.capacity * kBitsPerKey + 511) / 512;
    part.words.assign(blocks * kWordsPerBlock, 0);
    parts_.push_back(std::move(part));
  }
  Set(parts_.back(), HashOf(key));
  ++parts_.back().added;
  ++added_;
}

bool KeyFilter::MayContain(std::string_view key) const {
  if (parts_.empty()) return false;
  uint64_t hash = HashOf(key);
  for (const Part& part : parts_) {
    if (Test(part, hash)) return true;
  }
  return false;
}

size_t KeyFilter::bytes() const {
  size_t total = 0;
  for (const Part& part : parts_) total += part.words.size() * sizeof(uint64_t);
  return total;
}

}  // namespace projections
