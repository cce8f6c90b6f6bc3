#include "backup/digest_sink.h"

#include <openssl/evp.h>

#include <array>
#include <new>

namespace mdbop {

void DigestSink::ContextFree::operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }

DigestSink::DigestSink(ByteSink& next) : next_(next), context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
    throw std::bad_alloc();
  }
}

DigestSink::~DigestSink() = default;

Result<void> DigestSink::write(std::string_view bytes) {
  if (EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) != 1) {
    return fail("SHA-256 failed");
  }
  bytes_ += bytes.size();
  return next_.write(bytes);
}

Result<void> DigestSink::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1) {
    return fail("SHA-256 failed");
  }
  constexpr char kHex[] = "0123456789abcdef";
  hex_sha256_.clear();
  for (unsigned int i = 0; i < length; ++i) {
    hex_sha256_ += kHex[digest[i] >> 4];
    hex_sha256_ += kHex[digest[i] & 0xf];
  }
  return next_.finish();
}

}  // namespace mdbop
