// Signed notes (C2SP signed-note v1.0.0) with Ed25519 keys, through OpenSSL 3.
//
// A note is UTF-8 text ending in "\n", an empty line, then one line per signature:
//
//   — <key name> <base64(key ID (4, BE) || Ed25519 signature (64))>
//
// key ID = the first 4 bytes of SHA-256(key name || "\n" || 0x01 || public key (32)).
// A verifier key ("vkey") is "<name>+<key ID, 8 lower-case hex>+<base64(0x01 || public key)>",
// the form Go's golang.org/x/mod/sumdb/note reads; a signing key is written as that package
// writes it too: "PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 || private seed (32))>".
//
//   auto key = note::SigningKey::Generate("district.example/ledger");
//   auto signed_text = key->Sign("hello\n");
//   auto verifier = note::Verifier::Parse(key->VerifierKey());
//   auto opened = note::Open(*signed_text, {*verifier});   // the text, if a known key signed it

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ledger::note {

// The key ID of an Ed25519 key `public_key` (32 bytes) named `name`.
Result<uint32_t> KeyId(std::string_view name, std::string_view public_key);

// Whether `name` may name a key: non-empty UTF-8 without spaces, "+" or control characters.
bool ValidKeyName(std::string_view name);

class SigningKey {
 public:
  // A new random key named `name`.
  static Result<SigningKey> Generate(std::string_view name);
  // Reads "PRIVATE+KEY+..." (surrounding white space ignored).
  static Result<SigningKey> Parse(std::string_view text);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // "PRIVATE+KEY+...": keep it secret.
  std::string Encode() const;
  // "<name>+<id>+<base64>": publish it.
  std::string VerifierKey() const;
  // `text` (which must end in "\n") followed by an empty line and this key's signature line.
  Result<std::string> Sign(std::string_view text) const;

 private:
  static Result<SigningKey> FromSeed(std::string_view name, std::string_view seed);

  std::string name_;
  uint32_t key_id_ = 0;
  std::string seed_;        // 32 bytes
  std::string public_key_;  // 32 bytes
};

class Verifier {
 public:
  // Reads a vkey; InvalidArgument saying what is wrong with it.
  static Result<Verifier> Parse(std::string_view vkey);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // Whether `signature` (64 bytes) is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  std::string name_;
  uint32_t key_id_ = 0;
  std::string public_key_;
};

struct Signature {
  std::string name;
  uint32_t key_id = 0;
};

struct Note {
  std::string text;                 // the signed text, its final "\n" included
  std::vector<Signature> verified;  // the signatures of known keys, all valid
};

// Opens `message`: splits it at its last "\n\n", checks every signature line, and verifies
// those of keys in `known` (same name and key ID). Signatures of unknown keys are ignored; a
// known key's invalid signature, a malformed note, or no valid known signature at all fail.
Result<Note> Open(std::string_view message, const std::vector<Verifier>& known);

}  // namespace ledger::note
