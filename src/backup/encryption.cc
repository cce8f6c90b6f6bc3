#include "backup/encryption.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <new>

#include <fmt/format.h>

namespace mdbop {

namespace {

constexpr std::string_view kMagicV1 = "MDBOPAE1";
constexpr std::string_view kMagicV2 = "MDBOPAE2";
constexpr size_t kMagicSize = 8;
constexpr std::string_view kKdfInfo = "mdbop MDBOPAE1 aes-256-gcm";  // version 1's HKDF
constexpr size_t kSaltSize = 16;
constexpr size_t kKeySize = 32;
constexpr size_t kCheckSize = 16;
constexpr size_t kWordSize = 4;
constexpr size_t kTagSize = 16;
constexpr size_t kNonceSize = 12;
constexpr size_t kChunkSize = size_t{1} << 20;
constexpr uint32_t kFinalBit = uint32_t{1} << 31;
constexpr size_t kHeaderSizeV1 = kMagicSize + kSaltSize + kCheckSize;

// scrypt's cost as a version 2 header stores it, a byte each.
struct ScryptParams {
  unsigned log2_n;  // N = 2^log2_n
  unsigned r;
  unsigned p;
};
constexpr size_t kScryptParamsAt = kHeaderSizeV1;
static_assert(kHeaderSizeV1 + 3 == kEncryptionHeaderSize);

// What new artifacts use: 16 MiB and about 100 ms per derivation (scrypt's "interactive"
// parameters).
constexpr ScryptParams kScrypt{14, 8, 1};
// What an artifact's header may ask for, so that reading a hostile one costs bounded memory
// and time (at most four times the above): 128 * r * N * p bytes at most 64 MiB.
constexpr uint64_t kScryptMaxCost = uint64_t{64} << 20;
// OpenSSL's own ceiling on scrypt's memory, above kScryptMaxCost plus scrypt's small extras.
constexpr uint64_t kScryptMaxMem = uint64_t{80} << 20;

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// OpenSSL counts in int; every length here is far below INT_MAX.
int size_of(std::string_view text) { return static_cast<int>(text.size()); }

// What HKDF yields for one artifact; wiped when dropped.
struct Keys {
  std::array<unsigned char, kKeySize> cipher;
  std::array<unsigned char, kCheckSize> check;
  ~Keys() {
    OPENSSL_cleanse(cipher.data(), cipher.size());
    OPENSSL_cleanse(check.data(), check.size());
  }
};

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Result<void> check_secret(const std::string& secret) {
  if (secret.size() >= kMinEncryptionSecretSize) return {};
  return fail(fmt::format("encryption key must be at least {} bytes, got {}",
                          kMinEncryptionSecretSize, secret.size()));
}

void split_keys(const std::array<unsigned char, kKeySize + kCheckSize>& out, Keys& keys) {
  std::copy_n(out.begin(), kKeySize, keys.cipher.begin());
  std::copy_n(out.begin() + kKeySize, kCheckSize, keys.check.begin());
}

// Version 1: HKDF-SHA256, for secrets that are random bytes.
Result<void> derive_keys_v1(const std::string& secret, std::string_view salt, Keys& keys) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> owner(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  EVP_PKEY_CTX* ctx = owner.get();
  std::array<unsigned char, kKeySize + kCheckSize> out;
  size_t length = out.size();
  bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, bytes_of(salt), size_of(salt)) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, bytes_of(secret), size_of(secret)) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, bytes_of(kKdfInfo), size_of(kKdfInfo)) > 0 &&
            EVP_PKEY_derive(ctx, out.data(), &length) > 0 && length == out.size();
  if (ok) split_keys(out, keys);
  OPENSSL_cleanse(out.data(), out.size());
  if (!ok) return fail("encryption key derivation failed");
  return {};
}

Result<void> check_scrypt_params(const ScryptParams& params) {
  if (params.log2_n >= 1 && params.log2_n <= 20 && params.r >= 1 && params.p >= 1 &&
      (uint64_t{128} << params.log2_n) * params.r * params.p <= kScryptMaxCost) {
    return {};
  }
  return fail(fmt::format(
      "encrypted data is corrupted (scrypt parameters N=2^{} r={} p={} are beyond the limits)",
      params.log2_n, params.r, params.p));
}

// Version 2: scrypt, which stretches a secret that may be a memorable phrase.
Result<void> derive_keys_v2(const std::string& secret, std::string_view salt,
                            const ScryptParams& params, Keys& keys) {
  if (auto valid = check_scrypt_params(params); !valid) return valid;
  std::array<unsigned char, kKeySize + kCheckSize> out;
  bool ok = EVP_PBE_scrypt(secret.data(), secret.size(), bytes_of(salt), salt.size(),
                           uint64_t{1} << params.log2_n, params.r, params.p, kScryptMaxMem,
                           out.data(), out.size()) == 1;
  if (ok) split_keys(out, keys);
  OPENSSL_cleanse(out.data(), out.size());
  if (!ok) return fail("encryption key derivation failed");
  return {};
}

ScryptParams scrypt_params_of(std::string_view header) {
  auto byte = [&](size_t at) { return static_cast<unsigned char>(header[kScryptParamsAt + at]); };
  return {byte(0), byte(1), byte(2)};
}

// The header's size for its magic; 0 for an unknown magic.
size_t header_size_for(std::string_view magic) {
  if (magic == kMagicV1) return kHeaderSizeV1;
  if (magic == kMagicV2) return kEncryptionHeaderSize;
  return 0;
}

// Whether `seen` can begin a header of a known version.
bool could_be_magic(std::string_view seen) {
  seen = seen.substr(0, std::min(seen.size(), kMagicSize));
  return kMagicV1.starts_with(seen) || kMagicV2.starts_with(seen);
}

// A cipher context keyed for AES-256-GCM; each chunk then only sets its nonce. Setting up
// AES-256-GCM fails only for want of memory.
CipherCtx make_cipher(const Keys& keys, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, keys.cipher.data(), nullptr,
                                encrypt ? 1 : 0) <= 0) {
    throw std::bad_alloc();
  }
  return ctx;
}

std::array<unsigned char, kNonceSize> nonce_for(uint64_t chunk) {
  std::array<unsigned char, kNonceSize> nonce{};  // 4 zero bytes, then the number
  for (size_t i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(chunk >> (8 * (7 - i)));
  return nonce;
}

void put_word(uint32_t word, char* out) {
  for (size_t i = 0; i < kWordSize; ++i) out[i] = static_cast<char>(word >> (8 * (3 - i)));
}

uint32_t get_word(std::string_view bytes) {
  uint32_t word = 0;
  for (size_t i = 0; i < kWordSize; ++i) word = (word << 8) | static_cast<unsigned char>(bytes[i]);
  return word;
}

// Checks a whole header of either version against the secret; on success `keys` holds the
// artifact's keys.
Result<void> open_header(const std::string& secret, std::string_view header, Keys& keys) {
  if (!could_be_magic(header))
    return fail(ErrorCode::kCorrupt, "not mdbop encrypted data (bad magic)");
  const size_t size =
      header.size() < kMagicSize ? 0 : header_size_for(header.substr(0, kMagicSize));
  if (size == 0 || header.size() < size)
    return fail(ErrorCode::kCorrupt, "encrypted data is truncated");
  std::string_view salt = header.substr(kMagicSize, kSaltSize);
  auto derived = size == kHeaderSizeV1
                     ? derive_keys_v1(secret, salt, keys)
                     : derive_keys_v2(secret, salt, scrypt_params_of(header), keys);
  if (!derived) return derived;
  if (CRYPTO_memcmp(keys.check.data(), header.data() + kMagicSize + kSaltSize, kCheckSize) != 0) {
    return fail(ErrorCode::kCorrupt, "wrong encryption key");
  }
  return {};
}

class Encryptor : public ByteSink {
 public:
  Encryptor(ByteSink& next, const std::string& header, const Keys& keys)
      : next_(next),
        header_(header),
        cipher_(make_cipher(keys, true)),
        plain_(std::make_unique_for_overwrite<char[]>(kChunkSize)),
        sealed_(std::make_unique_for_overwrite<char[]>(kWordSize + kChunkSize + kTagSize)) {}

  Result<void> write(std::string_view bytes) override {
    if (auto sent = send_header(); !sent) return sent;
    while (!bytes.empty()) {
      // A whole chunk in the caller's bytes is sealed from there, saving the copy.
      if (pending_ == 0 && bytes.size() >= kChunkSize) {
        if (auto sealed = seal(bytes.substr(0, kChunkSize), false); !sealed) return sealed;
        bytes.remove_prefix(kChunkSize);
        continue;
      }
      size_t take = std::min(kChunkSize - pending_, bytes.size());
      std::memcpy(plain_.get() + pending_, bytes.data(), take);
      pending_ += take;
      bytes.remove_prefix(take);
      if (pending_ == kChunkSize) {
        pending_ = 0;
        if (auto sealed = seal({plain_.get(), kChunkSize}, false); !sealed) return sealed;
      }
    }
    return {};
  }

  Result<void> finish() override {
    if (auto sent = send_header(); !sent) return sent;
    if (auto sealed = seal({plain_.get(), pending_}, true); !sealed) return sealed;
    return next_.finish();
  }

 private:
  Result<void> send_header() {
    if (header_sent_) return {};
    header_sent_ = true;
    return next_.write(header_);
  }

  Result<void> seal(std::string_view plain, bool final) {
    char* out = sealed_.get();
    put_word(static_cast<uint32_t>(plain.size()) | (final ? kFinalBit : 0), out);
    std::string_view word(out, kWordSize);
    auto nonce = nonce_for(chunk_++);
    auto* cipher = reinterpret_cast<unsigned char*>(out + kWordSize);
    int length = 0;
    bool ok =
        EVP_EncryptInit_ex(cipher_.get(), nullptr, nullptr, nullptr, nonce.data()) > 0 &&
        EVP_EncryptUpdate(cipher_.get(), nullptr, &length, bytes_of(word), size_of(word)) > 0 &&
        EVP_EncryptUpdate(cipher_.get(), cipher, &length, bytes_of(plain), size_of(plain)) > 0 &&
        EVP_EncryptFinal_ex(cipher_.get(), cipher + plain.size(), &length) > 0 &&
        EVP_CIPHER_CTX_ctrl(cipher_.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                            cipher + plain.size()) > 0;
    if (!ok) return fail("encryption failed");
    return next_.write({out, kWordSize + plain.size() + kTagSize});
  }

  ByteSink& next_;
  std::string header_;
  CipherCtx cipher_;
  std::unique_ptr<char[]> plain_;   // the chunk being filled
  std::unique_ptr<char[]> sealed_;  // word, ciphertext, tag of the chunk being sent
  size_t pending_ = 0;              // bytes in plain_
  uint64_t chunk_ = 0;              // the next chunk's number, and so its nonce
  bool header_sent_ = false;
};

class Decryptor : public ByteSink {
 public:
  Decryptor(ByteSink& next, const std::string& secret)
      : next_(next), secret_(secret), plain_(std::make_unique_for_overwrite<char[]>(kChunkSize)) {}
  ~Decryptor() override { OPENSSL_cleanse(secret_.data(), secret_.size()); }

  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      Result<void> step;
      switch (part_) {
        case Part::kHeader:
          step = read_header(bytes);
          break;
        case Part::kWord:
          if (gather(bytes, kWordSize)) step = start_chunk();
          break;
        case Part::kCiphertext:
          step = decrypt(bytes);
          break;
        case Part::kTag:
          if (gather(bytes, kTagSize)) step = end_chunk();
          break;
        case Part::kDone:
          return fail(ErrorCode::kCorrupt,
                      "encrypted data is corrupted (data after the final chunk)");
      }
      if (!step) return step;
    }
    return {};
  }

  Result<void> finish() override {
    if (part_ != Part::kDone) return fail(ErrorCode::kCorrupt, "encrypted data is truncated");
    return next_.finish();
  }

 private:
  enum class Part { kHeader, kWord, kCiphertext, kTag, kDone };

  // Moves bytes into small_ until it holds `size`; true when it does.
  bool gather(std::string_view& bytes, size_t size) {
    size_t take = std::min(size - small_.size(), bytes.size());
    small_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    return small_.size() == size;
  }

  Result<void> read_header(std::string_view& bytes) {
    // The magic first: it tells the header's size. Foreign data is refused at once.
    if (small_.size() < kMagicSize) {
      gather(bytes, kMagicSize);
      if (!could_be_magic(small_))
        return fail(ErrorCode::kCorrupt, "not mdbop encrypted data (bad magic)");
      return {};
    }
    if (!gather(bytes, header_size_for(std::string_view(small_).substr(0, kMagicSize)))) return {};
    Keys keys;
    if (auto opened = open_header(secret_, small_, keys); !opened) return opened;
    OPENSSL_cleanse(secret_.data(), secret_.size());
    cipher_ = make_cipher(keys, false);
    small_.clear();
    part_ = Part::kWord;
    return {};
  }

  // The word is in small_: checks it and readies the cipher for this chunk.
  Result<void> start_chunk() {
    uint32_t word = get_word(small_);
    length_ = word & ~kFinalBit;
    final_ = (word & kFinalBit) != 0;
    if (length_ > kChunkSize) {
      return fail(ErrorCode::kCorrupt,
                  fmt::format("encrypted data is corrupted (bad length at chunk {})", chunk_));
    }
    auto nonce = nonce_for(chunk_);
    int out = 0;
    if (EVP_DecryptInit_ex(cipher_.get(), nullptr, nullptr, nullptr, nonce.data()) <= 0 ||
        EVP_DecryptUpdate(cipher_.get(), nullptr, &out, bytes_of(small_), size_of(small_)) <= 0) {
      return fail("decryption failed");
    }
    small_.clear();
    decrypted_ = 0;
    part_ = length_ == 0 ? Part::kTag : Part::kCiphertext;
    return {};
  }

  // Decrypts ciphertext as it arrives; none of it is passed on before the tag is checked.
  Result<void> decrypt(std::string_view& bytes) {
    size_t take = std::min(length_ - decrypted_, bytes.size());
    int out = 0;
    if (EVP_DecryptUpdate(cipher_.get(),
                          reinterpret_cast<unsigned char*>(plain_.get()) + decrypted_, &out,
                          bytes_of(bytes), size_of(bytes.substr(0, take))) <= 0) {
      return fail("decryption failed");
    }
    decrypted_ += static_cast<size_t>(out);
    bytes.remove_prefix(take);
    if (decrypted_ == length_) part_ = Part::kTag;
    return {};
  }

  // The tag is in small_: authenticates the chunk, then passes its plaintext on.
  Result<void> end_chunk() {
    int out = 0;
    if (EVP_CIPHER_CTX_ctrl(cipher_.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                            small_.data()) <= 0 ||
        EVP_DecryptFinal_ex(cipher_.get(), reinterpret_cast<unsigned char*>(plain_.get()), &out) <=
            0) {
      return fail(
          ErrorCode::kCorrupt,
          fmt::format("encrypted data is corrupted (authentication failed at chunk {})", chunk_));
    }
    small_.clear();
    ++chunk_;
    part_ = final_ ? Part::kDone : Part::kWord;
    if (length_ == 0) return {};
    return next_.write({plain_.get(), length_});
  }

  ByteSink& next_;
  std::string secret_;  // until the header has been read; wiped then
  std::unique_ptr<char[]> plain_;
  CipherCtx cipher_;
  std::string small_;  // the header, a word or a tag, as it arrives
  Part part_ = Part::kHeader;
  size_t length_ = 0;     // the current chunk's plaintext length
  size_t decrypted_ = 0;  // how much of it is in plain_
  bool final_ = false;    // whether the current chunk is the last
  uint64_t chunk_ = 0;    // the current chunk's number
};

}  // namespace

Result<std::unique_ptr<ByteSink>> make_encryptor(const std::string& secret, ByteSink& next) {
  if (auto valid = check_secret(secret); !valid) return tl::unexpected(valid.error());
  std::string header(kMagicV2);
  header.resize(kEncryptionHeaderSize);
  auto* salt = reinterpret_cast<unsigned char*>(header.data() + kMagicSize);
  if (RAND_bytes(salt, static_cast<int>(kSaltSize)) != 1) {
    return fail("no random bytes for the encryption salt");
  }
  header[kScryptParamsAt] = static_cast<char>(kScrypt.log2_n);
  header[kScryptParamsAt + 1] = static_cast<char>(kScrypt.r);
  header[kScryptParamsAt + 2] = static_cast<char>(kScrypt.p);
  Keys keys;
  auto derived =
      derive_keys_v2(secret, std::string_view(header).substr(kMagicSize, kSaltSize), kScrypt, keys);
  if (!derived) return tl::unexpected(derived.error());
  std::copy(keys.check.begin(), keys.check.end(), header.begin() + kMagicSize + kSaltSize);
  return std::make_unique<Encryptor>(next, header, keys);
}

Result<std::unique_ptr<ByteSink>> make_decryptor(const std::string& secret, ByteSink& next) {
  if (auto valid = check_secret(secret); !valid) return tl::unexpected(valid.error());
  return std::make_unique<Decryptor>(next, secret);
}

}  // namespace mdbop
