// DigestSink: a pass-through stage that measures what flows by, SHA-256 and byte count, so a
// stored artifact can be recorded and later verified without a second read.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/byte_sink.h"

namespace mdbop {

class DigestSink : public ByteSink {
 public:
  // Borrows `next`, which must outlive this stage.
  explicit DigestSink(ByteSink& next);
  ~DigestSink() override;
  DigestSink(const DigestSink&) = delete;
  DigestSink& operator=(const DigestSink&) = delete;

  Result<void> write(std::string_view bytes) override;
  Result<void> finish() override;

  // Lowercase hex SHA-256 of every byte written; empty until finish().
  const std::string& hex_sha256() const { return hex_sha256_; }
  // Bytes written so far.
  uint64_t bytes() const { return bytes_; }

 private:
  struct ContextFree {
    void operator()(EVP_MD_CTX* ctx) const;
  };

  ByteSink& next_;
  std::unique_ptr<EVP_MD_CTX, ContextFree> context_;
  uint64_t bytes_ = 0;
  std::string hex_sha256_;
};

}  // namespace mdbop
