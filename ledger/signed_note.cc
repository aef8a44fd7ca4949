#include "ledger/signed_note.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <memory>

#include "ledger/base64.h"

namespace ledger::note {
namespace {

constexpr char kAlgorithmEd25519 = 0x01;
constexpr std::string_view kDash = "\xE2\x80\x94 ";  // U+2014, then a space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";

struct FreeKey {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct FreeMdContext {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, FreeKey>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, FreeMdContext>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Hex8(uint32_t id) {
  char out[9];
  std::snprintf(out, sizeof out, "%08x", id);
  return out;
}

bool ParseHex8(std::string_view text, uint32_t* out) {
  if (text.size() != 8) return false;
  uint32_t v = 0;
  for (char c : text) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

// Splits at the first two "+": names and key IDs hold none, base64 keys may.
std::vector<std::string_view> SplitPlus(std::string_view text) {
  std::vector<std::string_view> parts;
  for (int i = 0; i < 2; ++i) {
    size_t plus = text.find('+');
    if (plus == std::string_view::npos) break;
    parts.push_back(text.substr(0, plus));
    text.remove_prefix(plus + 1);
  }
  parts.push_back(text);
  return parts;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Valid UTF-8 with no control character but "\n".
bool CleanText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7F) return false;
      ++i;
      continue;
    }
    size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = c & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

bool ValidKeyName(std::string_view name) {
  if (name.empty() || !CleanText(name)) return false;
  for (char c : name) {
    if (c == ' ' || c == '+' || c == '\n') return false;
  }
  return true;
}

Result<uint32_t> KeyId(std::string_view name, std::string_view public_key) {
  MdContextPtr ctx(EVP_MD_CTX_new());
  unsigned char digest[32];
  unsigned int length = 0;
  const char alg = kAlgorithmEd25519;
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), name.data(), name.size()) == 1 &&
            EVP_DigestUpdate(ctx.get(), "\n", 1) == 1 &&
            EVP_DigestUpdate(ctx.get(), &alg, 1) == 1 &&
            EVP_DigestUpdate(ctx.get(), public_key.data(), public_key.size()) == 1 &&
            EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1;
  if (!ok) return Status::IOError("SHA-256 failed computing a key ID (OpenSSL)");
  return uint32_t{digest[0]} << 24 | uint32_t{digest[1]} << 16 | uint32_t{digest[2]} << 8 |
         uint32_t{digest[3]};
}

// --- SigningKey ---

Result<SigningKey> SigningKey::FromSeed(std::string_view name, std::string_view seed) {
  KeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  if (!key) return Status::InvalidArgument("the private key is not an Ed25519 seed");
  std::string pub(32, '\0');
  size_t pub_len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()),
                                  &pub_len) != 1 ||
      pub_len != 32) {
    return Status::IOError("OpenSSL could not derive the Ed25519 public key");
  }
  auto id = KeyId(name, pub);
  if (!id.ok()) return id.status();
  SigningKey k;
  k.name_ = std::string(name);
  k.key_id_ = *id;
  k.seed_ = std::string(seed);
  k.public_key_ = pub;
  return k;
}

Result<SigningKey> SigningKey::Generate(std::string_view name) {
  if (!ValidKeyName(name)) {
    return Status::InvalidArgument("\"" + std::string(name) +
                                   "\" cannot name a log: use a non-empty name without spaces or "
                                   "\"+\", such as district.example/ledger");
  }
  std::string seed(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), 32) != 1) {
    return Status::IOError("OpenSSL could not produce random bytes for a key");
  }
  return FromSeed(name, seed);
}

Result<SigningKey> SigningKey::Parse(std::string_view text) {
  text = Trim(text);
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("not a signing key (PRIVATE+KEY+name+id+key): " + why);
  };
  if (text.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) return bad("wrong prefix");
  auto parts = SplitPlus(text.substr(kPrivatePrefix.size()));
  if (parts.size() != 3) return bad("it needs three fields after the prefix");
  uint32_t id = 0;
  if (!ValidKeyName(parts[0])) return bad("the name is not allowed");
  if (!ParseHex8(parts[1], &id)) return bad("the key ID is not 8 lower-case hex digits");
  auto raw = Base64Decode(parts[2]);
  if (!raw || raw->size() != 33 || (*raw)[0] != kAlgorithmEd25519) {
    return bad("the key is not base64 of 0x01 and a 32-byte Ed25519 seed");
  }
  auto key = FromSeed(parts[0], std::string_view(*raw).substr(1));
  if (!key.ok()) return key.status();
  if (key->key_id() != id) return bad("the key ID does not match the key");
  return key;
}

std::string SigningKey::Encode() const {
  return std::string(kPrivatePrefix) + name_ + "+" + Hex8(key_id_) + "+" +
         Base64Encode(std::string(1, kAlgorithmEd25519) + seed_);
}

std::string SigningKey::VerifierKey() const {
  return name_ + "+" + Hex8(key_id_) + "+" +
         Base64Encode(std::string(1, kAlgorithmEd25519) + public_key_);
}

Result<std::string> SigningKey::Sign(std::string_view text) const {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("a note's text must end in a newline");
  }
  if (!CleanText(text)) {
    return Status::InvalidArgument("a note's text must be UTF-8 without control characters");
  }
  KeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed_), seed_.size()));
  MdContextPtr ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t sig_len = sig.size();
  if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, Bytes(text),
                     text.size()) != 1 ||
      sig_len != 64) {
    return Status::IOError("OpenSSL could not sign with the Ed25519 key");
  }
  std::string field(4, '\0');
  for (int i = 0; i < 4; ++i) field[i] = static_cast<char>(key_id_ >> (24 - 8 * i));
  field += sig;
  return std::string(text) + "\n" + std::string(kDash) + name_ + " " + Base64Encode(field) + "\n";
}

// --- Verifier ---

Result<Verifier> Verifier::Parse(std::string_view vkey) {
  vkey = Trim(vkey);
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("not a verifier key (name+id+key): " + why);
  };
  auto parts = SplitPlus(vkey);
  if (parts.size() != 3) return bad("it needs exactly three fields separated by \"+\"");
  Verifier v;
  if (!ValidKeyName(parts[0])) return bad("the name is not allowed");
  if (!ParseHex8(parts[1], &v.key_id_)) return bad("the key ID is not 8 lower-case hex digits");
  auto raw = Base64Decode(parts[2]);
  if (!raw || raw->size() != 33 || (*raw)[0] != kAlgorithmEd25519) {
    return bad("the key is not base64 of 0x01 and a 32-byte Ed25519 public key");
  }
  v.name_ = std::string(parts[0]);
  v.public_key_ = raw->substr(1);
  auto id = KeyId(v.name_, v.public_key_);
  if (!id.ok()) return id.status();
  if (*id != v.key_id_) return bad("the key ID does not match the name and key");
  return v;
}

bool Verifier::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) return false;
  KeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key_),
                                         public_key_.size()));
  MdContextPtr ctx(EVP_MD_CTX_new());
  return key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

// --- Open ---

Result<Note> Open(std::string_view message, const std::vector<Verifier>& known) {
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("malformed note: " + why);
  };
  if (!CleanText(message)) return bad("it is not UTF-8 text without control characters");
  size_t split = message.rfind("\n\n");
  if (split == std::string_view::npos) return bad("there is no empty line before the signatures");
  Note note;
  note.text = std::string(message.substr(0, split + 1));
  std::string_view sigs = message.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return bad("the signatures do not end in a newline");
  size_t count = 0;
  bool known_invalid = false;
  while (!sigs.empty()) {
    size_t end = sigs.find('\n');
    std::string_view line = sigs.substr(0, end);
    sigs.remove_prefix(end + 1);
    if (++count > 100) return bad("more than 100 signatures");
    if (line.substr(0, kDash.size()) != kDash) return bad("a signature line does not start with —");
    line.remove_prefix(kDash.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return bad("a signature line has no key name");
    std::string_view name = line.substr(0, space);
    auto field = Base64Decode(line.substr(space + 1));
    if (!ValidKeyName(name) || !field || field->size() < 5) {
      return bad("a signature line is not \"— name base64\"");
    }
    uint32_t id = static_cast<uint32_t>(static_cast<unsigned char>((*field)[0])) << 24 |
                  static_cast<uint32_t>(static_cast<unsigned char>((*field)[1])) << 16 |
                  static_cast<uint32_t>(static_cast<unsigned char>((*field)[2])) << 8 |
                  static_cast<uint32_t>(static_cast<unsigned char>((*field)[3]));
    for (const Verifier& v : known) {
      if (v.name() != name || v.key_id() != id) continue;
      if (v.Verify(note.text, std::string_view(*field).substr(4))) {
        note.verified.push_back(Signature{std::string(name), id});
      } else {
        known_invalid = true;
      }
    }
  }
  if (known_invalid) {
    return Status::PermissionDenied("the note carries an invalid signature of a known key");
  }
  if (note.verified.empty()) {
    return Status::PermissionDenied("the note has no valid signature of a known key");
  }
  return note;
}

}  // namespace ledger::note
