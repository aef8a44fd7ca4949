#include "ledger/record.h"

#include <openssl/evp.h>

#include <capnp/serialize.h>
#include <kj/exception.h>

namespace ledger {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(const Hash& hash) {
  std::string out(64, '0');
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kHexDigits[hash[i] >> 4];
    out[2 * i + 1] = kHexDigits[hash[i] & 0xF];
  }
  return out;
}

bool FromHex(std::string_view hex, Hash* out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no stream";
    case Kind::kExactly:
      return std::to_string(version_);
  }
  return "?";
}

namespace {
// Reads the canonical form: one segment, no segment table.
class OneSegmentReader final : public capnp::MessageReader {
 public:
  OneSegmentReader(kj::ArrayPtr<const capnp::word> segment, capnp::ReaderOptions options)
      : MessageReader(options), segment_(segment) {}
  kj::ArrayPtr<const capnp::word> getSegment(uint id) override {
    return id == 0 ? segment_ : nullptr;
  }

 private:
  kj::ArrayPtr<const capnp::word> segment_;
};
}  // namespace

RecordedEvent::RecordedEvent(uint64_t seq, uint64_t stream_version, const Hash& hash,
                             kj::Array<capnp::word> words)
    : seq_(seq), stream_version_(stream_version), hash_(hash), words_(kj::mv(words)) {
  capnp::ReaderOptions options;
  // Canonical messages have no shared or far data, so the walk cannot be amplified; the limit is
  // a backstop. It counts every read through this reader, and every view reads the event, some
  // of them twice (a correction's target is voided, then replaced).
  options.traversalLimitInWords = words_.size() * 64 + 1024;
  reader_ = std::make_unique<OneSegmentReader>(words_.asPtr(), options);
}

RecordedEvent::RecordedEvent(RecordedEvent&&) noexcept = default;
RecordedEvent& RecordedEvent::operator=(RecordedEvent&&) noexcept = default;
RecordedEvent::~RecordedEvent() = default;

schema::Event::Reader RecordedEvent::event() const { return reader_->getRoot<schema::Event>(); }

namespace internal {

Hash ChainHash(const Hash& previous, std::string_view record) {
  Hash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int length = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, previous.data(), previous.size()) == 1 &&
            EVP_DigestUpdate(ctx, record.data(), record.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out.data(), &length) == 1;
  EVP_MD_CTX_free(ctx);
  // SHA-256 from OpenSSL does not fail short of memory exhaustion; a zero hash would then be
  // caught by Verify rather than silently accepted.
  if (!ok) out.fill(0);
  return out;
}

Result<RecordedEvent> DecodeStoredValue(uint64_t key_seq, std::string_view value) {
  if (value.size() < kValueHeaderBytes + sizeof(capnp::word) ||
      (value.size() - kValueHeaderBytes) % sizeof(capnp::word) != 0) {
    return Status::Corruption("event " + std::to_string(key_seq) + " has a stored size of " +
                              std::to_string(value.size()) + " bytes, which is not a record");
  }
  Hash hash;
  std::memcpy(hash.data(), value.data(), kHashBytes);
  uint64_t seq = GetBigEndian64(value.data() + kHashBytes);
  uint64_t version = GetBigEndian64(value.data() + kHashBytes + 8);
  if (seq != key_seq) {
    return Status::Corruption("event stored under seq " + std::to_string(key_seq) +
                              " says it is seq " + std::to_string(seq));
  }
  // RocksDB does not promise word alignment; Cap'n Proto needs it, so copy.
  size_t words = (value.size() - kValueHeaderBytes) / sizeof(capnp::word);
  auto array = kj::heapArray<capnp::word>(words);
  std::memcpy(array.begin(), value.data() + kValueHeaderBytes, words * sizeof(capnp::word));
  RecordedEvent event(seq, version, hash, kj::mv(array));
  // Touch the root so that a malformed message fails here, not in a caller.
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&]() {
    auto root = event.event();
    (void)root.getStream();
    (void)root.getPayload().which();
  });
  KJ_IF_MAYBE (e, error) {
    return Status::Corruption("event " + std::to_string(seq) +
                              " does not decode: " + e->getDescription().cStr());
  }
  return event;
}

}  // namespace internal
}  // namespace ledger
