#include "backup/binlog_archive.h"

#include <utility>

#include "backup/encryption.h"
#include "util/terminal_sinks.h"

namespace mdbop {
namespace {

// Writes `bytes` through `stage` (whose next stage is what the caller reads) and finishes it.
Result<void> run_stage(ByteSink& stage, const std::string& bytes) {
  if (auto written = stage.write(bytes); !written) return written;
  return stage.finish();
}

bool starts_with(const std::string& bytes, std::string_view magic) {
  return bytes.compare(0, magic.size(), magic) == 0;
}

// A decompressed segment is kept in memory: one that grows past its maximum is refused as it
// grows, so that no stored object (a compression bomb included) takes more.
class CappedStringSink : public ByteSink {
 public:
  explicit CappedStringSink(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  Result<void> write(std::string_view bytes) override {
    if (bytes.size() > max_bytes_ - data_.size()) {
      return fail(ErrorCode::kCorrupt, "the segment unpacks to more than " +
                                           std::to_string(max_bytes_) +
                                           " bytes: not a segment mdbop wrote");
    }
    data_.append(bytes);
    return {};
  }
  Result<void> finish() override { return {}; }
  const std::string& data() const { return data_; }
  std::string take() { return std::move(data_); }

 private:
  std::size_t max_bytes_;
  std::string data_;
};

}  // namespace

Result<std::string> pack_binlog_segment(const std::string& segment, Compression compression,
                                        const std::optional<std::string>& encryption_secret) {
  StringSink stored;
  std::unique_ptr<ByteSink> encryptor;
  ByteSink* after_compression = &stored;
  if (encryption_secret) {
    auto made = make_encryptor(*encryption_secret, stored);
    if (!made) return tl::unexpected(made.error());
    encryptor = std::move(*made);
    after_compression = encryptor.get();
  }
  // Segments are small and many: one compression thread each (0: the caller's).
  auto compressor = make_compressor(compression, *after_compression, 0);
  if (auto done = run_stage(*compressor, segment); !done) return tl::unexpected(done.error());
  return stored.data();
}

Result<std::string> unpack_binlog_segment(const std::string& stored,
                                          const std::optional<std::string>& encryption_secret,
                                          std::size_t max_bytes) {
  if (stored.size() > max_bytes) {
    return fail(ErrorCode::kCorrupt, "the stored segment is larger than " +
                                         std::to_string(max_bytes) +
                                         " bytes: not a segment mdbop wrote");
  }
  // Decryption never makes more bytes than it was given: the cap above holds for it.
  StringSink decrypted;
  const bool encrypted = starts_with(stored, "MDBOPAE");
  if (encrypted) {
    if (!encryption_secret) {
      return fail("the segment is encrypted and no encryption key was given");
    }
    auto decryptor = make_decryptor(*encryption_secret, decrypted);
    if (!decryptor) return tl::unexpected(decryptor.error());
    if (auto done = run_stage(**decryptor, stored); !done) return tl::unexpected(done.error());
  }
  const std::string& plain = encrypted ? decrypted.data() : stored;
  Compression compression = Compression::kNone;
  if (starts_with(plain, std::string_view("\x28\xb5\x2f\xfd", 4))) {
    compression = Compression::kZstd;
  } else if (starts_with(plain, "\x1f\x8b")) {
    compression = Compression::kGzip;
  } else if (starts_with(plain, "BZh")) {
    compression = Compression::kBzip2;
  } else if (!starts_with(plain, kBinlogMagic)) {
    return fail("not a binary-log segment (neither encrypted, compressed nor a binary log)");
  }
  if (compression == Compression::kNone) return plain;
  CappedStringSink segment(max_bytes);
  auto decompressor = make_decompressor(compression, segment);
  if (auto done = run_stage(*decompressor, plain); !done) return tl::unexpected(done.error());
  if (!starts_with(segment.data(), kBinlogMagic)) {
    return fail("not a binary-log segment (no binary-log magic after decompression)");
  }
  return segment.take();
}

Result<void> upload_binlog_segment(BackupStorage& storage, const std::string& key,
                                   const std::string& segment, Compression compression,
                                   const std::optional<std::string>& encryption_secret) {
  auto stored = pack_binlog_segment(segment, compression, encryption_secret);
  if (!stored) return tl::unexpected(stored.error());
  auto writer = storage.create(key, ObjectUse::kData);
  if (!writer) return tl::unexpected(writer.error());
  return run_stage(**writer, *stored);
}

Result<std::vector<BinlogSegmentName>> list_binlog_segments(BackupStorage& storage,
                                                            const std::string& folder) {
  auto objects = storage.list(folder);
  if (!objects) return tl::unexpected(objects.error());
  std::vector<BinlogSegmentName> segments;
  for (const StoredObject& object : *objects) {
    if (auto name = parse_binlog_segment_key(object.key)) segments.push_back(*name);
  }
  return segments;
}

Result<std::vector<Gtid>> gtids_of_segment(const std::string& segment) {
  auto events = parse_binlog_file(segment);
  if (!events) return tl::unexpected(events.error());
  std::vector<Gtid> gtids;
  for (const BinlogEvent& event : *events) {
    if (event.gtid) gtids.push_back(*event.gtid);
  }
  return gtids;
}

}  // namespace mdbop
