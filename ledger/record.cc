#include "record.h"

#include <openssl/evp.h>

#include <new>
#include <optional>

#include <capnp/serialize.h>
#include <kj/exception.h>

namespace ledger {

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

struct RecordedEvent::Storage {
  std::optional<OneSegmentReader> reader;
  // The words follow, at kWordsOffset.
};

void RecordedEvent::FreeStorage::operator()(Storage* storage) const {
  storage->~Storage();
  ::operator delete (storage, std::align_val_t{alignof(Storage)});
}

RecordedEvent::RecordedEvent(uint64_t seq, uint64_t stream_version, const Hash& hash,
                             std::string_view words)
    : seq_(seq), stream_version_(stream_version), hash_(hash) {
  constexpr size_t kWordsOffset =
      (sizeof(Storage) + sizeof(capnp::word) - 1) / sizeof(capnp::word) * sizeof(capnp::word);
  size_t count = words.size() / sizeof(capnp::word);
  void* raw = ::operator new (kWordsOffset + count * sizeof(capnp::word),
                              std::align_val_t{alignof(Storage)});
  storage_.reset(new (raw) Storage);
  // RocksDB does not promise word alignment; Cap'n Proto needs it, hence the copy.
  auto* first = reinterpret_cast<capnp::word*>(static_cast<char*>(raw) + kWordsOffset);
  std::memcpy(first, words.data(), count * sizeof(capnp::word));
  words_ = kj::ArrayPtr<const capnp::word>(first, count);
  capnp::ReaderOptions options;
  // Canonical messages have no shared or far data, so the walk cannot be amplified; the limit is
  // a backstop. It counts every read through this reader, and every view reads the event, some
  // of them twice (a correction's target is voided, then replaced).
  options.traversalLimitInWords = count * 64 + 1024;
  storage_->reader.emplace(words_, options);
  root_ = storage_->reader->getRoot<schema::Event>();
}

RecordedEvent::RecordedEvent(RecordedEvent&&) noexcept = default;
RecordedEvent& RecordedEvent::operator=(RecordedEvent&&) noexcept = default;
RecordedEvent::~RecordedEvent() = default;

namespace internal {

void EncodeRecord(uint64_t seq, uint64_t stream_version, std::string_view canonical_bytes,
                  std::string* out) {
  out->resize(kRecordHeaderBytes + canonical_bytes.size());
  PutBigEndian64(seq, out->data());
  PutBigEndian64(stream_version, out->data() + 8);
  std::memcpy(out->data() + kRecordHeaderBytes, canonical_bytes.data(), canonical_bytes.size());
}

}  // namespace internal

std::string EncodeRecord(uint64_t seq, uint64_t stream_version, std::string_view canonical_bytes) {
  std::string out;
  internal::EncodeRecord(seq, stream_version, canonical_bytes, &out);
  return out;
}

std::string RecordOf(const RecordedEvent& event) {
  auto bytes = event.canonical_words().asBytes();
  return EncodeRecord(event.seq(), event.stream_version(),
                      std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
}

Result<Hash> ChainHash(const Hash& previous, std::string_view record) {
  Hash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int length = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, previous.data(), previous.size()) == 1 &&
            EVP_DigestUpdate(ctx, record.data(), record.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out.data(), &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::IOError("SHA-256 of the hash chain failed (OpenSSL)");
  return out;
}

namespace internal {

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
  std::string_view words = value.substr(kValueHeaderBytes);
  std::optional<RecordedEvent> event;
  // Touch the root so that a malformed message fails here, not in a caller.
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&]() {
    event.emplace(seq, version, hash, words);
    (void)event->event().getStream();
    (void)event->event().getPayload().which();
  });
  KJ_IF_MAYBE (e, error) {
    return Status::Corruption("event " + std::to_string(seq) +
                              " does not decode: " + e->getDescription().cStr());
  }
  return std::move(*event);
}

}  // namespace internal
}  // namespace ledger
