// BackupStorage: where backup artifacts are kept (a directory or an S3 bucket). Objects are
// named by keys, '/'-separated relative paths such as "default/mdb/20240501T0300Z/data.xb.zst";
// each backend maps them under its own root (a directory, an S3 prefix).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

// The most an index object (a manifest) may hold when read whole.
inline constexpr std::size_t kMaxIndexObjectBytes = std::size_t{16} << 20;

struct StoredObject {
  std::string key;
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

// Receives an object's bytes. write() buffers or uploads; finish() makes the object visible
// under its key (filesystem: fsync + rename from a temporary name; S3: CompleteMultipartUpload,
// or one PUT for an object no bigger than a part). Until finish() succeeds no object exists under
// the key, and a writer destroyed unfinished aborts (S3: AbortMultipartUpload; filesystem: the
// temporary file is removed). finish() finishes no further stage: a writer is the last one.
class ObjectWriter : public ByteSink {};

// What an object holds. S3's storage class (s3.storageClass) applies to data only: manifests
// and indexes are read by every listing, retention pass and restore, so they stay in the
// bucket's default class, which a class such as GLACIER would make unreadable without a
// restore request.
enum class ObjectUse { kData, kIndex };

class BackupStorage {
 public:
  virtual ~BackupStorage() = default;

  virtual Result<std::unique_ptr<ObjectWriter>> create(const std::string& key, ObjectUse use) = 0;
  // Streams the object's bytes into sink; does NOT call sink.finish(). An object that does not
  // exist fails with kNotFound (is_not_found), and only such an object.
  virtual Result<void> read(const std::string& key, ByteSink& sink) = 0;
  // The whole object, for small ones (manifests, archived segments); kCorrupt when it is
  // larger than `max_bytes`.
  Result<std::string> read_all(const std::string& key,
                               std::size_t max_bytes = kMaxIndexObjectBytes);
  // Stores a small index object (a manifest) atomically (through create(), so every backend
  // does it alike).
  Result<void> put_all(const std::string& key, std::string_view bytes);
  // Every object whose key starts with prefix (a plain string prefix, not only whole path
  // segments), at any depth, sorted by key.
  virtual Result<std::vector<StoredObject>> list(const std::string& prefix) = 0;
  // Removing a missing key is not an error.
  virtual Result<void> remove(const std::string& key) = 0;
  // Where the object lives, for status and messages: "s3://bucket/prefix/key" or "/dir/key".
  virtual std::string location(const std::string& key) const = 0;
  // Removes everything under `folder` ("<folder>/..."), also what a writer killed midway
  // left behind where the backend can see it (the filesystem's hidden temporaries).
  virtual Result<void> remove_folder(const std::string& folder);
};

// Accepts a relative key of non-empty '/'-separated segments without NUL bytes. No segment may
// start with '.': that rules out "." and "..", and such names are the backends' own (temporary
// files).
Result<void> check_key(std::string_view key);
// The same rules for a list() prefix, which may also be empty or end in '/' or a partial
// segment.
Result<void> check_prefix(std::string_view prefix);

}  // namespace mdbop
